/**
 * One local port for every tenant's workspace: `http://<slug>.localtest.me:<port>` (localtest.me
 * and its subdomains resolve to 127.0.0.1) is proxied to that tenant's cerebro, Host header kept,
 * as the cluster's gateway would route `<slug>.<base domain>`. Unknown or stopped tenants get a
 * 502 page that says so; a suspended tenant (rendered with 0 replicas) gets a 503 that says it is
 * suspended.
 */
import { createServer, request, type Server } from 'node:http';

export function startLocalRouter(
  port: number,
  target: (slug: string) => number | 'suspended' | undefined,
): Promise<Server> {
  const server = createServer((req, res) => {
    const host = (req.headers.host ?? '').split(':')[0] ?? '';
    const slug = /^([a-z0-9-]+)\.localtest\.me$/.exec(host)?.[1];
    const upstream = slug ? target(slug) : undefined;
    if (upstream === 'suspended') {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '300' });
      res.end(`The workspace "${slug}" is suspended: its processes are stopped until it is resumed.\n`);
      return;
    }
    if (!slug || !upstream) {
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(
        slug
          ? `No workspace is running for "${slug}" yet: it starts once the tenant is provisioned (see the npm start console).\n`
          : `Open http://<slug>.localtest.me:${port}/ — this port routes workspaces by host name.\n`,
      );
      return;
    }
    const forward = request(
      { host: '127.0.0.1', port: upstream, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.once('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`The workspace "${slug}" is starting or stopped; try again in a few seconds.\n`);
    });
    req.pipe(forward);
  });
  return new Promise((resolve, reject) =>
    server.once('error', reject).listen(port, '127.0.0.1', () => resolve(server)),
  );
}
