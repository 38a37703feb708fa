import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetch } from '@cw/outbound';
import { startGithubServer, type GithubTestServer } from '@cw/testing/github';
import { testToolContext } from '@cw/testing/mcp';
import { credentialCascade } from '@cw/vault/testing';
import type { ToolDefinition } from '@cw/mcp-gate';
import { plugin } from '../src/index.js';

const tool = (name: string): ToolDefinition => plugin.tools.find((t) => t.name === name)!;

describe('github plugin against the local GitHub-compatible server', () => {
  let gh: GithubTestServer;
  let cascade: Awaited<ReturnType<typeof credentialCascade>>;
  let guarded: typeof fetch;

  beforeAll(async () => {
    const many = Array.from({ length: 130 }, (_, i) => ({
      owner: 'alice',
      name: `repo-${String(i).padStart(3, '0')}`,
    }));
    gh = await startGithubServer({
      tokens: {
        ghp_alice_own: 'alice',
        ghp_eng_bot: 'eng-bot',
        ghp_org_bot: 'org-bot',
        ghp_limited: 'limited',
      },
      repos: [
        ...many,
        {
          owner: 'acme',
          name: 'api',
          private: true,
          collaborators: ['alice', 'eng-bot', 'org-bot', 'limited'],
          files: { 'README.md': '# ACME API\n\nhello ✓\n', 'src/big.txt': 'x'.repeat(10) },
          pulls: [
            { title: 'Add billing', user: 'alice' },
            { title: 'Old change', user: 'bob', state: 'closed' },
          ],
        },
        { owner: 'other', name: 'secret', private: true },
      ],
    });
    cascade = await credentialCascade('github', 'token', {
      user: 'ghp_alice_own',
      group: 'ghp_eng_bot',
      org: 'ghp_org_bot',
    });
    guarded = createGuardedFetch({ allowHosts: [new URL(gh.url).host] });
  });
  afterAll(() => gh.close());

  const ctx = (user: Record<string, unknown> = cascade.users.own) =>
    testToolContext({
      plugin: 'github',
      resolver: cascade.resolver,
      user,
      fetch: guarded,
      config: { baseUrl: gh.url },
    });

  it('lists the caller’s repositories across Link-header pages', async () => {
    const before = gh.requests.length;
    const result = await tool('list_repos').run({ limit: 120 }, ctx());
    const repos = result.structured!.repos as { full_name: string }[];
    expect(repos).toHaveLength(120);
    expect(new Set(repos.map((r) => r.full_name)).size).toBe(120);
    // 100 per page: two requests, the second one found through the Link header.
    expect(gh.requests.slice(before).map((r) => r.path)).toEqual(['/user/repos', '/user/repos']);
  });

  it('the downstream server sees the user’s own token, then the group’s, then the org’s', async () => {
    for (const [who, login] of [
      ['own', 'alice'],
      ['group', 'eng-bot'],
      ['org', 'org-bot'],
    ] as const) {
      const result = await tool('list_pulls').run(
        { owner: 'acme', repo: 'api', state: 'open', limit: 10 },
        ctx(cascade.users[who]),
      );
      expect(result.isError).toBeFalsy();
      expect(result.text).toBe('#1 [open] Add billing');
      expect(gh.requests.at(-1)).toMatchObject({ path: '/repos/acme/api/pulls', login, status: 200 });
    }
  });

  it('gets a file’s text and refuses a path that leaves the repository', async () => {
    const result = await tool('get_file').run({ owner: 'acme', repo: 'api', path: 'README.md' }, ctx());
    expect(result.text).toBe('# ACME API\n\nhello ✓\n');
    const bad = tool('get_file').input.safeParse({ owner: 'acme', repo: 'api', path: '../etc/passwd' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['path']);
  });

  it('a private repository the token cannot see is a clear 404 error, not a crash', async () => {
    const result = await tool('list_pulls').run(
      { owner: 'other', repo: 'secret', state: 'open', limit: 5 },
      ctx(),
    );
    expect(result).toMatchObject({ isError: true, text: 'GitHub answered 404: Not Found' });
  });

  it('creates an issue and comments on it as the credential’s user', async () => {
    const created = await tool('create_issue').run(
      { owner: 'acme', repo: 'api', title: 'Broken build', body: 'CI fails', labels: ['bug'] },
      ctx(cascade.users.group),
    );
    expect(created.isError).toBeFalsy();
    const number = created.structured!.number as number;
    const commented = await tool('comment').run(
      { owner: 'acme', repo: 'api', issue_number: number, body: 'Looking' },
      ctx(),
    );
    expect(commented.isError).toBeFalsy();
    const repo = gh.repo('acme', 'api')!;
    expect(repo.issues.find((i) => i.number === number)).toMatchObject({
      title: 'Broken build',
      user: 'eng-bot',
      labels: ['bug'],
    });
    expect(repo.comments.at(-1)).toMatchObject({ issue: number, body: 'Looking', user: 'alice' });
  });

  it('honours the rate limit: after a 403 with x-ratelimit-remaining 0 no request is sent until reset', async () => {
    const limitedUser = { id: 'user-lim', email: 'l@example.com', groups: [], tenant: 'acme' };
    await cascade.backend.put(
      { plugin: 'github', name: 'token', scope: { level: 'user', userId: 'user-lim' } },
      'ghp_limited',
      'admin-1',
    );
    const resetAt = new Date(Date.now() + 60 * 60 * 1000);
    gh.setRateLimit('ghp_limited', 0, resetAt);
    const first = await tool('list_repos').run({ limit: 5 }, ctx(limitedUser));
    expect(first.isError).toBe(true);
    expect(first.text).toContain(
      `resets at ${new Date(Math.floor(resetAt.getTime() / 1000) * 1000).toISOString()}`,
    );
    expect(gh.requests.at(-1)).toMatchObject({ login: 'limited', status: 403 });
    const sent = gh.requests.length;
    const second = await tool('list_repos').run({ limit: 5 }, ctx(limitedUser));
    expect(second.isError).toBe(true);
    expect(gh.requests.length).toBe(sent);
    // Other credentials are not affected.
    expect((await tool('list_repos').run({ limit: 1 }, ctx())).isError).toBeFalsy();
  });

  it('a refused token is reported without the token', async () => {
    const wrong = await credentialCascade('github', 'token', { user: 'ghp_wrong', group: 'x', org: 'y' });
    const result = await tool('list_repos').run(
      { limit: 1 },
      testToolContext({
        plugin: 'github',
        resolver: wrong.resolver,
        user: wrong.users.own,
        fetch: guarded,
        config: { baseUrl: gh.url },
      }),
    );
    expect(result.isError).toBe(true);
    expect(result.text).toContain('401');
    expect(result.text).not.toContain('ghp_wrong');
  });

  it('outbound requests go through the guard: loopback is refused unless allowlisted', async () => {
    const strict = testToolContext({
      plugin: 'github',
      resolver: cascade.resolver,
      user: cascade.users.own,
      fetch: createGuardedFetch(),
      config: { baseUrl: gh.url },
    });
    const sent = gh.requests.length;
    await expect(tool('list_repos').run({ limit: 1 }, strict)).rejects.toThrow(/refused|loopback/i);
    expect(gh.requests.length).toBe(sent);
  });

  it('without any credential the caller is told to configure one', async () => {
    const nobody = await credentialCascade('other-plugin', 'token', { user: 'a', group: 'b', org: 'c' });
    await expect(
      tool('list_repos').run(
        { limit: 1 },
        testToolContext({
          plugin: 'github',
          resolver: nobody.resolver,
          fetch: guarded,
          config: { baseUrl: gh.url },
        }),
      ),
    ).rejects.toThrow('configure your credentials in My Credentials');
  });
});
