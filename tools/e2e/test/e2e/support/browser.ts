/**
 * A browser-like HTTP client for the journey: cookie jar, CSRF token, no redirect following.
 * Workspaces at `http://<slug>.localtest.me:<port>` are reached without DNS (public DNS answers
 * 127.0.0.1 for localtest.me; this machine may have none): the socket resolves such names to
 * 127.0.0.1 itself, so the Host header is the workspace's, as a browser's would be.
 */
import { Agent, fetch as undiciFetch } from 'undici';

type Lookup = (
  hostname: string,
  options: { all?: boolean },
  callback: (
    error: Error | null,
    address: string | Array<{ address: string; family: number }>,
    family?: number,
  ) => void,
) => void;
const loopbackLookup: Lookup = (hostname, options, callback) => {
  if (!/(^|\.)localtest\.me$/.test(hostname))
    return callback(new Error(`${hostname}: not a localtest.me name`), '');
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};
const localtest = new Agent({ connect: { lookup: loopbackLookup as never } });

export interface Reply {
  status: number;
  text: string;
  location: string | null;
  json<T = Record<string, unknown>>(): T;
}

export class Browser {
  readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(private readonly base: string) {}

  async request(
    method: string,
    path: string,
    options: { json?: unknown; form?: Record<string, string>; accept?: string } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      headers['x-csrf-token'] = this.csrf;
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams({ _csrf: this.csrf, ...options.form }).toString();
    }
    const target = path.startsWith('http') ? path : `${this.base}${path}`;
    const init = { method, headers, body, redirect: 'manual' as const };
    const response = /\.localtest\.me$/.test(new URL(target).hostname)
      ? await undiciFetch(target, { ...init, dispatcher: localtest })
      : await fetch(target, init);
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      if (/Max-Age=0/i.test(cookie)) this.cookies.delete(pair!.slice(0, eq));
      else this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const text = await response.text();
    return {
      status: response.status,
      text,
      location: response.headers.get('location'),
      json: <T>() => JSON.parse(text) as T,
    };
  }

  get(path: string, accept?: string) {
    return this.request('GET', path, { accept });
  }

  async primeCsrf(): Promise<void> {
    this.csrf = (await this.get('/api/csrf')).json<{ token: string }>().token;
  }
}

/** The `_csrf` value of the first form on an HTML page. */
export const csrfFromHtml = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
