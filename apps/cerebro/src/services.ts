/** The use-case services of one cerebro process, built once from its deps. */
import type { Role } from '@cw/identity';
import type { CerebroDeps } from './deps.js';
import { SessionService } from './http/session.js';
import { UsersService } from './users/users.service.js';
import { RateLimiter } from './identity/rate-limiter.js';
import { MagicLinkService } from './identity/magic-link.service.js';
import { SignInService, type VerifiedPerson } from './identity/sign-in.service.js';
import { OidcPlane, SignInRefused } from './identity/oidc.plane.js';
import { ProviderAccessService } from './identity/provider-access.service.js';
import { GroupsService } from './groups/groups.service.js';
import { CredentialsService } from './credentials/credentials.service.js';
import { PluginCatalog } from './credentials/plugin-catalog.js';
import { createSignInMetrics } from './ops/http-metrics.js';
import { readSecretFile } from './config/cerebro.config.js';

export interface Services {
  sessions: SessionService;
  users: UsersService;
  limiter: RateLimiter;
  magicLinks: MagicLinkService;
  signIn: SignInService;
  groups: GroupsService;
  providerAccess: ProviderAccessService;
  credentials: CredentialsService;
  customerIdp?: OidcPlane;
  providerIdp?: OidcPlane;
  /** Customer IdP user → person (creates/updates the record; refuses disabled accounts). */
  idpUser(
    email: string,
    displayName: string,
    roles: readonly Role[],
    groups: readonly string[],
  ): Promise<VerifiedPerson>;
  /** Provider support → person, only while the grant is on. */
  providerPerson(email: string, displayName: string): Promise<VerifiedPerson>;
}

export function createServices(deps: CerebroDeps): Services {
  const base = deps.config.url.replace(/\/$/, '');
  const sessions = new SessionService(deps);
  const users = new UsersService(deps, sessions);
  const limiter = new RateLimiter(deps.now);
  const groups = new GroupsService(deps, users, sessions);
  const signIn = new SignInService(deps, sessions, groups, createSignInMetrics(deps.metrics));
  const providerAccess = new ProviderAccessService(deps);
  const id = deps.config.identity;
  const customerIdp =
    id.mode === 'oidc'
      ? new OidcPlane(
          {
            issuer: id.issuer,
            clientId: id.clientId,
            ...(id.clientSecretFile
              ? { clientSecret: readSecretFile(id.clientSecretFile, 'identity.clientSecretFile') }
              : {}),
            redirectUri: `${base}/auth/callback`,
            allowedTenantIds: id.allowedTenantIds,
            tenantIdClaim: id.tenantIdClaim,
            rolesClaim: id.rolesClaim,
            groupsClaim: id.groupsClaim,
            allowInsecure: id.allowInsecureIssuer,
          },
          deps.idpFetch,
        )
      : undefined;
  const ps = deps.config.providerSupport;
  const providerIdp = ps
    ? new OidcPlane(
        {
          issuer: ps.issuer,
          clientId: ps.clientId,
          ...(ps.clientSecretFile
            ? { clientSecret: readSecretFile(ps.clientSecretFile, 'providerSupport.clientSecretFile') }
            : {}),
          redirectUri: `${base}/provider/callback`,
          allowedTenantIds: ps.allowedTenantIds,
          tenantIdClaim: ps.tenantIdClaim,
          rolesClaim: ps.rolesClaim,
          groupsClaim: ps.groupsClaim,
          allowInsecure: ps.allowInsecureIssuer,
        },
        deps.idpFetch,
      )
    : undefined;

  return {
    sessions,
    users,
    limiter,
    magicLinks: new MagicLinkService(deps, users, limiter),
    signIn,
    groups,
    providerAccess,
    credentials: new CredentialsService(deps, groups, new PluginCatalog(deps.pluginManifests)),
    ...(customerIdp ? { customerIdp } : {}),
    ...(providerIdp ? { providerIdp } : {}),

    async idpUser(email, displayName, roles, idpGroups) {
      const userId = users.idOf(email);
      const existing = await users.get(userId);
      if (existing?.status === 'disabled') {
        throw new SignInRefused('disabled');
      }
      const now = deps.now().toISOString();
      await users.save({
        userId,
        email,
        displayName,
        status: 'active',
        roles: [...roles],
        source: 'oidc',
        idpGroups: [...idpGroups],
        createdAt: existing?.createdAt ?? now,
        lastSignInAt: now,
      });
      return { userId, email, displayName, roles, idpGroups, source: 'oidc' };
    },

    async providerPerson(email, displayName) {
      const grant = await providerAccess.activeGrant();
      if (!grant) throw new SignInRefused('no_provider_grant');
      await providerAccess.recordVisit({ email, displayName, role: grant.role });
      return {
        // Prefixed: support staff never share an id (sessions, vault scope) with a tenant user.
        userId: users.idOf(`provider:${email}`),
        email,
        displayName,
        roles: [grant.role],
        idpGroups: [],
        source: 'provider',
        grantUntil: new Date(grant.until),
      };
    },
  };
}
