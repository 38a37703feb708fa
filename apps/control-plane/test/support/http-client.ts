/** A minimal browser-like HTTP client for tests: cookie jar, CSRF token, no redirect following. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: <T = Record<string, unknown>>() => T;
  location: string | null;
}

export class TestClient {
  private readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(
    private readonly base: string,
    private readonly ip?: string,
  ) {}

  async request(
    method: string,
    path: string,
    options: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.ip) headers['x-forwarded-for'] = this.ip;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = typeof options.json === 'string' ? options.json : JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const response = await fetch(path.startsWith('http') ? path : `${this.base}${path}`, {
      method,
      headers,
      body,
      redirect: 'manual',
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: <T>() => JSON.parse(text) as T,
      location: response.headers.get('location'),
    };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, { headers });
  }

  /** Fetches a CSRF token (and its cookie) for JSON calls. */
  async primeCsrf(): Promise<string> {
    this.csrf = (await this.get('/api/csrf')).json<{ token: string }>().token;
    return this.csrf;
  }

  postJson(path: string, json: unknown) {
    return this.request('POST', path, {
      json,
      headers: { 'x-csrf-token': this.csrf, accept: 'application/json' },
    });
  }

  postForm(path: string, form: Record<string, string>) {
    return this.request('POST', path, {
      form: { _csrf: this.csrf, ...form },
      headers: { accept: 'text/html' },
    });
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  hasCookie(name: string): boolean {
    return this.cookies.has(name);
  }
}

/** The `_csrf` value of the first form on an HTML page. */
export const csrfFromHtml = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
