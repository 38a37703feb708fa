import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, withCorrelationId } from './logger.js';
import { hashId, redact, REDACTED } from './redact.js';

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
    withCorrelationId('corr-1', () => log.info({ userEmail: 'bob@example.org', token: 'eyJhbGciOi.eyJzdWIiOiJ4.sig' }, 'signed up bob@example.org'));
    await new Promise((r) => setImmediate(r));
    const record = JSON.parse(lines[0]!);
    expect(record.correlationId).toBe('corr-1');
    expect(lines.join('')).not.toContain('bob@example.org');
    expect(lines.join('')).not.toContain('eyJhbGciOi');
  });
});
