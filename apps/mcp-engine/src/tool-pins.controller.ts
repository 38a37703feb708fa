/**
 * The proxy's tool pins on the MCP port (cerebro's "Proxied tools" admin page calls it with the
 * manager's engine token), managers only:
 *
 * - `GET /tool-pins[?status=pending]` — pinned upstream tools; pending ones carry the upstream's
 *   current description and input schema when it still offers the pending version.
 * - `POST /tool-pins/proxy/:tool/approve` with `{"hash": "<pending sha256>"}` — approves exactly
 *   that version (404 nothing pending for the tool, 409 the pending version is another one).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { roleRank } from '@cw/mcp-gate';
import { readJsonBody, sendJson } from './http.util.js';
import type { McpEndpoint } from './mcp.endpoint.js';
import { PROXY_ID, type ProxyRuntime } from './proxy.runtime.js';

const APPROVE = /^\/tool-pins\/([a-z][a-z0-9-]{0,30})\/([A-Za-z0-9_.-]{1,64})\/approve$/;

export async function handleToolPins(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  proxy: ProxyRuntime,
  endpoint: McpEndpoint,
): Promise<void> {
  const user = await endpoint.authenticate(req, res);
  if (!user) return;
  if (roleRank(user.role) < roleRank('manager'))
    return sendJson(res, 403, { error: 'forbidden', message: 'tool pins need the manager role' });
  if (req.method === 'GET' && path === '/tool-pins') {
    const status = query.get('status');
    if (status !== null && status !== 'pending')
      return sendJson(res, 400, { error: 'bad_request', field: 'status', message: 'must be "pending"' });
    const pins = status === 'pending' ? await proxy.pending() : await proxy.list();
    return sendJson(res, 200, { proxy: proxy.state, pins });
  }
  const m = APPROVE.exec(path);
  if (req.method === 'POST' && m) {
    if (m[1] !== PROXY_ID) return sendJson(res, 404, { error: 'not_found', message: `no plugin ${m[1]}` });
    const body = await readJsonBody(req, 4096);
    if (!body.ok) return sendJson(res, body.status, { error: 'bad_request', message: body.message });
    const hash = (body.value as { hash?: unknown } | undefined)?.hash;
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))
      return sendJson(res, 400, {
        error: 'bad_request',
        field: 'hash',
        message: 'must be the 64-hex sha256 of the pending version',
      });
    const approved = await proxy.approve(m[2]!, hash, user);
    if (!approved.ok) return sendJson(res, approved.status, { error: 'refused', message: approved.message });
    return sendJson(res, 200, { pin: approved.pin });
  }
  sendJson(res, 404, { error: 'not_found' });
}
