/**
 * One local port for every tenant's workspace: `http://<slug>.localtest.me:<port>` (localtest.me
 * and its subdomains resolve to 127.0.0.1) is proxied to that tenant's cerebro, Host header kept,
 * as the cluster's gateway would route `<slug>.<base domain>`. A tenant that is rendered but not
 * running (yet) gets a 502 page that says so; a suspended tenant (rendered with 0 replicas) a
 * 503; a slug with no render at all (never provisioned here, or offboarded) a 404.
 * The same port answers `GET /metrics` for any other host (http://127.0.0.1:<port>/metrics):
 * the local data plane's own registry (cw_onboarding_stage_seconds), when one is given.
 */
import { createServer, request, type Server } from 'node:http';

export type RouteTarget = number | 'suspended' | 'gone' | undefined;

export interface RouterMetrics {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export function startLocalRouter(
  port: number,
  target: (slug: string) => RouteTarget,
  registry?: RouterMetrics,
): Promise<Server> {
  const server = createServer((req, res) => {
    const host = (req.headers.host ?? '').split(':')[0] ?? '';
    const slug = /^([a-z0-9-]+)\.localtest\.me$/.exec(host)?.[1];
    if (!slug && registry && req.method === 'GET' && (req.url ?? '').split('?')[0] === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
      return;
    }
    const upstream = slug ? target(slug) : undefined;
    if (typeof upstream !== 'number') {
      const plain = { 'content-type': 'text/plain; charset=utf-8' };
      if (upstream === 'suspended')
        res
          .writeHead(503, { ...plain, 'retry-after': '300' })
          .end(`The workspace "${slug}" is suspended: its processes are stopped until it is resumed.\n`);
      else if (upstream === 'gone')
        res
          .writeHead(404, plain)
          .end(`No such workspace: "${slug}" was never provisioned on this machine, or it was offboarded.\n`);
      else
        res
          .writeHead(502, plain)
          .end(
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
