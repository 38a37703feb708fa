/** A minimal browser for tests: a cookie jar, no redirect following, the CSRF token of the page. */
export interface Reply {
  readonly status: number;
  readonly text: string;
  readonly location: string | null;
}

export class Browser {
  readonly cookies = new Map<string, string>();
  csrf = '';
  constructor(private readonly base: string) {}

  async request(
    method: string,
    path: string,
    init: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      headers['x-csrf-token'] = this.csrf;
      body = typeof init.json === 'string' ? init.json : JSON.stringify(init.json);
    } else if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams({ _csrf: this.csrf, ...init.form }).toString();
    }
    const res = await fetch(path.startsWith('http') ? path : `${this.base}${path}`, {
      method,
      headers,
      body,
      redirect: 'manual',
    });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      if (/Max-Age=0/i.test(cookie)) this.cookies.delete(pair!.slice(0, eq));
      else this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  async primeCsrf(): Promise<void> {
    this.csrf = (JSON.parse((await this.request('GET', '/api/csrf')).text) as { token: string }).token;
  }

  /** Takes the `_csrf` of the first form on an HTML page. */
  csrfFrom(html: string): void {
    this.csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? this.csrf;
  }
}
