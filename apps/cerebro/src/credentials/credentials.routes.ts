/** The My Credentials page and its two forms (set/replace, delete). Values are write-only. */
import type { Request } from 'express';
import { hasRole, type Role } from '@cw/identity';
import type { CredentialMetadata, CredentialScope } from '@cw/vault';
import type { CerebroDeps } from '../deps.js';
import { actorOf, formBody } from '../http/actor.js';
import type { RouteSpec } from '../http/route-table.js';
import type { Services } from '../services.js';
import { html, type Html } from '../views/html.js';
import { fmtTime, postForm, sendPage } from '../views/layout.js';

interface Level {
  label: string;
  level: 'user' | 'group' | 'org';
  groupId?: string;
  scope: CredentialScope;
}

const sameScope = (a: CredentialScope, b: CredentialScope): boolean =>
  a.level === b.level &&
  (a.level !== 'user' || (b.level === 'user' && a.userId === b.userId)) &&
  (a.level !== 'group' || (b.level === 'group' && a.groupId === b.groupId));

export function credentialRoutes(deps: CerebroDeps, s: Services): RouteSpec[] {
  void deps;
  const back = (req: Request, res: import('express').Response) => {
    void req;
    res.redirect(303, '/credentials');
  };
  return [
    {
      method: 'GET',
      path: '/credentials',
      access: 'signed-in',
      handler: async (req, res) => {
        const me = actorOf(req);
        const roles = me.roles as Role[];
        const adminGroups = (await s.groups.mine(me.userId)).filter((g) => s.groups.isAdmin(g, me.userId));
        const levels: Level[] = [
          { label: 'Yours', level: 'user', scope: { level: 'user', userId: me.userId } },
          ...adminGroups.map((g) => ({
            label: `Group ${g.name}`,
            level: 'group' as const,
            groupId: g.groupId,
            scope: { level: 'group' as const, groupId: g.groupId },
          })),
          ...(hasRole({ roles }, 'manager')
            ? [{ label: 'Organisation', level: 'org' as const, scope: { level: 'org' as const } }]
            : []),
        ];
        const users = new Map(
          (await s.users.list()).map((u) => [s.credentials.actorHash(u.userId), u.displayName]),
        );
        const who = (m: CredentialMetadata) =>
          m.setBy === s.credentials.actorHash(me.userId) ? 'you' : (users.get(m.setBy) ?? 'someone else');
        const plugins = await s.credentials.plugins();
        const cards: Html[] = [];
        for (const p of plugins) {
          const meta = await s.credentials.metadata(p.plugin);
          const needs = p.manifest?.credentials ?? [];
          cards.push(html`<section class="card" aria-labelledby="p-${p.plugin}">
            <h2 id="p-${p.plugin}">${p.manifest?.title ?? p.plugin}</h2>
            <p class="hint">Plugin ${p.plugin} · engines: ${p.engines.join(', ')}</p>
            ${!p.manifest ? html`<p>No metadata is available for this plugin, so its credentials cannot be listed here.</p>` : ''}
            ${p.manifest && needs.length === 0 ? html`<p>This plugin needs no credentials.</p>` : ''}
            ${needs.map(
              (need) => html`<h3>${need.name}</h3><p>${need.description}</p>
                <div class="table-wrap"><table><thead><tr><th scope="col">Level</th><th scope="col">Status</th><th scope="col">Change</th></tr></thead><tbody>
                ${levels.map((lv) => {
                  const found = meta.find((m) => m.name === need.name && sameScope(m.scope, lv.scope));
                  const fid = `v-${p.plugin}-${need.name}-${lv.groupId ?? lv.level}`;
                  const hidden = html`<input type="hidden" name="plugin" value="${p.plugin}" /><input type="hidden" name="name" value="${need.name}" /><input type="hidden" name="level" value="${lv.level}" />${lv.groupId ? html`<input type="hidden" name="group" value="${lv.groupId}" />` : ''}`;
                  return html`<tr><th scope="row">${lv.label}</th>
                    <td>${found ? html`Set by ${who(found)} on ${fmtTime(found.setAt)} (version ${found.version})` : 'Not set'}</td>
                    <td>${postForm(
                      req,
                      '/credentials/set',
                      html`${hidden}<label for="${fid}">${found ? 'New value' : 'Value'} for ${need.name} (${lv.label.toLowerCase()})</label>
                        <input id="${fid}" name="value" type="password" autocomplete="off" required />
                        <button type="submit">${found ? 'Replace' : 'Save'}</button>`,
                    )}
                    ${found ? postForm(req, '/credentials/delete', html`${hidden}<button type="submit" class="danger">Delete ${need.name} (${lv.label.toLowerCase()})</button>`) : ''}</td></tr>`;
                })}
                </tbody></table></div>`,
            )}
          </section>`);
        }
        sendPage(req, res, {
          title: 'My Credentials',
          body: html`<h1>My Credentials</h1>
            <p>The tools of your engines act with these credentials: yours first, then your group’s, then the organisation’s. Values are never shown again once saved.</p>
            ${plugins.length ? cards : html`<p>Your engines have no plugins yet.</p>`}`,
        });
      },
    },
    {
      method: 'POST',
      path: '/credentials/set',
      access: 'signed-in',
      handler: async (req, res) => {
        const b = formBody(req);
        const me = actorOf(req);
        await s.credentials.set(
          { userId: me.userId, roles: me.roles as Role[] },
          { plugin: b.plugin, name: b.name, level: b.level, group: b.group, value: b.value },
        );
        back(req, res);
      },
    },
    {
      method: 'POST',
      path: '/credentials/delete',
      access: 'signed-in',
      handler: async (req, res) => {
        const b = formBody(req);
        const me = actorOf(req);
        await s.credentials.remove(
          { userId: me.userId, roles: me.roles as Role[] },
          { plugin: b.plugin, name: b.name, level: b.level, group: b.group },
        );
        back(req, res);
      },
    },
  ];
}
