/**
 * The github plugin: repositories, pull requests, file contents, issues and comments through
 * octokit, as the caller (the `token` credential from the vault cascade). Reads are `read`;
 * creating an issue or a comment is `write`. Metadata only — the gate checks roles and policies.
 */
import { z } from 'zod';
import { definePlugin, defineTool, pluginManifest, type ToolResult } from '@cw/mcp-gate';
import { githubClient, githubError } from './github-client.js';

const name = z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'letters, digits, "_", "." or "-" (1–100)');
const repoArgs = {
  owner: name.describe('Repository owner (user or organisation)'),
  repo: name.describe('Repository name'),
};
const limit = (max: number, fallback: number) =>
  z.number().int().min(1).max(max).default(fallback).describe(`How many to return (1–${max})`);
/** Files larger than this are not returned whole (GitHub's contents API stops at 1 MB too). */
const MAX_FILE_BYTES = 1_000_000;

const json = (text: string, structured: Record<string, unknown>): ToolResult => ({ text, structured });

const listRepos = defineTool({
  name: 'list_repos',
  title: 'List repositories',
  description: 'Repositories the credential’s user owns or can push to.',
  input: z.object({ limit: limit(300, 50) }),
  classification: 'read',
  minRole: 'viewer',
  credentials: ['token'],
  async run({ limit: max }, ctx) {
    try {
      const octokit = await githubClient(ctx);
      const repos: { full_name: string; private: boolean; default_branch: string }[] = [];
      for await (const page of octokit.paginate.iterator(octokit.rest.repos.listForAuthenticatedUser, {
        per_page: Math.min(100, max),
        sort: 'full_name',
      })) {
        for (const r of page.data) {
          repos.push({ full_name: r.full_name, private: r.private, default_branch: r.default_branch });
          if (repos.length >= max) break;
        }
        if (repos.length >= max) break;
      }
      return json(repos.map((r) => r.full_name).join('\n') || '(no repositories)', { repos });
    } catch (error) {
      return githubError(error);
    }
  },
});

const listPulls = defineTool({
  name: 'list_pulls',
  title: 'List pull requests',
  description: 'Pull requests of one repository.',
  input: z.object({
    ...repoArgs,
    state: z.enum(['open', 'closed', 'all']).default('open'),
    limit: limit(300, 50),
  }),
  classification: 'read',
  minRole: 'viewer',
  credentials: ['token'],
  async run({ owner, repo, state, limit: max }, ctx) {
    try {
      const octokit = await githubClient(ctx);
      const pulls: { number: number; title: string; state: string; author?: string; url: string }[] = [];
      for await (const page of octokit.paginate.iterator(octokit.rest.pulls.list, {
        owner,
        repo,
        state,
        per_page: Math.min(100, max),
      })) {
        for (const p of page.data) {
          pulls.push({
            number: p.number,
            title: p.title,
            state: p.state,
            author: p.user?.login,
            url: p.html_url,
          });
          if (pulls.length >= max) break;
        }
        if (pulls.length >= max) break;
      }
      const text =
        pulls.map((p) => `#${p.number} [${p.state}] ${p.title}`).join('\n') || '(no pull requests)';
      return json(text, { pulls });
    } catch (error) {
      return githubError(error);
    }
  },
});

const getFile = defineTool({
  name: 'get_file',
  title: 'Get a file',
  description: 'The text of one file of a repository (at a branch, tag or commit).',
  input: z.object({
    ...repoArgs,
    path: z
      .string()
      .min(1)
      .max(1024)
      .refine((p) => !p.split('/').includes('..') && !p.startsWith('/'), 'a path inside the repository'),
    ref: z.string().min(1).max(255).optional(),
  }),
  classification: 'read',
  minRole: 'viewer',
  credentials: ['token'],
  async run({ owner, repo, path, ref }, ctx) {
    try {
      const octokit = await githubClient(ctx);
      const { data } = await octokit.rest.repos.getContent({ owner, repo, path, ...(ref ? { ref } : {}) });
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data))
        return { text: `${path} is not a file`, isError: true };
      if (data.size > MAX_FILE_BYTES)
        return { text: `${path} is larger than ${MAX_FILE_BYTES} bytes`, isError: true };
      const text = Buffer.from(data.content, 'base64').toString('utf8');
      return json(text, { path: data.path, sha: data.sha, size: data.size });
    } catch (error) {
      return githubError(error);
    }
  },
});

const createIssue = defineTool({
  name: 'create_issue',
  title: 'Create an issue',
  description: 'Opens an issue in a repository as the credential’s user.',
  input: z.object({
    ...repoArgs,
    title: z.string().min(1).max(256),
    body: z.string().max(65_536).optional(),
    labels: z.array(z.string().min(1).max(50)).max(10).optional(),
  }),
  classification: 'write',
  minRole: 'developer',
  credentials: ['token'],
  limits: [{ argument: 'body', maxBytes: 65_536 }],
  async run({ owner, repo, title, body, labels }, ctx) {
    try {
      const octokit = await githubClient(ctx);
      const { data } = await octokit.rest.issues.create({
        owner,
        repo,
        title,
        ...(body ? { body } : {}),
        ...(labels ? { labels } : {}),
      });
      return json(`Created issue #${data.number}: ${data.html_url}`, {
        number: data.number,
        url: data.html_url,
      });
    } catch (error) {
      return githubError(error);
    }
  },
});

const comment = defineTool({
  name: 'comment',
  title: 'Comment on an issue or pull request',
  description: 'Adds a comment to an issue or pull request as the credential’s user.',
  input: z.object({
    ...repoArgs,
    issue_number: z.number().int().min(1),
    body: z.string().min(1).max(65_536),
  }),
  classification: 'write',
  minRole: 'developer',
  credentials: ['token'],
  limits: [{ argument: 'body', maxBytes: 65_536 }],
  async run({ owner, repo, issue_number, body }, ctx) {
    try {
      const octokit = await githubClient(ctx);
      const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number, body });
      return json(`Commented: ${data.html_url}`, { id: data.id, url: data.html_url });
    } catch (error) {
      return githubError(error);
    }
  },
});

export const plugin = definePlugin({
  id: 'github',
  version: '0.1.0',
  title: 'GitHub',
  description:
    'Repositories, pull requests, files, issues and comments on GitHub (or GitHub Enterprise via `baseUrl`).',
  credentials: [
    {
      name: 'token',
      description: 'A GitHub personal access token (fine-grained: contents read, issues write)',
    },
  ],
  outboundHosts: ['api.github.com'],
  tools: [listRepos, listPulls, getFile, createIssue, comment],
});

export const manifest = pluginManifest(plugin);
