/**
 * The issuer's signing keys: the JWKS named in config, else the one its discovery document
 * names. jose's remote key set caches the keys and, on a token with an unknown `kid`, fetches
 * once more (key rotation) — at most once per cooldown, so junk tokens cannot hammer the IdP.
 */
import * as oidc from 'openid-client';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { BearerVerifierConfig } from './config.js';
import { IdentityProviderUnavailableError } from './errors.js';

type KeySource = Pick<
  BearerVerifierConfig,
  | 'issuer'
  | 'jwksUri'
  | 'allowInsecureRequests'
  | 'httpTimeoutMs'
  | 'jwksCooldownSeconds'
  | 'jwksCacheMaxAgeSeconds'
>;

/** Discovery through openid-client (it checks the document's issuer against ours). */
export async function discoverIssuer(
  config: Pick<KeySource, 'issuer' | 'allowInsecureRequests' | 'httpTimeoutMs'>,
  clientId: string,
  clientSecret?: string,
): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(config.issuer), clientId, clientSecret, undefined, {
    execute: config.allowInsecureRequests ? [oidc.allowInsecureRequests] : [],
    timeout: config.httpTimeoutMs / 1000, // openid-client counts seconds
  });
}

export function createIssuerKeys(config: KeySource): JWTVerifyGetKey {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const resolve = async (): Promise<JWTVerifyGetKey> => {
    let jwksUri = config.jwksUri;
    if (!jwksUri) {
      // The client id is irrelevant for reading metadata; the issuer is a readable placeholder.
      const discovered = await discoverIssuer(config, config.issuer).catch((cause: unknown) => {
        throw new IdentityProviderUnavailableError(`discovery of ${config.issuer} failed`, { cause });
      });
      jwksUri = discovered.serverMetadata().jwks_uri;
      if (!jwksUri)
        throw new IdentityProviderUnavailableError(
          `the discovery document of ${config.issuer} names no jwks_uri`,
        );
    }
    return createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: config.httpTimeoutMs,
      cooldownDuration: config.jwksCooldownSeconds * 1000,
      cacheMaxAge: config.jwksCacheMaxAgeSeconds * 1000,
    });
  };
  return async (header, token) => {
    // A failed discovery is not cached: the next request tries again.
    keys ??= resolve().catch((err: unknown) => {
      keys = undefined;
      throw err;
    });
    return (await keys)(header, token);
  };
}
