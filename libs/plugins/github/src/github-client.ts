/**
 * The octokit client a github tool runs with: the caller's token from the vault cascade, the
 * API base URL from the plugin's config, the gate's guarded fetch and the call's abort signal.
 * It honours GitHub's rate limit: once an answer says a token's budget is spent
 * (`x-ratelimit-remaining: 0`), further calls with that token are refused here until
 * `x-ratelimit-reset` instead of being sent (GitHub may ban integrations that keep going).
 */
import { createHash } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import type { ToolContext, ToolResult } from '@cw/mcp-gate';
import { findRefusal } from '@cw/outbound';

export const DEFAULT_GITHUB_API = 'https://api.github.com';

/** A token's budget is spent until `resetAt`; thrown before any request is sent. */
export class GithubRateLimitedError extends Error {
  constructor(readonly resetAt: Date) {
    super(`GitHub rate limit reached for this credential; it resets at ${resetAt.toISOString()}`);
  }
}

/** token hash → epoch seconds when its budget resets (only for spent budgets). */
const spent = new Map<string, number>();
const tokenKey = (token: string) => createHash('sha256').update(token).digest('hex');

export async function githubClient(ctx: ToolContext): Promise<Octokit> {
  const token = await ctx.credential('token');
  const key = tokenKey(token);
  const baseUrl = typeof ctx.config.baseUrl === 'string' ? ctx.config.baseUrl : DEFAULT_GITHUB_API;
  const octokit = new Octokit({
    auth: token,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    userAgent: 'contextweaver-mcp-engine',
    request: { fetch: ctx.fetch, signal: ctx.signal },
    // No logging of requests: URLs may carry repository names the audit must not hold.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  octokit.hook.wrap('request', async (request, options) => {
    const reset = spent.get(key);
    if (reset !== undefined) {
      if (reset * 1000 > Date.now()) throw new GithubRateLimitedError(new Date(reset * 1000));
      spent.delete(key);
    }
    try {
      const response = await request(options);
      remember(key, response.headers);
      return response;
    } catch (error) {
      const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers;
      if (headers) remember(key, headers);
      const resetAt = spent.get(key);
      if (resetAt !== undefined) throw new GithubRateLimitedError(new Date(resetAt * 1000));
      throw error;
    }
  });
  return octokit;
}

function remember(key: string, headers: Record<string, unknown>) {
  if (String(headers['x-ratelimit-remaining']) !== '0') return;
  const reset = Number(headers['x-ratelimit-reset']);
  if (Number.isFinite(reset)) spent.set(key, reset);
}

/** Downstream failures as a tool error the user can act on; never the token or headers. */
export function githubError(error: unknown): ToolResult {
  if (error instanceof GithubRateLimitedError) return { text: error.message, isError: true };
  // The outbound guard's refusal is the gate's to report (octokit wraps it in a status-500 error).
  const refusal = findRefusal(error);
  if (refusal) throw refusal;
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') {
    const message = (error as { response?: { data?: { message?: unknown } } }).response?.data?.message;
    const reason =
      status === 401
        ? 'the GitHub token was refused (check the credential in My Credentials)'
        : typeof message === 'string'
          ? message.slice(0, 200)
          : `HTTP ${status}`;
    return { text: `GitHub answered ${status}: ${reason}`, isError: true };
  }
  throw error;
}
