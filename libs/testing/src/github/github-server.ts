/**
 * A local GitHub-compatible REST server for the endpoints the github plugin calls through
 * octokit: the authenticated user's repositories, pull requests, file contents, issues and issue
 * comments. It checks the token (`token <t>` or `bearer <t>`), answers 404 for repositories the
 * token's user cannot see (as GitHub does for private ones), 403 for writes without push access,
 * paginates with `Link` headers, and sends `x-ratelimit-*` headers on every answer; a token whose
 * budget is spent gets GitHub's 403 "API rate limit exceeded" with `x-ratelimit-remaining: 0`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface GithubRepoSeed {
  owner: string;
  name: string;
  private?: boolean;
  /** Logins with push access besides the owner. */
  collaborators?: string[];
  defaultBranch?: string;
  /** path → content (on the default branch). */
  files?: Record<string, string>;
  pulls?: { title: string; state?: 'open' | 'closed'; user: string; head?: string; base?: string }[];
}

export interface GithubServerOptions {
  /** token → login of the user it belongs to. */
  tokens: Record<string, string>;
  repos?: GithubRepoSeed[];
  /** Requests per token before it is rate limited (default 5000). */
  rateLimit?: number;
}

export interface GithubRecordedRequest {
  method: string;
  path: string;
  /** The login the token belonged to (undefined when the token was missing or unknown). */
  login?: string;
  status: number;
}

interface Repo extends Required<Omit<GithubRepoSeed, 'pulls'>> {
  id: number;
  pulls: { number: number; title: string; state: string; user: string; head: string; base: string }[];
  issues: { number: number; title: string; body: string; user: string; labels: string[] }[];
  comments: { id: number; issue: number; body: string; user: string }[];
}

