/** The home page: who you are, how you signed in, where to go next. */
import type { CerebroDeps } from './deps.js';
import type { RouteSpec } from './http/route-table.js';
import { sessionOf } from './http/session.js';
import type { Services } from './services.js';
import { html } from './views/html.js';
import { actionButton, NAV, sendPage } from './views/layout.js';
import { hasRole } from '@cw/identity';

const SOURCE_TEXT = {
  oidc: 'your organisation account',
  magic_link: 'an e-mail link',
  provider: 'provider support access',
};

export function homeRoutes(deps: CerebroDeps, s: Services): RouteSpec[] {
  void s;
  return [
    {
      method: 'GET',
      path: '/',
      access: 'signed-in',
      handler: (req, res) => {
        const session = sessionOf(req);
        if (!session) return;
        const links = NAV.filter((n) => n.href !== '/' && hasRole(session, n.minRole ?? 'viewer'));
        sendPage(req, res, {
          title: 'Home',
          body: html`<h1>Welcome, ${session.displayName}</h1>
            <p>You are signed in to ${deps.config.displayName} with ${SOURCE_TEXT[session.source]} as <strong>${session.roles[session.roles.length - 1] ?? 'viewer'}</strong>.</p>
            <ul>${links.map((n) => html`<li><a href="${n.href}">${n.label}</a></li>`)}</ul>
            <h2>Your sessions</h2>
            <p>Signed in on a device you no longer use? End every session of yours at once.</p>
            ${actionButton(req, '/sign-out/everywhere', 'Sign out everywhere')}`,
        });
      },
    },
  ];
}
