/** /healthz (the process is alive), /readyz (caches synced), /metrics (Prometheus). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from '@cw/observability';

export interface ProbeSources {
  readonly registry: Registry;
  healthy(): boolean;
  ready(): boolean;
}

export async function startHttpServer(
  sources: ProbeSources,
  port: number,
  host: string,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, 'method not allowed\n');
    if (path === '/healthz') return sources.healthy() ? answer(200, 'ok\n') : answer(503, 'unhealthy\n');
    if (path === '/readyz') return sources.ready() ? answer(200, 'ok\n') : answer(503, 'caches not synced\n');
    if (path === '/metrics') {
      sources.registry
        .metrics()
        .then((text) => answer(200, text, sources.registry.contentType))
        .catch((error: unknown) => answer(500, `metrics failed: ${String(error)}\n`));
      return;
    }
    answer(404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
