/**
 * Which IP addresses a request made on a customer's behalf may reach. Pure: bytes in, decision out.
 *
 * Everything that is not a globally routed unicast address is refused: a customer-supplied URL must
 * never become a way to reach the platform's own network (loopback, RFC 1918, CGNAT, ULA), the cloud
 * metadata service (169.254.169.254, fd00:ec2::254) or anything that is not a single public host.
 * IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16,
 * the deprecated IPv4-compatible ::a.b.c.d) are judged by the IPv4 address they carry.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type AddressDecision =
  | { readonly decision: 'allow'; readonly reason: 'public' }
  | { readonly decision: 'refuse'; readonly reason: AddressRefusal };

export type AddressRefusal =
  | 'not-an-ip'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'cgnat'
  | 'unique-local'
  | 'multicast'
  | 'reserved'
  | 'documentation';

type Range = readonly [prefix: readonly number[], bits: number, reason: AddressRefusal];

// Order matters only for the reason reported: the metadata /32 is listed before link-local /16.
const IPV4_REFUSED: readonly Range[] = [
  [[169, 254, 169, 254], 32, 'metadata'],
  [[0, 0, 0, 0], 8, 'unspecified'],
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'cgnat'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved'],
  [[192, 0, 2, 0], 24, 'documentation'],
  [[192, 88, 99, 0], 24, 'reserved'],
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'reserved'],
  [[198, 51, 100, 0], 24, 'documentation'],
  [[203, 0, 113, 0], 24, 'documentation'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

const hex = (h: number) => [h >> 8, h & 0xff];
const IPV6_REFUSED: readonly Range[] = [
  [[...hex(0xfd00), ...hex(0x0ec2), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...hex(0x0254)], 128, 'metadata'],
  [new Array<number>(16).fill(0), 128, 'unspecified'],
  [[...new Array<number>(15).fill(0), 1], 128, 'loopback'],
  [hex(0xfe80), 10, 'link-local'],
  [hex(0xfec0), 10, 'reserved'], // deprecated site-local
  [hex(0xfc00), 7, 'unique-local'],
  [hex(0xff00), 8, 'multicast'],
  [[...hex(0x0100), 0, 0, 0, 0, 0, 0], 64, 'reserved'], // discard-only
  [[...hex(0x2001), ...hex(0x0db8)], 32, 'documentation'],
  [[...hex(0x2001), 0, 0], 32, 'reserved'], // Teredo: the embedded client address is obfuscated
  [[...hex(0x2001), 0, 0x10], 28, 'reserved'], // ORCHID
];

function inRange(bytes: readonly number[], [prefix, bits]: Range): boolean {
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i / 8] ?? 0) & mask) !== ((prefix[i / 8] ?? 0) & mask)) return false;
  }
  return true;
}

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** 16 bytes of an IPv6 address in any textual form Node accepts (zone id ignored). */
export function ipv6Bytes(ip: string): number[] {
  let text = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a, b, c, d] = ipv4Bytes(dotted[1]) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.flatMap(hex);
}

function classifyIpv4(bytes: readonly number[]): AddressDecision {
  for (const range of IPV4_REFUSED) {
    if (inRange(bytes, range)) return { decision: 'refuse', reason: range[2] };
  }
  return { decision: 'allow', reason: 'public' };
}

/** The IPv4 address an IPv6 address carries, for the forms that route to one. */
function embeddedIpv4(b: readonly number[]): number[] | undefined {
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.slice(12); // ::ffff:a.b.c.d
  if (zeros(0, 12) && !zeros(12, 16) && !(zeros(12, 15) && b[15] === 1)) return b.slice(12); // ::a.b.c.d
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return b.slice(12); // NAT64
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6); // 6to4
  return undefined;
}

/** The one rule: may a request made on a customer's behalf connect to this address? */
export function classifyAddress(address: string): AddressDecision {
  const ip = address.replace(/^\[|\]$/g, '');
  if (isIPv4(ip)) return classifyIpv4(ipv4Bytes(ip));
  if (!isIPv6(ip.replace(/%.*$/, ''))) return { decision: 'refuse', reason: 'not-an-ip' };
  const bytes = ipv6Bytes(ip);
  const v4 = embeddedIpv4(bytes);
  if (v4) {
    const carried = classifyIpv4(v4);
    // ::ffff:8.8.8.8 is fine; any other IPv4-carrying form is only allowed for a public address too.
    return carried;
  }
  for (const range of IPV6_REFUSED) {
    if (inRange(bytes, range)) return { decision: 'refuse', reason: range[2] };
  }
  return { decision: 'allow', reason: 'public' };
}

/** Host names refused before any DNS query: the metadata services answer on these inside clouds. */
const REFUSED_NAMES = new Set(['metadata.google.internal', 'metadata', 'metadata.goog', 'instance-data']);

export function isRefusedHostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return REFUSED_NAMES.has(name) || name === 'localhost' || name.endsWith('.localhost');
}
