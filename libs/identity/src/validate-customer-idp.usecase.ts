/**
 * "Connect your identity provider": before a customer's IdP goes into their Tenant, check that
 * it is a usable OpenID Connect provider and say what is wrong in words a customer admin can act
 * on. Only the issuer and client id are looked at; a client secret passed along by a caller is
 * never read, so it cannot reach a log or a message.
 */
import * as oidc from 'openid-client';
import { createLocalJWKSet, errors } from 'jose';
import type { Logger } from '@cw/observability';
import { findRefusal } from '@cw/outbound';
import { ALLOWED_ALGORITHMS } from './config.js';

export interface CustomerIdpInput {
  issuer: string;
  clientId: string;
}

export interface CustomerIdpValidation {
  ok: boolean;
  /** Plain-language problems, empty when ok. */
  problems: string[];
  /** The discovery document, when one could be read. */
  metadata: oidc.ServerMetadata | null;
}

export interface ValidateCustomerIdpOptions {
  /** Per request (discovery, JWKS). @default 5000 */
  timeoutMs?: number;
  /** Accept http:// (tests with an in-process IdP only). @default false */
  allowInsecureRequests?: boolean;
  logger?: Logger;
  /**
   * How the provider is fetched. Production passes `createGuardedFetch()` from @cw/outbound: the
   * issuer is typed by a customer, so it must never reach the platform's own network. Every way of
   * not getting an answer through the guard (refused address, nothing listening, no DNS name,
   * timeout, redirect loop, oversized answer) then reads the same, so the answers cannot be used to
   * map which internal hosts and ports exist. @default globalThis.fetch
   */
  fetch?: typeof fetch;
}

/** One answer for every way the guarded fetch could not get a document. */
export const unreachableIssuerProblem = (url: string) =>
  `Could not get an answer from ${url}. Check the issuer URL: it must be an identity provider reachable from the internet.`;

export async function validateCustomerIdp(
  input: CustomerIdpInput,
  options: ValidateCustomerIdpOptions = {},
): Promise<CustomerIdpValidation> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const insecureOk = options.allowInsecureRequests ?? false;
  const { issuer, clientId } = { issuer: input.issuer?.trim() ?? '', clientId: input.clientId?.trim() ?? '' };
  const problems: string[] = [];
  const finish = (metadata: oidc.ServerMetadata | null): CustomerIdpValidation => {
    const result = { ok: problems.length === 0, problems, metadata };
    options.logger?.info(
      { issuer, ok: result.ok, problemCount: problems.length },
      'customer identity provider checked',
    );
    return result;
  };

  if (!clientId)
    problems.push(
      'The client id is empty: copy it from the application you registered at your identity provider.',
    );
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    problems.push(
      `The issuer "${issuer}" is not a URL. It looks like https://login.example.com/your-tenant.`,
    );
    return finish(null);
  }
  if (issuerUrl.protocol !== 'https:' && !(insecureOk && issuerUrl.protocol === 'http:')) {
    problems.push(`The issuer must be an https URL; you entered ${issuer}.`);
    return finish(null);
  }

  const discoveryUrl = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let metadata: oidc.ServerMetadata;
  try {
    const config = await oidc.discovery(issuerUrl, clientId || 'unknown', undefined, undefined, {
      execute: insecureOk ? [oidc.allowInsecureRequests] : [],
      timeout: timeoutMs / 1000, // openid-client counts seconds
      ...(options.fetch ? { [oidc.customFetch]: options.fetch as oidc.CustomFetch } : {}),
    });
    metadata = config.serverMetadata();
  } catch (err) {
    problems.push(describeDiscoveryFailure(err, issuer, discoveryUrl, timeoutMs, !!options.fetch));
    return finish(null);
  }

  problems.push(...metadataProblems(metadata, insecureOk));
  if (metadata.jwks_uri) {
    const keyProblem = await signingKeysProblem(
      metadata.jwks_uri,
      timeoutMs,
      options.fetch ?? fetch,
      !!options.fetch,
    );
    if (keyProblem) problems.push(keyProblem);
  }
  return finish(metadata);
}

function metadataProblems(metadata: oidc.ServerMetadata, insecureOk: boolean): string[] {
  const problems: string[] = [];
  const endpoint = (url: string | undefined, missing: string, name: string) => {
    if (!url) problems.push(missing);
    else if (!url.startsWith('https://') && !(insecureOk && url.startsWith('http://'))) {
      problems.push(`The ${name} (${url}) is not an https URL.`);
    }
  };
  endpoint(
    metadata.authorization_endpoint,
    'No authorization endpoint: users could not be sent to sign in.',
    'authorization endpoint',
  );
  endpoint(metadata.token_endpoint, 'No token endpoint: sign-ins could not be completed.', 'token endpoint');
  endpoint(
    metadata.jwks_uri,
    'No signing keys address (jwks_uri): tokens could not be checked.',
    'signing keys address',
  );

  const responseTypes = metadata.response_types_supported;
  if (Array.isArray(responseTypes) && !responseTypes.includes('code')) {
    problems.push('The provider does not offer the authorization code flow (response type "code").');
  }
  const offered = metadata.id_token_signing_alg_values_supported;
  const usable = (offered ?? []).filter((alg) => (ALLOWED_ALGORITHMS as readonly string[]).includes(alg));
  if (!offered || offered.length === 0) {
    problems.push(
      'No supported signing algorithm: the provider lists none (id_token_signing_alg_values_supported).',
    );
  } else if (usable.length === 0) {
    problems.push(`No supported signing algorithm: the provider offers ${offered.join(', ')} only.`);
  }
  const pkce = metadata.code_challenge_methods_supported;
  if (Array.isArray(pkce) && !pkce.includes('S256')) {
    problems.push('The provider does not support PKCE with S256, which sign-in requires.');
  }
  return problems;
}

