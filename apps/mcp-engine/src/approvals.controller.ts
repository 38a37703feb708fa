/**
 * The approvals API on the MCP port (cerebro's approvals page calls it with the manager's engine
 * token): GET /approvals, POST /approvals/:id/approve, POST /approvals/:id/reject. Managers only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { APPROVAL_STATUSES, roleRank, type ApprovalStatus, type Gate } from '@cw/mcp-gate';
import { sendJson } from './http.util.js';
import type { McpEndpoint } from './mcp.endpoint.js';

export async function handleApprovals(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  gate: Gate,
  endpoint: McpEndpoint,
): Promise<void> {
  const user = await endpoint.authenticate(req, res);
  if (!user) return;
  if (roleRank(user.role) < roleRank('manager'))
    return sendJson(res, 403, { error: 'forbidden', message: 'approvals need the manager role' });
  if (req.method === 'GET' && path === '/approvals') {
    const status = query.get('status') ?? undefined;
    if (status !== undefined && !(APPROVAL_STATUSES as readonly string[]).includes(status))
      return sendJson(res, 400, {
        error: 'bad_request',
        field: 'status',
        message: `must be one of ${APPROVAL_STATUSES.join(', ')}`,
      });
    return sendJson(res, 200, { approvals: await gate.approvals.list(status as ApprovalStatus | undefined) });
  }
  const m = /^\/approvals\/([A-Za-z0-9_-]{1,64})\/(approve|reject)$/.exec(path);
  if (req.method === 'POST' && m) {
    req.resume();
    const decided = await gate.approvals.decide(m[1]!, m[2] === 'approve' ? 'approved' : 'rejected', user);
    if (decided.decision === 'refuse') {
      const status = decided.detail.includes('does not exist') ? 404 : 409;
      return sendJson(res, status, { error: 'refused', reason: decided.reason, message: decided.detail });
    }
    return sendJson(res, 200, { approval: decided.record });
  }
  sendJson(res, 404, { error: 'not_found' });
}
