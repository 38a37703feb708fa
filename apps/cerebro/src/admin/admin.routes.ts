/** Managers' pages: access requests, users, groups, engines (read-only), audit, provider access. */
import { ROLES, type Role } from '@cw/identity';
import type { CerebroDeps } from '../deps.js';
import { AuditLog } from '@cw/mcp-gate';
import { listAudit } from '../audit/audit.js';
import { actorOf, formBody, param } from '../http/actor.js';
import { InputError } from '../http/errors.js';
import type { RouteSpec } from '../http/route-table.js';
import type { Services } from '../services.js';
import { html } from '../views/html.js';
import { actionButton, fmtTime, postForm, sendPage } from '../views/layout.js';
import { MAX_GRANT_HOURS } from '../identity/provider-access.service.js';

const M = 'manager' as const;

export function adminRoutes(deps: CerebroDeps, s: Services): RouteSpec[] {
  const redirect = (to: string) => (res: import('express').Response) => res.redirect(303, to);
  return [
    {
      method: 'GET',
      path: '/admin',
      access: M,
      handler: async (req, res) => {
        const pending = (await s.users.list()).filter((u) => u.status === 'pending').length;
        sendPage(req, res, {
          title: 'Admin',
          body: html`<h1>Admin</h1><ul>
            <li><a href="/admin/access-requests">Access requests</a> (${pending} waiting)</li>
            <li><a href="/admin/users">Users</a></li><li><a href="/admin/groups">Groups</a></li>
            <li><a href="/admin/engines">Engines and plugins</a></li><li><a href="/admin/audit">Audit log</a></li>
            ${deps.config.providerSupport ? html`<li><a href="/admin/provider-access">Provider support access</a></li>` : ''}</ul>`,
        });
      },
    },
    {
      method: 'GET',
      path: '/admin/access-requests',
      access: M,
      handler: async (req, res) => {
        const pending = (await s.users.list()).filter((u) => u.status === 'pending');
        sendPage(req, res, {
          title: 'Access requests',
          body: html`<h1>Access requests</h1>
            ${
              pending.length
                ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Company</th><th scope="col">Asked</th><th scope="col">Decision</th></tr></thead><tbody>
                ${pending.map(
                  (
                    u,
                  ) => html`<tr><td>${u.displayName}</td><td>${u.email}</td><td>${u.company ?? ''}</td><td>${fmtTime(u.createdAt)}</td>
                    <td>${actionButton(req, `/admin/access-requests/${u.userId}/approve`, `Approve ${u.displayName}`)} ${actionButton(req, `/admin/access-requests/${u.userId}/reject`, `Reject ${u.displayName}`)}</td></tr>`,
                )}</tbody></table></div>`
                : html`<p>No requests are waiting.</p>`
            }`,
        });
      },
    },
    {
      method: 'POST',
      path: '/admin/access-requests/:userId/approve',
      access: M,
      handler: async (req, res) => {
        const user = await s.users.decide(param(req, 'userId'), true, actorOf(req).userId);
        await s.magicLinks.send(user, 'welcome');
        redirect('/admin/access-requests')(res);
      },
    },
    {
      method: 'POST',
      path: '/admin/access-requests/:userId/reject',
      access: M,
      handler: async (req, res) => {
        await s.users.decide(param(req, 'userId'), false, actorOf(req).userId);
        redirect('/admin/access-requests')(res);
      },
    },
    {
      method: 'GET',
      path: '/admin/users',
      access: M,
      handler: async (req, res) => {
        const users = (await s.users.list()).filter((u) => u.status === 'active' || u.status === 'disabled');
        const rows = [];
        for (const u of users) rows.push({ u, sessions: await s.sessions.count(u.userId) });
        sendPage(req, res, {
          title: 'Users',
          body: html`<h1>Users</h1><div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Signs in by</th><th scope="col">Roles</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead><tbody>
            ${rows.map(
              ({
                u,
                sessions,
              }) => html`<tr><td>${u.displayName}</td><td>${u.email}</td><td>${u.source === 'oidc' ? 'identity provider' : 'e-mail link'}</td>
                <td>${
                  u.source === 'oidc'
                    ? html`${u.roles.join(', ')} <span class="hint">(from the IdP)</span>`
                    : postForm(
                        req,
                        `/admin/users/${u.userId}/role`,
                        html`<label for="role-${u.userId}">Role of ${u.displayName}</label><select id="role-${u.userId}" name="role">${ROLES.map((r) => html`<option value="${r}"${u.roles.includes(r) && r === u.roles[u.roles.length - 1] ? html` selected` : ''}>${r}</option>`)}</select><button type="submit">Save role</button>`,
                        'class="inline"',
                      )
                }</td>
                <td>${u.status} · ${sessions} session${sessions === 1 ? '' : 's'}</td>
                <td>${actionButton(req, `/admin/users/${u.userId}/${u.status === 'disabled' ? 'enable' : 'disable'}`, `${u.status === 'disabled' ? 'Enable' : 'Disable'} ${u.displayName}`)}
                  ${actionButton(req, `/admin/users/${u.userId}/sign-out`, `Sign ${u.displayName} out everywhere`)}</td></tr>`,
            )}</tbody></table></div>`,
        });
      },
    },
    {
      method: 'POST',
      path: '/admin/users/:userId/role',
      access: M,
      handler: async (req, res) => {
        const role = formBody(req).role;
        if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role))
          throw new InputError('role', `must be one of ${ROLES.join(', ')}`);
        // Roles are cumulative: the chosen role and every lower one.
        const roles = ROLES.slice(0, ROLES.indexOf(role as Role) + 1);
        await s.users.setRoles(param(req, 'userId'), [...roles], actorOf(req).userId);
        redirect('/admin/users')(res);
      },
    },
    {
      method: 'POST',
      path: '/admin/users/:userId/disable',
      access: M,
      handler: async (req, res) => {
        await s.users.setDisabled(param(req, 'userId'), true, actorOf(req).userId);
        redirect('/admin/users')(res);
      },
    },
    {
      method: 'POST',
      path: '/admin/users/:userId/enable',
      access: M,
      handler: async (req, res) => {
        await s.users.setDisabled(param(req, 'userId'), false, actorOf(req).userId);
        redirect('/admin/users')(res);
      },
    },
    {
      method: 'POST',
      path: '/admin/users/:userId/sign-out',
      access: M,
      handler: async (req, res) => {
        await s.users.signOutEverywhere(param(req, 'userId'), actorOf(req).userId);
        redirect('/admin/users')(res);
      },
    },
    {
      method: 'GET',
      path: '/admin/groups',
      access: M,
      handler: async (req, res) => {
        const groups = await s.groups.all();
        sendPage(req, res, {
          title: 'All groups',
          body: html`<h1>All groups</h1>${
            groups.length
              ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Group</th><th scope="col">Admins</th><th scope="col">Members</th><th scope="col">Created</th></tr></thead><tbody>
              ${groups.map(
                (g) =>
                  html`<tr><td><a href="/groups/${g.groupId}">${g.name}</a></td><td>${g.members
                    .filter((m) => m.admin)
                    .map((m) => m.displayName)
                    .join(', ')}</td><td>${g.members.length}</td><td>${fmtTime(g.createdAt)}</td></tr>`,
              )}
              </tbody></table></div>`
              : html`<p>No groups yet.</p>`
          }`,
        });
      },
    },
    {
      method: 'GET',
      path: '/admin/engines',
      access: M,
      handler: async (req, res) => {
        const engines = deps.config.engines;
        sendPage(req, res, {
          title: 'Engines',
          body: html`<h1>Engines and plugins</h1><p class="hint">Read-only: engines and their switches are set in the tenant’s subscription.</p>
            ${
              engines.length
                ? engines.map(
                    (e) => html`<section class="card"><h2>${e.name}</h2><ul>
                    <li>Plugins: ${e.plugins.length ? e.plugins.join(', ') : 'none'}</li>
                    <li>Read-only: ${e.readOnly ? 'on' : 'off'}</li><li>Maintenance: ${e.maintenance ? 'on' : 'off'}</li><li>Audit log: ${e.auditLog ? 'on' : 'off'}</li>
                    <li>MCP endpoint: <code>${e.mcpUrl}</code></li></ul></section>`,
                  )
                : html`<p>No engines.</p>`
            }`,
        });
      },
    },
    {
      method: 'GET',
      path: '/admin/audit',
      access: M,
      handler: async (req, res) => {
        const action =
          typeof req.query.action === 'string' && req.query.action
            ? req.query.action.slice(0, 60)
            : undefined;
        const hours = Number(req.query.hours ?? 168);
        const since =
          Number.isFinite(hours) && hours > 0
            ? new Date(deps.now().getTime() - hours * 3_600_000)
            : undefined;
        const rows = await listAudit(deps, { ...(action ? { action } : {}), ...(since ? { since } : {}) });
        // The engines write their tool-call rows to the same tenant store (one partition per engine).
        const engineLog = new AuditLog(deps.store);
        const calls = (await Promise.all(deps.config.engines.map((e) => engineLog.recent(e.name, 200))))
          .flat()
          .filter((r) => (!since || r.at >= since.toISOString()) && (!action || r.tool.startsWith(action)))
          .sort((a, b) => b.at.localeCompare(a.at))
          .slice(0, 200);
        sendPage(req, res, {
          title: 'Audit log',
          body: html`<h1>Audit log</h1>
            <form method="get" action="/admin/audit"><label for="action">Action starts with</label><input id="action" name="action" type="text" value="${action ?? ''}" />
              <label for="hours">Last hours</label><input id="hours" name="hours" type="number" min="1" max="8760" value="${String(Number.isFinite(hours) ? hours : 168)}" /><button type="submit">Filter</button></form>
            <p class="hint">People appear as hashed ids. The filter matches cerebro actions and engine tool names.</p>
            <h2>Cerebro</h2>
            <div class="table-wrap"><table><thead><tr><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Outcome</th><th scope="col">Who</th><th scope="col">Target</th><th scope="col">Detail</th></tr></thead><tbody>
            ${rows.map((r) => html`<tr><td>${fmtTime(r.at)}</td><td>${r.action}${r.providerAccess ? html` <span class="badge">provider</span>` : ''}</td><td>${r.outcome}</td><td><code>${r.actor ?? ''}</code></td><td><code>${r.target ?? ''}</code></td><td>${r.reason ?? ''}</td></tr>`)}
            </tbody></table></div>
            <h2>Engine tool calls</h2>
            ${
              calls.length
                ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Time</th><th scope="col">Engine</th><th scope="col">Tool</th><th scope="col">Decision</th><th scope="col">Reason</th><th scope="col">Who</th><th scope="col">Latency</th></tr></thead><tbody>
                ${calls.map((c) => html`<tr><td>${fmtTime(c.at)}</td><td>${c.engine}</td><td>${c.tool}</td><td>${c.decision}</td><td>${c.reason}</td><td><code>${c.userHash.slice(0, 16)}</code></td><td>${Math.round(c.latencyMs)} ms</td></tr>`)}
                </tbody></table></div>`
                : html`<p>No tool calls in this period.</p>`
            }`,
        });
      },
    },
    {
      method: 'GET',
      path: '/admin/provider-access',
      access: M,
      handler: async (req, res) => {
        const grant = await s.providerAccess.activeGrant();
        const visits = await s.providerAccess.visits();
        sendPage(req, res, {
          title: 'Provider support access',
          body: html`<h1>Provider support access</h1>
            <p>While this is on, the provider’s support staff can sign in to this workspace with the role you choose. Every action they take is recorded.</p>
            <p class="notice">${grant ? `On: role ${grant.role}, until ${fmtTime(grant.until)}.` : 'Off.'}</p>
            ${postForm(
              req,
              '/admin/provider-access',
              html`<input type="hidden" name="enabled" value="on" /><label for="grant-role">Role for support staff</label><select id="grant-role" name="role">${ROLES.map((r) => html`<option value="${r}">${r}</option>`)}</select>
                <label for="grant-hours">For how many hours (1–${MAX_GRANT_HOURS})</label><input id="grant-hours" name="hours" type="number" min="1" max="${MAX_GRANT_HOURS}" value="4" required />
                <button type="submit">Allow support access</button>`,
            )}
            ${grant ? postForm(req, '/admin/provider-access', html`<input type="hidden" name="enabled" value="off" /><button type="submit" class="danger">Switch off now</button>`) : ''}
            <h2>Who came</h2>${
              visits.length
                ? html`<ul>${visits.map((v) => html`<li>${fmtTime(v.at)}: ${v.displayName} (${v.email}) as ${v.role}</li>`)}</ul>`
                : html`<p>No support sign-ins yet.</p>`
            }`,
        });
      },
    },
    {
      method: 'POST',
      path: '/admin/provider-access',
      access: M,
      handler: async (req, res) => {
        const b = formBody(req);
        await s.providerAccess.set(
          { enabled: b.enabled === 'on', role: b.role, hours: b.hours },
          actorOf(req).userId,
        );
        redirect('/admin/provider-access')(res);
      },
    },
  ];
}
