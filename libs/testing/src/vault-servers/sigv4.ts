/**
 * AWS Signature Version 4 verification, as AWS computes it: canonical request from the signed
 * headers and the body hash, string to sign over the credential scope, HMAC chain from the
 * secret. Used by the Secrets Manager server to refuse unsigned, mis-signed or stale requests.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 15 * 60 * 1000;

export type SigV4Result =
  { ok: true; accessKeyId: string; region: string; service: string } | { ok: false; reason: string };

export function verifySigV4(
  req: IncomingMessage,
  body: Buffer,
  secretFor: (accessKeyId: string) => string | undefined,
  expect: { service: string; now?: number },
): SigV4Result {
  const m = AUTH.exec(String(req.headers.authorization ?? ''));
  if (!m) return { ok: false, reason: 'missing or malformed SigV4 Authorization header' };
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaders = '', signature = ''] = m;
  if (service !== expect.service) return { ok: false, reason: `credential scope names service ${service}` };
  const secret = secretFor(accessKeyId);
  if (!secret) return { ok: false, reason: 'unknown access key id' };
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const when = Date.parse(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  if (!Number.isFinite(when) || Math.abs((expect.now ?? Date.now()) - when) > MAX_SKEW_MS)
    return { ok: false, reason: 'x-amz-date missing or outside 15 minutes' };
  if (!amzDate.startsWith(date)) return { ok: false, reason: 'credential date differs from x-amz-date' };
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date'))
    return { ok: false, reason: 'host and x-amz-date must be signed' };
  const url = new URL(req.url ?? '/', 'http://x');
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join('&');
  const headers = names
    .map((n) => {
      const v = req.headers[n];
      return `${n}:${(Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const payloadHash = sha256(body);
  const claimed = req.headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== payloadHash)
    return { ok: false, reason: 'x-amz-content-sha256 mismatch' };
  const canonical = [req.method, url.pathname, query, headers, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = hmac(key, toSign);
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex')))
    return { ok: false, reason: 'signature mismatch' };
  return { ok: true, accessKeyId, region, service };
}
