/**
 * Proxied tools (managers): upstream MCP tools an engine's proxy plugin pinned and whose name,
 * description or input schema changed since a manager approved them. Calls to such a tool are
 * refused by the engine until a manager approves the new version here. Cerebro calls each
 * engine's `/tool-pins` API with a token minted for this manager and that engine; the engine
 * checks the role again and records who approved (hashed) in its audit.
 */
import { z } from 'zod';
import type { HubHost } from '../hub-host.js';
import type { Hub } from '../hub/hub.service.js';
import { formBody, param } from '../http/actor.js';
import { ConflictError, InputError, NotFoundError } from '../http/errors.js';
import type { RouteSpec } from '../http/route-table.js';
import { html } from '../views/html.js';
import { fmtTime, postForm, sendPage } from '../views/layout.js';

const HASH = /^[0-9a-f]{64}$/;
const TOOL = /^[A-Za-z0-9_.-]{1,64}$/;

const pinList = z.object({
  proxy: z.object({ state: z.string(), reason: z.string().optional(), tools: z.number().optional() }),
  pins: z.array(
    z.object({
      tool: z.string(),
      hash: z.string(),
      approvedAt: z.string(),
      pendingHash: z.string(),
      pendingSince: z.string().optional(),
      upstream: z
        .object({ description: z.string(), inputSchema: z.record(z.string(), z.unknown()) })
        .optional(),
    }),
  ),
});
type PinList = z.infer<typeof pinList>;

export function toolPinRoutes(hub: Hub): RouteSpec[] {
  const engineApi = async (
    engineName: string,
    req: Parameters<Hub['subjectOf']>[0],
    path: string,
    body?: unknown,
  ) => {
    const engine = hub.deps.config.engines.find((e) => e.name === engineName);
    if (!engine) throw new NotFoundError('engine');
    const token = await hub.mint.mint(hub.subjectOf(req), engine.mcpUrl);
    return fetch(new URL(path, engine.mcpUrl), {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  };

  const section = (
    req: Parameters<Hub['subjectOf']>[0],
    engine: string,
    list: PinList | { error: string },
  ) => {
    if ('error' in list) return html`<p class="banner">${list.error}</p>`;
    if (list.proxy.state === 'off' && list.pins.length === 0)
      return html`<p>This engine puts no MCP server behind the gate.</p>`;
    return html`${
      list.proxy.state === 'unavailable'
        ? html`<p class="banner">The proxied server is unavailable: ${list.proxy.reason ?? ''}</p>`
        : ''
    }
    ${
      list.pins.length
        ? html`<ul class="approvals">
          ${list.pins.map(
            (p) => html`<li>
              <p><code>proxy.${p.tool}</code> changed upstream ${p.pendingSince ? html`(seen ${fmtTime(p.pendingSince)})` : ''}.
                Approved version <code>${p.hash.slice(0, 12)}</code> (${fmtTime(p.approvedAt)}), new version <code>${p.pendingHash.slice(0, 12)}</code>.</p>
              ${
                p.upstream
                  ? html`<p>New description:</p><pre>${p.upstream.description}</pre>
                    <details><summary>New input schema</summary><pre>${JSON.stringify(p.upstream.inputSchema, null, 2)}</pre></details>`
                  : html`<p>The upstream offers yet another version now; reload after it settles.</p>`
              }
              ${postForm(
                req,
                `/admin/tool-pins/${engine}/${p.tool}/approve`,
                html`<input type="hidden" name="hash" value="${p.pendingHash}" /><button type="submit">Approve version ${p.pendingHash.slice(0, 12)} of ${p.tool}</button>`,
                'class="inline"',
              )}
            </li>`,
          )}
        </ul>`
        : html`<p>No proxied tool changed since it was approved.</p>`
    }`;
  };

  return [
    {
      method: 'GET',
      path: '/admin/tool-pins',
      access: 'manager',
      handler: async (req, res) => {
        const perEngine = await Promise.all(
          hub.deps.config.engines.map(async (e) => {
            try {
              const r = await engineApi(e.name, req, '/tool-pins?status=pending');
              if (!r.ok) return { engine: e.name, list: { error: `the engine answered ${r.status}` } };
              const parsed = pinList.safeParse(await r.json());
              return {
                engine: e.name,
                list: parsed.success ? parsed.data : { error: 'the engine answered something unexpected' },
              };
            } catch {
              return { engine: e.name, list: { error: 'the engine is not reachable' } };
            }
          }),
        );
        sendPage(req, res, {
          title: 'Proxied tools',
          body: html`<h1>Proxied tools</h1>
            <p>Tools of MCP servers behind an engine's gate are pinned when the server is enabled. When a
              tool's name, description or input schema changes upstream, calls to it are refused until a
              manager approves the new version here.</p>
            ${perEngine.length === 0 ? html`<p>This workspace has no engines yet.</p>` : ''}
            ${perEngine.map(
              (p) => html`<section aria-labelledby="pins-${p.engine}">
                <h2 id="pins-${p.engine}">Engine ${p.engine}</h2>
                ${section(req, p.engine, p.list)}
              </section>`,
            )}`,
        });
      },
    },
    {
      method: 'POST',
      path: '/admin/tool-pins/:engine/:tool/approve',
      access: 'manager',
      handler: async (req, res) => {
        const tool = param(req, 'tool');
        if (!TOOL.test(tool)) throw new NotFoundError('tool');
        const hash = formBody(req).hash;
        if (typeof hash !== 'string' || !HASH.test(hash))
          throw new InputError('hash', 'must be the 64-character version shown on the page');
        const r = await engineApi(param(req, 'engine'), req, `/tool-pins/proxy/${tool}/approve`, { hash });
        if (r.status === 404) throw new NotFoundError('a pending version of this tool');
        if (r.status === 409) throw new ConflictError('The tool changed again upstream; reload the page.');
        if (!r.ok) throw new Error(`the engine answered ${r.status}`);
        res.redirect(303, '/admin/tool-pins');
      },
    },
  ];
}

/** Registered after the hub (it needs the hub's token mint); one nav entry for managers. */
export function registerToolPins(host: HubHost, hub: Hub): void {
  host.routes.add(...toolPinRoutes(hub));
  host.nav.push({ href: '/admin/tool-pins', label: 'Proxied tools', minRole: 'manager' });
}
