import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { describeLeaks, findLeaks } from './leak-scan.js';
import { createLogger, withCorrelationId } from './logger.js';
import { hashId, redact, redactString, REDACTED } from './redact.js';
import { createTestLogSink } from './test-sink.js';

describe('redact', () => {
  it('hashes e-mails wherever they appear and removes secrets by key and by shape', () => {
    const out = redact({
      email: 'Ada@Example.com',
      note: 'contact ada@example.com now',
      clientSecret: 's3cr3t',
      headers: { authorization: 'Bearer abc.def' },
      text: 'key sk_test_abcdefghijkl and whsec_abcdefghijkl',
      nested: [{ password: 'x' }],
    }) as Record<string, unknown>;
    const json = JSON.stringify(out);
    expect(json).not.toMatch(/ada@example\.com|s3cr3t|abc\.def|sk_test_|whsec_/i);
    expect(out.email).toBe(hashId('ada@example.com'));
    expect(out.clientSecret).toBe(REDACTED);
  });

  it('logger output carries the correlation id and no raw e-mail', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ name: 'test', level: 'info', destination });
    withCorrelationId('corr-1', () =>
      log.info(
        { userEmail: 'bob@example.org', token: 'eyJhbGciOi.eyJzdWIiOiJ4.sig' },
        'signed up bob@example.org',
      ),
    );
    await new Promise((r) => setImmediate(r));
    const record = JSON.parse(lines[0]!);
    expect(record.correlationId).toBe('corr-1');
    expect(lines.join('')).not.toContain('bob@example.org');
    expect(lines.join('')).not.toContain('eyJhbGciOi');
  });
});

describe('redact, hardened', () => {
  const SECRETS = {
    stripe: 'sk_test_51Hxyz_abcDEF0123456789',
    whsec: 'whsec_cwtestsecret0123456789',
    magic: `${'A'.repeat(32)}.${(1893456000).toString(36)}.${'b'.repeat(43)}`,
  };

  it('removes token shapes from free text and URLs, hashes encoded e-mails', () => {
    const text = [
      `key ${SECRETS.stripe} and ${SECRETS.whsec}`,
      `GET /verify?token=${SECRETS.magic}&x=1`,
      `callback?code=abc123&state=xyz`,
      'postgres://cw:hunter2@db:5432/cw',
      'endpoint=https://x.communication.azure.com/;accesskey=AbC/dEf+==',
      'cookie cw_session=s3ss10n; other=1',
      'to ada%40example.com',
      '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
    ].join('\n');
    const out = redactString(text);
    for (const leak of [
      SECRETS.stripe,
      SECRETS.whsec,
      SECRETS.magic,
      'abc123',
      'hunter2',
      'AbC/dEf',
      's3ss10n',
      'ada%40example.com',
      'MIIE',
    ]) {
      expect(out).not.toContain(leak);
    }
    expect(out).toContain(hashId('ada@example.com'));
    expect(out).toContain('/verify?token=[redacted]&x=1');
  });

  it('hashes person keys (strings and numbers, in arrays too) and keeps codes and states readable', () => {
    const out = redact({
      userId: 42,
      emails: ['a@b.co', 'c@d.co'],
      sub: 'entra-oid-1',
      code: 'validation_failed',
      state: 'active',
      status: 409,
    }) as Record<string, unknown>;
    expect(out).toEqual({
      userId: hashId('42'),
      emails: [hashId('a@b.co'), hashId('c@d.co')],
      sub: hashId('entra-oid-1'),
      code: 'validation_failed',
      state: 'active',
      status: 409,
    });
  });

  it('walks errors (own fields, cause) and survives cycles', () => {
    const cause = new Error('db said no for x@y.io');
    const error = Object.assign(new Error('failed', { cause }), {
      raw: { headers: { authorization: 'Bearer zzz' } },
      statusCode: 500,
    });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const shared = { n: 1 };
    const out = JSON.stringify(redact({ err: error, cyclic, pair: [shared, shared] }));
    expect(out).not.toMatch(/x@y\.io|zzz/);
    expect(out).toContain('"statusCode":500');
    expect(out).toContain('[circular]');
    expect(out).toContain('[{"n":1},{"n":1}]');
  });

  it('logger redacts child bindings, interpolated arguments and an error passed first', async () => {
    const sink = createTestLogSink();
    const log = createLogger({ name: 't', level: 'info', destination: sink.destination });
    log.child({ email: 'kid@example.com' }).info('hello');
    log.info('sent to %s with %o', 'arg@example.com', { token: 'tok-123', who: 'obj@example.com' });
    log.error(new Error('cannot reach bob@example.com'));
    log.warn({ err: new Error(`key ${SECRETS.stripe}`) });
    const text = sink.text();
    expect(sink.records()).toHaveLength(4);
    for (const leak of [
      'kid@example.com',
      'arg@example.com',
      'obj@example.com',
      'tok-123',
      'bob@example.com',
      SECRETS.stripe,
    ]) {
      expect(text).not.toContain(leak);
    }
    expect(sink.records()[2]!.msg).toBe(`cannot reach ${hashId('bob@example.com')}`);
  });
});

describe('findLeaks', () => {
  it('finds secrets in every outgoing form and never prints them', () => {
    const secret = 'Sup3r-Secret+Value/42';
    const text = [
      secret.toUpperCase(),
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64'),
      JSON.stringify({ s: 'a"b' }),
    ].join(' ');
    const leaks = findLeaks(text, { s: secret, q: 'a"b' }, 'stdout');
    expect(leaks.map((l) => `${l.secret}:${l.form}`).sort()).toEqual(
      ['q:json-escaped', 's:base64', 's:lowercase', 's:raw', 's:url-encoded'].sort(),
    );
    expect(describeLeaks(leaks)).not.toContain(secret);
    expect(findLeaks('nothing here', { s: secret })).toEqual([]);
  });
});
