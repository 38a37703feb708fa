/**
 * "Connected applications": the external MCP clients a person allowed (one row per grant), with a
 * Revoke button that ends the grant at once (its refresh tokens and codes are deleted, so the
 * client's next refresh fails; access tokens already issued live out their ≤ 300 s). Managers see
 * and revoke every person's connections on /admin/connections.
 */
import type { Request, Response } from 'express';
import { hasRole } from '@cw/identity';
import type { CerebroDeps } from '../deps.js';
import type { HubHost } from '../hub-host.js';
import type { Services } from '../services.js';
import { audit } from '../audit/audit.js';
import { param } from '../http/actor.js';
import { NotFoundError } from '../http/errors.js';
import { requestState } from '../http/session.js';
import { html } from '../views/html.js';
import { actionButton, sendPage } from '../views/layout.js';
import { ACCESS_TOKEN_TTL_SECONDS, type AuthorizationServer } from './authorization-server.js';
import type { Connection, OAuthConnections } from './store.adapter.js';

// <time> does not wrap (stylesheet): on a phone a date breaks between lines, not inside itself.
const when = (d: Date | undefined) =>
  d
    ? html`<time datetime="${d.toISOString()}">${d.toISOString().slice(0, 16).replace('T', ' ')}</time>`
    : 'not yet';

const application = (r: { clientName: string; engines: string[] }) =>
  html`<strong>${r.clientName}</strong><br /><span class="hint">engine ${r.engines.join(', ')}</span>`;
const dates = (r: Connection) =>
  html`<span class="hint">allowed ${when(r.allowedAt)}<br />last used ${when(r.lastUsedAt)}${
    r.expiresAt ? html`<br />ends ${when(r.expiresAt)}` : ''
  }</span>`;

export function registerConnectionsPage(
  host: HubHost,
  deps: CerebroDeps,
  services: Pick<Services, 'users'>,
  as: AuthorizationServer,
  connections: OAuthConnections,
): void {
  const describe = async (c: Connection) => {
    const client = c.clientId ? await as.provider.Client.find(c.clientId) : undefined;
    return {
      ...c,
      clientName: client?.clientName ?? (client ? c.clientId : `${c.clientId} (registration expired)`),
      engines: c.resources.map((r) => as.engineOf(r)?.name ?? r),
    };
  };

  const explanation = html`<p class="hint">Revoking ends the connection at once: the application's next
      token renewal is refused. An access token it already holds keeps working for at most
      ${ACCESS_TOKEN_TTL_SECONDS / 60} minutes (${ACCESS_TOKEN_TTL_SECONDS} s), and the engines' rules apply to it
      as to you.</p>
    <p class="hint">Signing out of ${deps.config.displayName} ends this browser session only; your connected
      applications keep working. <strong>Sign out everywhere</strong>, being disabled by a manager, or a
      manager signing you out everywhere also ends every connection.</p>`;

  const revoked = async (req: Request, res: Response, accountId: string, back: string) => {
    const id = param(req, 'id');
    const ok = await connections.revoke(accountId, id);
    await audit(deps, {
      action: 'oauth.revoke',
      actor: requestState(req).userId,
      target: accountId,
      outcome: ok ? 'ok' : 'refused',
      ...(ok ? {} : { reason: 'no such connection' }),
    });
    if (!ok) throw new NotFoundError('That connection');
    res.redirect(303, back);
  };

  host.routes.add(
    {
      method: 'GET',
      path: '/connections',
      access: 'signed-in',
      name: 'oauth-connections',
      handler: async (req, res) => {
        const userId = requestState(req).userId!;
        const rows = await Promise.all((await connections.of(userId)).map(describe));
        sendPage(req, res, {
          title: 'Connected applications',
          body: html`<h1>Connected applications</h1>
            <p>MCP clients (VS Code, Claude, the MCP Inspector…) you allowed to call your engines' tools as you.</p>
            ${
              rows.length
                ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Application</th><th scope="col">When (UTC)</th><th scope="col">Action</th></tr></thead><tbody>
                  ${rows.map(
                    (r) => html`<tr><td>${application(r)}</td><td>${dates(r)}</td>
                      <td>${actionButton(req, `/connections/${r.id}/revoke`, `Revoke`)}</td></tr>`,
                  )}</tbody></table></div>`
                : html`<p>No application is connected.</p>`
            }
            ${explanation}
            ${hasRole(requestState(req).session ?? { roles: [] }, 'manager') ? html`<p><a href="/admin/connections">Everyone's connected applications</a> (managers)</p>` : ''}`,
        });
      },
    },
    {
      method: 'POST',
      path: '/connections/:id/revoke',
      access: 'signed-in',
      name: 'oauth-connection-revoke',
      handler: (req, res) => revoked(req, res, requestState(req).userId!, '/connections'),
    },
    {
      method: 'GET',
      path: '/admin/connections',
      access: 'manager',
      name: 'oauth-connections-admin',
      handler: async (req, res) => {
        const rows = await Promise.all((await connections.all()).map(describe));
        const people = new Map<string, string>();
        for (const r of rows)
          if (!people.has(r.accountId)) {
            const u = await services.users.get(r.accountId);
            people.set(r.accountId, u ? `${u.displayName} · ${u.email}` : 'removed person');
          }
        sendPage(req, res, {
          title: 'Connected applications (everyone)',
          body: html`<h1>Connected applications of everyone</h1>
            <p>Every external MCP client a person of this workspace allowed. Revoking ends it for that person.</p>
            ${
              rows.length
                ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Person and application</th><th scope="col">When (UTC)</th><th scope="col">Action</th></tr></thead><tbody>
                  ${rows.map(
                    (
                      r,
                    ) => html`<tr><td>${people.get(r.accountId)}<br />${application(r)}</td><td>${dates(r)}</td>
                      <td>${actionButton(req, `/admin/connections/${r.accountId}/${r.id}/revoke`, `Revoke`)}</td></tr>`,
                  )}</tbody></table></div>`
                : html`<p>No application is connected.</p>`
            }
            ${explanation}`,
        });
      },
    },
    {
      method: 'POST',
      path: '/admin/connections/:userId/:id/revoke',
      access: 'manager',
      name: 'oauth-connection-revoke-admin',
      handler: (req, res) => revoked(req, res, param(req, 'userId'), '/admin/connections'),
    },
  );
  host.nav.push({ href: '/connections', label: 'Connected apps' });
}