export interface GithubTestServer {
  url: string;
  requests: GithubRecordedRequest[];
  /** Issues (and their comments) as created through the API, for assertions. */
  repo(owner: string, name: string): Repo | undefined;
  /** Sets a token's remaining budget (0 = rate limited until `resetAt`). */
  setRateLimit(token: string, remaining: number, resetAt?: Date): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startGithubServer(options: GithubServerOptions): Promise<GithubTestServer> {
  const limit = options.rateLimit ?? 5000;
  const budgets = new Map<string, { remaining: number; reset: number }>();
  const requests: GithubRecordedRequest[] = [];
  let nextId = 1000;
  const repos = new Map<string, Repo>();
  for (const seed of options.repos ?? []) {
    repos.set(`${seed.owner}/${seed.name}`.toLowerCase(), {
      id: nextId++,
      owner: seed.owner,
      name: seed.name,
      private: seed.private ?? false,
      collaborators: seed.collaborators ?? [],
      defaultBranch: seed.defaultBranch ?? 'main',
      files: seed.files ?? {},
      pulls: (seed.pulls ?? []).map((p, i) => ({
        number: i + 1,
        title: p.title,
        state: p.state ?? 'open',
        user: p.user,
        head: p.head ?? `feature-${i + 1}`,
        base: p.base ?? seed.defaultBranch ?? 'main',
      })),
      issues: [],
      comments: [],
    });
  }
  let baseUrl = '';

  const canRead = (repo: Repo, login: string) =>
    !repo.private || repo.owner === login || repo.collaborators.includes(login);
  const canPush = (repo: Repo, login: string) => repo.owner === login || repo.collaborators.includes(login);

  const repoJson = (r: Repo) => ({
    id: r.id,
    name: r.name,
    full_name: `${r.owner}/${r.name}`,
    private: r.private,
    owner: { login: r.owner, type: 'User' },
    html_url: `${baseUrl}/${r.owner}/${r.name}`,
    default_branch: r.defaultBranch,
    visibility: r.private ? 'private' : 'public',
  });

  function findRepo(owner: string, name: string, login: string): Repo {
    const repo = repos.get(`${owner}/${name}`.toLowerCase());
    if (!repo || !canRead(repo, login)) throw new HttpError(404, 'Not Found');
    return repo;
  }

  function paginate(url: URL, items: unknown[], res: ServerResponse): unknown[] {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number, rel: string) => {
      const u = new URL(url.pathname + url.search, baseUrl);
      u.searchParams.set('page', String(p));
      u.searchParams.set('per_page', String(perPage));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (links.length) res.setHeader('link', links.join(', '));
    return items.slice((page - 1) * perPage, page * perPage);
  }

  type Route = [
    string,
    RegExp,
    (
      m: string[],
      login: string,
      url: URL,
      body: Record<string, unknown>,
      res: ServerResponse,
    ) => [number, unknown],
  ];
  const routes: Route[] = [
    ['GET', /^\/user$/, (_m, login) => [200, { login, id: 1, type: 'User' }]],
    [
      'GET',
      /^\/user\/repos$/,
      (_m, login, url, _b, res) => {
        const mine = [...repos.values()].filter((r) => canPush(r, login)).map(repoJson);
        return [200, paginate(url, mine, res)];
      },
    ],
    [
      'GET',
      /^\/repos\/([^/]+)\/([^/]+)\/pulls$/,
      (m, login, url, _b, res) => {
        const repo = findRepo(m[1]!, m[2]!, login);
        const state = url.searchParams.get('state') ?? 'open';
        const pulls = repo.pulls
          .filter((p) => state === 'all' || p.state === state)
          .map((p) => ({
            number: p.number,
            title: p.title,
            state: p.state,
            user: { login: p.user },
            head: { ref: p.head },
            base: { ref: p.base },
            html_url: `${baseUrl}/${repo.owner}/${repo.name}/pull/${p.number}`,
          }));
        return [200, paginate(url, pulls, res)];
      },
    ],
    [
      'GET',
      /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/,
      (m, login) => {
        const repo = findRepo(m[1]!, m[2]!, login);
        const path = decodeURIComponent(m[3]!);
        const content = repo.files[path];
        if (content === undefined) throw new HttpError(404, 'Not Found');
        const bytes = Buffer.from(content, 'utf8');
        return [
          200,
          {
            type: 'file',
            encoding: 'base64',
            size: bytes.length,
            name: path.split('/').pop(),
            path,
            sha: `sha-${bytes.length}-${path.length}`,
            // GitHub wraps base64 at 60 characters.
            content: (bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n'),
          },
        ];
      },
    ],
    [
      'POST',
      /^\/repos\/([^/]+)\/([^/]+)\/issues$/,
      (m, login, _u, body) => {
        const repo = findRepo(m[1]!, m[2]!, login);
        if (!canPush(repo, login))
          throw new HttpError(403, 'Resource not accessible by personal access token');
        if (typeof body.title !== 'string' || !body.title)
          throw new HttpError(422, 'Validation Failed: title is missing');
        const number = repo.pulls.length + repo.issues.length + 1;
        const issue = {
          number,
          title: body.title,
          body: typeof body.body === 'string' ? body.body : '',
          user: login,
          labels: Array.isArray(body.labels) ? body.labels.map(String) : [],
        };
        repo.issues.push(issue);
        return [
          201,
          {
            ...issue,
            id: nextId++,
            user: { login },
            html_url: `${baseUrl}/${repo.owner}/${repo.name}/issues/${number}`,
          },
        ];
      },
    ],
    [
      'POST',
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
      (m, login, _u, body) => {
        const repo = findRepo(m[1]!, m[2]!, login);
        if (!canPush(repo, login))
          throw new HttpError(403, 'Resource not accessible by personal access token');
        const issue = Number(m[3]);
        if (!repo.issues.some((i) => i.number === issue) && !repo.pulls.some((p) => p.number === issue))
          throw new HttpError(404, 'Not Found');
        if (typeof body.body !== 'string' || !body.body)
          throw new HttpError(422, 'Validation Failed: body is missing');
        const comment = { id: nextId++, issue, body: body.body, user: login };
        repo.comments.push(comment);
        return [
          201,
          {
            id: comment.id,
            body: comment.body,
            user: { login },
            html_url: `${baseUrl}/${repo.owner}/${repo.name}/issues/${issue}#issuecomment-${comment.id}`,
          },
        ];
      },
    ],
  ];

  function budget(token: string) {
    const now = Math.floor(Date.now() / 1000);
    let b = budgets.get(token);
    if (!b || b.reset <= now) {
      b = { remaining: limit, reset: now + 3600 };
      budgets.set(token, b);
    }
    return b;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const token = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const login = token ? options.tokens[token] : undefined;
    const send = (status: number, body: unknown) => {
      requests.push({ method, path: url.pathname, status, ...(login ? { login } : {}) });
      res.statusCode = status;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(body));
    };
    if (!token || !login) {
      return send(401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }
    const b = budget(token);
    const rateHeaders = () => {
      res.setHeader('x-ratelimit-limit', String(limit));
      res.setHeader('x-ratelimit-remaining', String(b.remaining));
      res.setHeader('x-ratelimit-reset', String(b.reset));
      res.setHeader('x-ratelimit-used', String(limit - b.remaining));
      res.setHeader('x-ratelimit-resource', 'core');
    };
    if (b.remaining <= 0) {
      rateHeaders();
      return send(403, {
        message: `API rate limit exceeded for user ${login}.`,
        documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting',
      });
    }
    b.remaining -= 1;
    rateHeaders();
    const route = routes.find(([m, re]) => m === method && re.test(url.pathname));
    if (!route) return send(404, { message: 'Not Found' });
    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return send(400, { message: 'Problems parsing JSON' });
      }
    }
    try {
      const [status, out] = route[2](route[1].exec(url.pathname)!.slice(), login, url, body, res);
      send(status, out);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      send(error.status, { message: error.message });
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end(JSON.stringify({ message: String(error) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: baseUrl,
    requests,
    repo: (owner, name) => repos.get(`${owner}/${name}`.toLowerCase()),
    setRateLimit(token, remaining, resetAt) {
      const b = budget(token);
      b.remaining = remaining;
      if (resetAt) b.reset = Math.floor(resetAt.getTime() / 1000);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
