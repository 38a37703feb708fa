/** Groups pages: my groups (cerebro's and the IdP's, read-only), one group with its actions. */
import type { CerebroDeps } from '../deps.js';
import { actorOf, formBody, param } from '../http/actor.js';
import type { RouteSpec } from '../http/route-table.js';
import type { Services } from '../services.js';
import { html } from '../views/html.js';
import { actionButton, postForm, sendPage } from '../views/layout.js';

export function groupRoutes(deps: CerebroDeps, s: Services): RouteSpec[] {
  void deps;
  return [
    {
      method: 'GET',
      path: '/groups',
      access: 'signed-in',
      handler: async (req, res) => {
        const me = actorOf(req);
        const mine = await s.groups.mine(me.userId);
        const user = await s.users.get(me.userId);
        const idpGroups = user?.idpGroups ?? [];
        sendPage(req, res, {
          title: 'Groups',
          body: html`<h1>Groups</h1>
            <p>A group shares credentials and knowledge among its members. Its admins invite and remove people.</p>
            <h2>Your groups</h2>
            ${
              mine.length
                ? html`<ul>${mine.map((g) => html`<li><a href="/groups/${g.groupId}">${g.name}</a> ${s.groups.isAdmin(g, me.userId) ? html`<span class="badge">admin</span>` : ''} · ${g.members.length} members</li>`)}</ul>`
                : html`<p>You are not in any group yet.</p>`
            }
            <h2>From your organisation’s directory</h2>
            ${idpGroups.length ? html`<ul>${idpGroups.map((g) => html`<li>${g} <span class="badge">read-only</span></li>`)}</ul>` : html`<p class="hint">None: your identity provider manages these.</p>`}
            <h2>Create a group</h2>
            ${postForm(
              req,
              '/groups',
              html`<label for="name">Name</label><input id="name" name="name" type="text" required maxlength="80" />
                <label for="description">Description <span class="hint">(optional)</span></label><textarea id="description" name="description" rows="2" maxlength="500"></textarea>
                <button type="submit">Create group</button>`,
            )}`,
        });
      },
    },
    {
      method: 'POST',
      path: '/groups',
      access: 'signed-in',
      handler: async (req, res) => {
        const body = formBody(req);
        const group = await s.groups.create(actorOf(req), { name: body.name, description: body.description });
        res.redirect(303, `/groups/${group.groupId}`);
      },
    },
    {
      method: 'GET',
      path: '/groups/:groupId',
      access: 'signed-in',
      handler: async (req, res) => {
        const me = actorOf(req);
        const group = await s.groups.get(param(req, 'groupId'));
        const admin = s.groups.isAdmin(group, me.userId);
        const member = group.members.some((m) => m.userId === me.userId);
        const base = `/groups/${group.groupId}`;
        const others = group.members.filter((m) => m.userId !== me.userId);
        sendPage(req, res, {
          title: group.name,
          body: html`<h1>${group.name}</h1>${group.description ? html`<p>${group.description}</p>` : ''}
            ${req.query.invited ? html`<p class="notice" role="status">Invitation sent. They join when they next sign in.</p>` : ''}
            <h2>Members</h2>
            <div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Role in group</th>${admin ? html`<th scope="col">Actions</th>` : ''}</tr></thead><tbody>
            ${group.members.map(
              (
                m,
              ) => html`<tr><td>${m.displayName}</td><td>${m.email}</td><td>${m.admin ? 'admin' : 'member'}</td>
                ${admin ? html`<td>${m.userId === me.userId ? '' : actionButton(req, `${base}/members/${m.userId}/remove`, `Remove ${m.displayName}`)}</td>` : ''}</tr>`,
            )}
            </tbody></table></div>
            ${
              admin
                ? html`<h2>Invite someone</h2>
                  ${postForm(req, `${base}/invite`, html`<label for="invite-email">E-mail address</label><input id="invite-email" name="email" type="email" required /><p class="hint">They join when they next sign in. People without access are asked to request it.</p><button type="submit">Send invitation</button>`)}
                  ${
                    others.length
                      ? html`<h2>Hand over admin</h2>${postForm(
                          req,
                          `${base}/transfer`,
                          html`<label for="to">New admin</label><select id="to" name="member">${others.map((m) => html`<option value="${m.userId}">${m.displayName}</option>`)}</select><button type="submit">Make admin</button>`,
                        )}`
                      : ''
                  }`
                : ''
            }
            ${member ? html`<h2>Leave</h2>${actionButton(req, `${base}/leave`, 'Leave group')}` : ''}
            <p><a href="/groups">All groups</a></p>`,
        });
      },
    },
    {
      method: 'POST',
      path: '/groups/:groupId/invite',
      access: 'signed-in',
      handler: async (req, res) => {
        await s.groups.invite(actorOf(req), param(req, 'groupId'), formBody(req).email);
        res.redirect(303, `/groups/${param(req, 'groupId')}?invited=1`);
      },
    },
    {
      method: 'POST',
      path: '/groups/:groupId/members/:userId/remove',
      access: 'signed-in',
      handler: async (req, res) => {
        await s.groups.remove(actorOf(req), param(req, 'groupId'), param(req, 'userId'));
        res.redirect(303, `/groups/${param(req, 'groupId')}`);
      },
    },
    {
      method: 'POST',
      path: '/groups/:groupId/leave',
      access: 'signed-in',
      handler: async (req, res) => {
        await s.groups.leave(actorOf(req), param(req, 'groupId'));
        res.redirect(303, '/groups');
      },
    },
    {
      method: 'POST',
      path: '/groups/:groupId/transfer',
      access: 'signed-in',
      handler: async (req, res) => {
        await s.groups.transferAdmin(actorOf(req), param(req, 'groupId'), formBody(req).member);
        res.redirect(303, `/groups/${param(req, 'groupId')}`);
      },
    },
  ];
}
