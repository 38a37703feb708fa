/**
 * Wires the OAuth authorization server into cerebro: the provider's endpoints under /oauth, the
 * RFC 8414 metadata at the well-known paths MCP clients look for (issuer = cerebro's URL, no
 * path, so `/.well-known/oauth-authorization-server` and the OpenID fallback at the root), and the
 * consent page where the signed-in person allows or declines a client.
 */
import { KEY_POLL_SECONDS } from '@cw/tenant-model';
import type { Request, Response } from 'express';
import type { CerebroDeps } from '../deps.js';
import type { HubHost } from '../hub-host.js';
import type { Services } from '../services.js';
import type { EngineTokenMint } from '../hub/token-mint.js';
import { audit } from '../audit/audit.js';
import { OAuthConnections } from './store.adapter.js';
import { registerConnectionsPage } from './connections.page.js';
import { formBody, param } from '../http/actor.js';
import { requestState } from '../http/session.js';
import { html } from '../views/html.js';
import { messagePage, postForm, sendPage } from '../views/layout.js';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  CONNECT_PATH,
  createAuthorizationServer,
  INTERACTION_TTL_SECONDS,
  OAUTH_MOUNT,
  REFRESH_TOKEN_TTL_SECONDS,
  type AuthorizationServer,
  type OidcInteraction,
} from './authorization-server.js';

export { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS, OAUTH_MOUNT } from './authorization-server.js';

/** How often the mounted engine-signing key directory is reread (the rotation's timing contract). */
export { KEY_POLL_SECONDS };

export async function registerOAuth(
  host: HubHost,
  deps: CerebroDeps,
  services: Pick<Services, 'users' | 'groups'>,
  mint: EngineTokenMint,
): Promise<AuthorizationServer> {
  const as = await createAuthorizationServer(deps, services, await mint.privateJwks());
  const callback = (req: Request, res: Response) => as.handler()(req, res);
  host.express.use(OAUTH_MOUNT, (req, res) => callback(req, res));
  // Key rotation without a restart: the mint rereads the mounted key directory; the provider is
  // rebuilt with the new keys (its state is in the store) when what is published or signs changes.
  mint.onChange(async () => {
    as.rekey(await mint.privateJwks());
    deps.logger.info({ kid: mint.signingKid() }, 'engine signing keys reloaded');
  });
  const stopWatching = mint.watch(KEY_POLL_SECONDS, (message) =>
    deps.logger.warn({ error: message }, 'engine signing keys not reloaded'),
  );
  host.onClose(stopWatching);
  const connections = new OAuthConnections(deps.store);
  services.users.onEndedEverywhere.push((userId) => connections.revokeAll(userId));
  registerConnectionsPage(host, deps, services, as, connections);
  // Grants allowed before the per-person index existed become visible and revocable.
  await connections
    .backfill()
    .then((n) => n > 0 && deps.logger.info({ grants: n }, 'oauth connections indexed'))
    .catch((error: unknown) => deps.logger.warn({ err: error }, 'oauth connections not indexed'));

  // The provider's discovery document, served at the root well-known paths: the issuer has no
  // path, so that is where RFC 8414 (and the MCP client SDK) look. Endpoint URLs stay under /oauth.
  const metadata = (req: Request, res: Response) => {
    req.originalUrl = `${OAUTH_MOUNT}/.well-known/openid-configuration`;
    req.url = '/.well-known/openid-configuration';
    callback(req, res);
  };
  host.routes.add(
    {
      method: 'GET',
      path: '/.well-known/oauth-authorization-server',
      access: 'public',
      name: 'as-metadata',
      handler: metadata,
    },
    {
      method: 'GET',
      path: '/.well-known/openid-configuration',
      access: 'public',
      name: 'openid-configuration',
      handler: metadata,
    },
    {
      method: 'GET',
      path: `${CONNECT_PATH}/:uid`,
      access: 'public',
      name: 'oauth-consent',
      handler: async (req, res) => {
        const interaction = await details(as, req, res);
        if (!interaction) return;
        const state = requestState(req);
        if (!state.session || !state.userId) {
          const back = `${CONNECT_PATH}/${encodeURIComponent(param(req, 'uid'))}`;
          sendPage(req, res, {
            title: 'Sign in to connect',
            body: html`<h1>Sign in to connect an MCP client</h1>
              <p>An application asks to use your ${deps.config.displayName} tools as you. Sign in first.</p>
              <p><a class="button" href="/sign-in?next=${encodeURIComponent(back)}">Sign in</a></p>
              <p class="hint">Signing in by e-mail? The link brings you back to this request when you open it in this browser;
                signed in another way in another tab, <a href="${back}">continue here</a>.
                This request expires ${INTERACTION_TTL_SECONDS / 60} minutes after the client opened it.</p>`,
          });
          return;
        }
        const view = await describe(as, interaction, state.session.source);
        const session = state.session;
        sendPage(req, res, {
          title: 'Connect an MCP client',
          body: html`<h1>Connect <q>${view.clientName}</q>?</h1>
            <p>This application asks to call tools <strong>as you</strong>
              (${session.displayName}, ${session.email}) on:</p>
            <ul>
              ${view.engines.map((e) => html`<li>engine <strong>${e.name}</strong> <code>${e.mcpUrl}</code></li>`)}
            </ul>
            ${
              view.problem
                ? html`<p role="alert">${view.problem}</p>`
                : html`<p>It can call only the tools you may call, with your roles (${session.roles.join(', ')}),
                    your groups and your credentials. The engine's rules still apply: limits, read-only
                    engines and manager approvals. It never sees your credentials.</p>
                  <p class="hint">It gets access tokens for ${ACCESS_TOKEN_TTL_SECONDS / 60} minutes, renewed
                    without asking you again for up to ${REFRESH_TOKEN_TTL_SECONDS / 86_400} days. After approval your browser returns to
                    <code>${view.redirectHost}</code>.</p>`
            }
            ${postForm(
              req,
              `${CONNECT_PATH}/${param(req, 'uid')}`,
              html`${view.problem ? '' : html`<button type="submit" name="decision" value="allow">Allow</button>`}
                <button type="submit" name="decision" value="deny" class="secondary">${view.problem ? 'Back to the application' : 'Deny'}</button>`,
            )}`,
        });
      },
    },
    {
      method: 'POST',
      path: `${CONNECT_PATH}/:uid`,
      access: 'signed-in',
      name: 'oauth-consent-decision',
      handler: async (req, res) => {
        const interaction = await details(as, req, res);
        if (!interaction) return;
        const { userId, session } = requestState(req);
        const clientId = String(interaction.params.client_id ?? '');
        const view = await describe(as, interaction, session?.source);
        const allow = formBody(req).decision === 'allow' && !view.problem;
        const result = allow
          ? {
              login: { accountId: userId!, remember: false },
              consent: { grantId: await grantFor(as, interaction, userId!, view.engines) },
            }
          : {
              error: 'access_denied',
              error_description: view.problem ?? 'The person declined the connection.',
            };
        await audit(deps, {
          action: 'oauth.consent',
          actor: userId,
          outcome: allow ? 'ok' : 'refused',
          target: `client ${clientId.slice(0, 64)} → ${view.engines.map((e) => e.name).join(',') || 'no engine'}`,
          ...(allow ? {} : { reason: view.problem ? 'invalid request' : 'declined' }),
        });
        const to = await as.provider.interactionResult(req, res, result, { mergeWithLastSubmission: false });
        res.redirect(303, to);
      },
    },
  );
  return as;
}