async function signingKeysProblem(
  jwksUri: string,
  timeoutMs: number,
  fetchKeys: typeof fetch,
  guarded: boolean,
): Promise<string | undefined> {
  try {
    const response = await fetchKeys(jwksUri, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new errors.JOSEError(`HTTP ${response.status}`);
    const body = (await response.json()) as { keys?: unknown };
    createLocalJWKSet(body as Parameters<typeof createLocalJWKSet>[0]); // throws unless a JWK set
    const keys = (body.keys ?? []) as Array<{ use?: string; kty?: string }>;
    const signing = keys.filter((k) => k.use !== 'enc' && ['RSA', 'EC', 'OKP'].includes(k.kty ?? ''));
    return signing.length === 0
      ? `The signing keys at ${jwksUri} contain no usable public signing key.`
      : undefined;
  } catch (err) {
    if (findRefusal(err) || (guarded && networkWords(err, timeoutMs)))
      return unreachableIssuerProblem(jwksUri);
    return `The signing keys at ${jwksUri} could not be read: ${networkWords(err, timeoutMs) ?? 'the answer is not a key set'}.`;
  }
}

function describeDiscoveryFailure(
  err: unknown,
  issuer: string,
  discoveryUrl: string,
  timeoutMs: number,
  guarded: boolean,
): string {
  const network = networkWords(err, timeoutMs);
  if (findRefusal(err) || (guarded && network)) return unreachableIssuerProblem(discoveryUrl);
  if (network) return `Could not read ${discoveryUrl}: ${network}. Check the issuer URL.`;
  const code = err instanceof oidc.ClientError ? err.code : undefined;
  switch (code) {
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED': {
      const found = issuerInDocument(err);
      return `The issuer in the discovery document (${found ?? 'unknown'}) does not match the URL you entered (${issuer}).`;
    }
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM': {
      const status =
        (err as Error).cause instanceof Response ? ((err as Error).cause as Response).status : undefined;
      return `${discoveryUrl} answered HTTP ${status ?? 'error'} instead of a discovery document. Check the issuer URL.`;
    }
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
    case 'OAUTH_PARSE_ERROR':
      return `${discoveryUrl} did not return valid JSON, so it is not an OpenID Connect discovery document.`;
    case 'OAUTH_INVALID_RESPONSE':
      return `${discoveryUrl} returned JSON that is not a discovery document (the issuer is missing).`;
    case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
      return `The issuer must be an https URL; you entered ${issuer}.`;
    default:
      return `${discoveryUrl} could not be used as a discovery document.`;
  }
}

/** The issuer the document claims, from openid-client's comparison error (somewhere in its cause chain). */
function issuerInDocument(err: unknown): string | undefined {
  let node: unknown = err;
  for (let depth = 0; node && typeof node === 'object' && depth < 4; depth++) {
    const found = (node as { body?: { issuer?: unknown } }).body?.issuer;
    if (typeof found === 'string') return found;
    node = (node as { cause?: unknown }).cause;
  }
  return undefined;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'nothing answers at that address (connection refused)',
  ENOTFOUND: 'the host name does not exist',
  EAI_AGAIN: 'the host name could not be looked up',
  ECONNRESET: 'the connection was cut',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host cannot be reached',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate is not from a trusted authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate chain is incomplete',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
};

/** Plain words for "could not talk to it at all", or undefined when the server did answer. */
function networkWords(err: unknown, timeoutMs: number): string | undefined {
  const seconds = `${Math.round(timeoutMs / 100) / 10} seconds`;
  const code = err instanceof oidc.ClientError ? err.code : undefined;
  const name = err instanceof Error ? err.name : undefined;
  if (
    code === 'OAUTH_TIMEOUT' ||
    code === 'OAUTH_ABORT' ||
    name === 'TimeoutError' ||
    err instanceof errors.JWKSTimeout
  ) {
    return `no answer within ${seconds}`;
  }
  if (err instanceof TypeError && err.message === 'fetch failed') {
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    return (typeof cause === 'string' && NETWORK_WORDS[cause]) || 'the server could not be reached';
  }
  return undefined;
}
