/**
 * The dashboard port (5000): health for the kubelet (/healthz, /readyz), Prometheus (/metrics),
 * and a read-only page of the engine's state — switches, plugins, tools with classification and
 * minimum role, recent decisions. Only hashed user ids ever appear; no arguments, no results.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditRow, Gate } from '@cw/mcp-gate';
import type { EngineMetrics } from './engine.metrics.js';
import { sendJson } from './http.util.js';
import type { ProxyState } from './proxy.runtime.js';

export interface DashboardState {
  gate: Gate;
  metrics: EngineMetrics;
  tenant: string;
  ready: () => boolean;
  /** Plugins the config lists that this build does not contain. */
  missingPlugins: () => readonly string[];
  /** The proxy kind's state (off, ready with n tools, unavailable with the reason). */
  proxy?: () => ProxyState;
  recent: () => readonly AuditRow[];
}

export function status(s: DashboardState) {
  const settings = s.gate.current;
  return {
    tenant: s.tenant,
    engine: settings.engine,
    ready: s.ready(),
    switches: { readOnly: settings.readOnly, maintenance: settings.maintenance, auditLog: settings.auditLog },
    plugins: settings.plugins,
    missingPlugins: s.missingPlugins(),
    proxy: s.proxy?.() ?? { state: 'off' },
    tools: s.gate.catalogListing().map((t) => ({
      name: t.name,
      plugin: t.plugin,
      enabled: t.enabled,
      classification: t.classification,
      minRole: t.minRole,
    })),
    recent: s.recent().map((r) => ({
      at: r.at,
      user: r.userHash.slice(0, 12),
      tool: r.tool,
      decision: r.decision,
      reason: r.reason,
      result: r.result,
      latencyMs: r.latencyMs,
    })),
  };
}

const esc = (v: unknown) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(s: DashboardState): string {
  const st = status(s);
  const rows = (cells: unknown[][]) =>
    cells.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Engine ${esc(st.engine)}</title>
<style>body{font:14px system-ui;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}</style></head>
<body><main><h1>Engine ${esc(st.engine)} <small>(${esc(st.tenant)})</small></h1>
<p>Ready: ${st.ready ? 'yes' : 'no'} · read-only: ${st.switches.readOnly} · maintenance: ${st.switches.maintenance} · audit log: ${st.switches.auditLog}</p>
${st.missingPlugins.length ? `<p role="alert">Not available in this engine: ${esc(st.missingPlugins.join(', '))}</p>` : ''}
${st.proxy.state === 'unavailable' ? `<p role="alert">Proxy: ${esc(st.proxy.reason)}</p>` : ''}
<h2>Tools</h2><table><thead><tr><th>Tool</th><th>Plugin enabled</th><th>Classification</th><th>Minimum role</th></tr></thead>
<tbody>${rows(st.tools.map((t) => [t.name, t.enabled ? 'yes' : 'no', t.classification, t.minRole]))}</tbody></table>
<h2>Recent decisions</h2><table><thead><tr><th>Time</th><th>User (hashed)</th><th>Tool</th><th>Decision</th><th>Reason</th><th>Result</th><th>ms</th></tr></thead>
<tbody>${rows(st.recent.map((r) => [r.at, r.user, r.tool, r.decision, r.reason, r.result, r.latencyMs]))}</tbody></table>
</main></body></html>`;
}

export async function handleDashboard(
  req: IncomingMessage,
  res: ServerResponse,
  s: DashboardState,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (req.method !== 'GET') return sendJson(res, 405, { error: 'method_not_allowed' });
  switch (path) {
    case '/healthz':
      return sendJson(res, 200, { status: 'ok' });
    case '/readyz':
      return sendJson(res, s.ready() ? 200 : 503, { status: s.ready() ? 'ready' : 'not ready' });
    case '/metrics': {
      const text = await s.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': s.metrics.registry.contentType });
      return void res.end(text);
    }
    case '/api/status':
      return sendJson(res, 200, status(s));
    case '/': {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        'x-content-type-options': 'nosniff',
      });
      return void res.end(page(s));
    }
    default:
      return sendJson(res, 404, { error: 'not_found' });
  }
}
