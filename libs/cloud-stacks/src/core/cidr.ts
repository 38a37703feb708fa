/** IPv4 subnetting for the platform networks: the `index`-th block of `newPrefix` bits inside `cidr`. */
const toInt = (ip: string): number => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

export function subnet(cidr: string, newPrefix: number, index: number): string {
  const [ip = '', bits = ''] = cidr.split('/');
  const prefix = Number(bits);
  const blocks = 2 ** (newPrefix - prefix);
  if (!(newPrefix >= prefix && newPrefix <= 29 && index >= 0 && index < blocks)) {
    throw new Error(
      `Cannot carve block ${index} of /${newPrefix} out of ${cidr}: it has ${blocks} such blocks. Use a larger network.cidr.`,
    );
  }
  const size = 2 ** (32 - newPrefix);
  const base = toInt(ip) - (toInt(ip) % 2 ** (32 - prefix));
  return `${toIp(base + index * size)}/${newPrefix}`;
}

export const prefixLength = (cidr: string): number => Number(cidr.split('/')[1]);
