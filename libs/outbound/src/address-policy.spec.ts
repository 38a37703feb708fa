/**
 * Generated addresses for every refused range, written in every form a URL parser or resolver
 * accepts (dotted, one 32-bit integer, hex, octal, short `a.b`/`a.b.c` forms, IPv4-mapped/NAT64/6to4
 * IPv6), judged through `checkOutboundUrl` so the URL parser's own normalisation is part of the test.
 */
import { describe, expect, it } from 'vitest';
import { checkOutboundUrl, classifyAddress, OutboundRefusedError } from './index.js';

// Deterministic PRNG: failures are reproducible from the seed printed in the test name.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s;
  };
}

const REFUSED_V4: Array<[base: number, bits: number]> = [
  [0x00000000, 8],
  [0x0a000000, 8],
  [0x64400000, 10],
  [0x7f000000, 8],
  [0xa9fe0000, 16],
  [0xac100000, 12],
  [0xc0a80000, 16],
  [0xe0000000, 4],
  [0xf0000000, 4],
];

const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
/** Every textual form of one IPv4 address that WHATWG URL accepts as a host. */
function ipv4Forms(n: number): string[] {
  const [a, b, c, d] = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const hi = ((a << 8) | b).toString(16);
  const lo = ((c << 8) | d).toString(16);
  return [
    dotted(n),
    String(n),
    `0x${n.toString(16)}`,
    `0${n.toString(8)}`,
    [a, b, c, d].map((x) => `0${x.toString(8)}`).join('.'),
    [a, b, c, d].map((x) => `0x${x.toString(16)}`).join('.'),
    `${a}.${(b << 16) | (c << 8) | d}`,
    `${a}.${b}.${(c << 8) | d}`,
    `[::ffff:${dotted(n)}]`,
    `[::ffff:${hi}:${lo}]`,
    `[0:0:0:0:0:ffff:${hi}:${lo}]`,
    `[64:ff9b::${hi}:${lo}]`,
    `[2002:${hi}:${lo}::1]`,
  ];
}

async function refusal(url: string): Promise<string | undefined> {
  try {
    await checkOutboundUrl(url);
    return undefined;
  } catch (error) {
    if (error instanceof OutboundRefusedError) return error.reason;
    throw error;
  }
}

describe('checkOutboundUrl: generated IPv4 addresses in every form', () => {
  const next = rng(20261206);
  for (const [base, bits] of REFUSED_V4) {
    it(`refuses ${dotted(base)}/${bits} in every form`, async () => {
      for (let i = 0; i < 12; i++) {
        const n = (base | (next() & (2 ** (32 - bits) - 1))) >>> 0;
        for (const form of ipv4Forms(n)) {
          expect({ form, reason: await refusal(`http://${form}:8080/x`) }).toEqual({
            form,
            reason: 'forbidden-address',
          });
        }
      }
    });
  }

  it('allows public addresses in the same forms (so the refusals above are not blanket)', async () => {
    const next2 = rng(7);
    for (let i = 0; i < 40; i++) {
      // 1.0.0.0 - 9.255.255.255 and 11.x - 99.x are public unicast
      const first = 11 + (next2() % 89);
      const n = ((first << 24) | (next2() & 0xffffff)) >>> 0;
      if (first === 100) continue;
      for (const form of ipv4Forms(n)) {
        expect({ form, reason: await refusal(`https://${form}/`) }).toEqual({ form, reason: undefined });
      }
    }
  });
});

describe('classifyAddress: IPv6', () => {
  it.each([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fdff:ffff::9', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:c0a8:0101::', 'private'],
    ['2001:db8::1', 'documentation'],
  ])('%s is refused as %s', (ip, reason) => {
    expect(classifyAddress(ip)).toEqual({ decision: 'refuse', reason });
  });

  it.each(['2606:4700:4700::1111', '2a00:1450:4001:81c::200e', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8'])(
    '%s is public',
    (ip) => expect(classifyAddress(ip)).toEqual({ decision: 'allow', reason: 'public' }),
  );

  it('generated fe80::/10 and fc00::/7 addresses are refused in URL form', async () => {
    const next = rng(99);
    for (let i = 0; i < 200; i++) {
      const first = i % 2 ? 0xfe80 | (next() & 0x3f) : 0xfc00 | (next() & 0x1ff);
      const groups = [first, ...Array.from({ length: 7 }, () => next() & 0xffff)].map((g) => g.toString(16));
      expect(await refusal(`http://[${groups.join(':')}]/`)).toBe('forbidden-address');
    }
  });
});

describe('checkOutboundUrl: names and URLs', () => {
  it.each([
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://METADATA.GOOGLE.INTERNAL./',
    'http://localhost:5432/',
    'http://api.localhost/',
  ])('refuses %s before any DNS query', async (url) => {
    expect(await refusal(url)).toBe('forbidden-address');
  });

  it.each([
    'file:///etc/passwd',
    'gopher://x/',
    'ftp://example.com/',
    'http://user:pw@example.com/',
    'not a url',
  ])('%s is a bad URL', async (url) => expect(await refusal(url)).toBe('bad-url'));

  it('judges every address a name resolves to', async () => {
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ];
    await expect(checkOutboundUrl('https://mixed.example/', { resolve })).rejects.toMatchObject({
      reason: 'forbidden-address',
    });
  });

  it('an unresolvable name is unreachable', async () => {
    const resolve = async () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    await expect(checkOutboundUrl('https://nowhere.example/', { resolve })).rejects.toMatchObject({
      reason: 'unreachable',
    });
  });

  it('allowHosts lets exactly that host:port through', async () => {
    await expect(
      checkOutboundUrl('http://127.0.0.1:4000/', { allowHosts: ['127.0.0.1:4000'] }),
    ).resolves.toBeInstanceOf(URL);
    expect(await refusal('http://127.0.0.1:4001/')).toBe('forbidden-address');
  });

  it('a "*.name:port" exception takes the subdomains of name on that port only', async () => {
    const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    const policy = { allowHosts: ['*.localtest.me:3080'], resolve };
    await expect(checkOutboundUrl('http://acme.localtest.me:3080/healthz', policy)).resolves.toBeInstanceOf(
      URL,
    );
    for (const url of [
      'http://acme.localtest.me:3081/',
      'http://localtest.me:3080/',
      'http://acme.localtest.me.evil.example:3080/',
      'http://acmelocaltest.me:3080/',
    ]) {
      await expect(checkOutboundUrl(url, policy), url).rejects.toMatchObject({ reason: 'forbidden-address' });
    }
  });
});
