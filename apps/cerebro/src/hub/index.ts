/**
 * The AI hub: chat with an agent that calls the tenant's tools as the signed-in person, the
 * direct "run a tool" form, approvals for managers, and cerebro's role as the engines'
 * authorization server (JWKS; the OAuth endpoints and metadata are in ../oauth). Registered once
 * at boot by cerebro.
 */
import { readFileSync } from 'node:fs';
import type { CerebroDeps } from '../deps.js';
import type { HubHost } from '../hub-host.js';
import { approvalRoutes } from './approvals.routes.js';
import { chatRoutes } from './chat.routes.js';
import { createHub, type Hub } from './hub.service.js';
import { toolRoutes } from './tools.routes.js';

const HUB_JS = readFileSync(new URL('./assets/hub.js', import.meta.url), 'utf8');

export async function registerHub(
  host: HubHost,
  deps: CerebroDeps,
  options: { hub?: Hub } = {},
): Promise<Hub> {
  const hub = options.hub ?? (await createHub(deps));
  host.onClose(() => hub.close());
  host.routes.add(
    {
      method: 'GET',
      path: '/.well-known/jwks.json',
      access: 'public',
      name: 'jwks',
      handler: (_req, res) => {
        res.set('cache-control', 'public, max-age=300').json(hub.mint.jwks());
      },
    },
    {
      method: 'GET',
      path: '/assets/hub.js',
      access: 'public',
      name: 'hub.js',
      handler: (_req, res) => {
        res.type('text/javascript').set('cache-control', 'public, max-age=300').send(HUB_JS);
      },
    },
    ...chatRoutes(hub),
    ...toolRoutes(hub),
    ...approvalRoutes(hub),
  );
  host.nav.push(
    { href: '/chat', label: 'Chat' },
    { href: '/tools', label: 'Run a tool' },
    { href: '/approvals', label: 'Approvals', minRole: 'manager' },
  );
  return hub;
}
