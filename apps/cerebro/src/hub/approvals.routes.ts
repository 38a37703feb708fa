/**
 * Approvals (managers): the calls the engines parked, with their original arguments, and who
 * asked (hashed). Cerebro calls each engine's approvals API with a token minted for this manager
 * and that engine; the engine checks the role again and records who decided.
 */
import { z } from 'zod';
import { param } from '../http/actor.js';
import { NotFoundError } from '../http/errors.js';
import type { RouteSpec } from '../http/route-table.js';
import { html } from '../views/html.js';
import { actionButton, fmtTime, sendPage } from '../views/layout.js';
import type { Hub } from './hub.service.js';

const approvalList = z.object({
  approvals: z.array(
    z.object({
      id: z.string(),
      tool: z.string(),
      args: z.record(z.string(), z.unknown()),
      requesterHash: z.string(),
      reasons: z.array(z.string()),
      status: z.string(),
      createdAt: z.string(),
      expiresAt: z.string(),
    }),
  ),
});

export function approvalRoutes(hub: Hub): RouteSpec[] {
  const engineApi = async (
    engineName: string,
    req: Parameters<Hub['subjectOf']>[0],
    path: string,
    method = 'GET',
  ) => {
    const engine = hub.deps.config.engines.find((e) => e.name === engineName);
    if (!engine) throw new NotFoundError('engine');
    const token = await hub.mint.mint(hub.subjectOf(req), engine.mcpUrl);
    return fetch(new URL(path, engine.mcpUrl), {
      method,
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
  };
  return [
    {
      method: 'GET',
      path: '/approvals',
      access: 'manager',
      handler: async (req, res) => {
        const perEngine = await Promise.all(
          hub.deps.config.engines.map(async (e) => {
            try {
              const r = await engineApi(e.name, req, '/approvals?status=pending');
              if (!r.ok) return { engine: e.name, error: `the engine answered ${r.status}`, approvals: [] };
              return { engine: e.name, approvals: approvalList.parse(await r.json()).approvals };
            } catch {
              return { engine: e.name, error: 'the engine is not reachable', approvals: [] };
            }
          }),
        );
        sendPage(req, res, {
          title: 'Approvals',
          body: html`<h1>Approvals</h1>
            ${perEngine.length === 0 ? html`<p>This workspace has no engines yet, so nothing can wait for approval.</p>` : ''}
            ${perEngine.map(
              (p) => html`<section aria-labelledby="eng-${p.engine}">
                <h2 id="eng-${p.engine}">Engine ${p.engine}</h2>
                ${'error' in p && p.error ? html`<p class="banner">${p.error}</p>` : ''}
                ${
                  p.approvals.length
                    ? html`<ul class="approvals">
                      ${p.approvals.map(
                        (a) => html`<li>
                          <p><code>${a.tool}</code> asked by <code>${a.requesterHash.slice(0, 12)}</code> at ${fmtTime(a.createdAt)} (expires ${fmtTime(a.expiresAt)})</p>
                          <p>Why: ${a.reasons.join('; ')}</p>
                          <pre>${JSON.stringify(a.args, null, 2)}</pre>
                          ${actionButton(req, `/approvals/${p.engine}/${a.id}/approve`, 'Approve')}
                          ${actionButton(req, `/approvals/${p.engine}/${a.id}/reject`, 'Reject')}
                        </li>`,
                      )}
                    </ul>`
                    : html`<p>Nothing waiting.</p>`
                }
              </section>`,
            )}`,
        });
      },
    },
    {
      method: 'POST',
      path: '/approvals/:engine/:id/:action',
      access: 'manager',
      handler: async (req, res) => {
        const action = param(req, 'action');
        const id = param(req, 'id');
        if (!['approve', 'reject'].includes(action) || !/^[A-Za-z0-9_-]{1,64}$/.test(id))
          throw new NotFoundError('approval');
        const r = await engineApi(param(req, 'engine'), req, `/approvals/${id}/${action}`, 'POST');
        if (r.status === 404) throw new NotFoundError('approval');
        res.redirect(303, '/approvals');
      },
    },
  ];
}