async function details(
  as: AuthorizationServer,
  req: Request,
  res: Response,
): Promise<OidcInteraction | undefined> {
  try {
    const interaction = await as.provider.interactionDetails(req, res);
    if (interaction.uid !== param(req, 'uid')) throw new Error('uid mismatch');
    return interaction;
  } catch {
    messagePage(
      req,
      res,
      'Connection request expired',
      [
        'This connection request is no longer valid in this browser (it expired, was already answered, or was opened in another browser).',
        'Start the connection again from your MCP client.',
      ],
      400,
    );
    return undefined;
  }
}

interface ConsentView {
  clientName: string;
  redirectHost: string;
  engines: { name: string; mcpUrl: string }[];
  problem?: string;
}

async function describe(
  as: AuthorizationServer,
  interaction: OidcInteraction,
  source: string | undefined,
): Promise<ConsentView> {
  const clientId = String(interaction.params.client_id ?? '');
  const client = await as.provider.Client.find(clientId);
  const redirect = String(interaction.params.redirect_uri ?? '');
  let redirectHost = redirect;
  try {
    const u = new URL(redirect);
    redirectHost = u.host ? `${u.protocol}//${u.host}` : u.protocol;
  } catch {
    /* shown as given */
  }
  const raw = interaction.params.resource;
  const resources = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
  const engines = resources.map((r) => as.engineOf(r)).filter((e) => e !== undefined);
  // A support session lasts as long as the managers' grant; a 14-day connection would outlive it.
  const problem =
    source === 'provider'
      ? 'Provider support sessions cannot connect applications.'
      : resources.length === 0
        ? 'The application did not say which engine it wants (no "resource" parameter), so it cannot be connected.'
        : engines.length !== resources.length
          ? 'The application asks for an address that is not one of this workspace’s engines.'
          : undefined;
  return {
    clientName: client?.clientName ?? clientId,
    redirectHost,
    engines,
    ...(problem ? { problem } : {}),
  };
}

/** A grant for this person, client and engines (a grant of someone else is never reused). */
async function grantFor(
  as: AuthorizationServer,
  interaction: OidcInteraction,
  accountId: string,
  engines: readonly { mcpUrl: string }[],
): Promise<string> {
  const clientId = String(interaction.params.client_id);
  const existing = interaction.grantId ? await as.provider.Grant.find(interaction.grantId) : undefined;
  const grant =
    existing && existing.accountId === accountId && existing.clientId === clientId
      ? existing
      : new as.provider.Grant({ clientId, accountId });
  const requested = String(interaction.params.scope ?? '')
    .split(' ')
    .filter((s) => s === 'openid' || s === 'offline_access');
  if (requested.length) grant.addOIDCScope(requested.join(' '));
  for (const e of engines) grant.addResourceScope(e.mcpUrl, 'mcp');
  return grant.save();
}
