/**
 * A stand-in for the cluster's service-account token issuer: projected tokens (JWTs with
 * `sub = system:serviceaccount:<ns>:<sa>`, an audience and an expiry) that the vault servers
 * verify the way the real services verify them through the cluster's OIDC keys or TokenReview.
 */
import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

export class ServiceAccountTokens {
  readonly issuer = 'https://kubernetes.default.svc.cluster.local';
  private readonly key = randomBytes(32);

  /** A projected token for `system:serviceaccount:<namespace>:<serviceAccount>`. */
  async issue(
    namespace: string,
    serviceAccount: string,
    audience: string,
    ttlSeconds = 600,
  ): Promise<string> {
    return new SignJWT({ 'kubernetes.io': { namespace, serviceaccount: { name: serviceAccount } } })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(`system:serviceaccount:${namespace}:${serviceAccount}`)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.key);
  }

  /** The subject of a valid token for `audience`, or undefined (bad signature, expired, other audience). */
  async verify(token: string, audience: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: this.issuer, audience });
      return typeof payload.sub === 'string' ? payload.sub : undefined;
    } catch {
      return undefined;
    }
  }
}
