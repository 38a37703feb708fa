/**
 * Ports for the tenants' processes, kept in ports.json across restarts of `npm start`. They are
 * picked below the kernel's ephemeral range (net.ipv4.ip_local_port_range): a port the OS hands
 * out for `listen(0)` is an ephemeral one, which any outgoing connection on the machine (a
 * PostgreSQL client's source port) may take while the tenant is stopped — the onboarding bench saw
 * a persisted engine port taken that way and the engine fail with EADDRINUSE on every restart.
 * A persisted port that is taken anyway is replaced at the tenant's next start.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 20_000;

/** The first port of the ephemeral range (Linux; 32768 elsewhere or when unreadable). */
export function ephemeralStart(file = '/proc/sys/net/ipv4/ip_local_port_range'): number {
  try {
    const low = existsSync(file) ? Number(readFileSync(file, 'utf8').trim().split(/\s+/)[0]) : NaN;
    return Number.isInteger(low) && low > 1024 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Whether 127.0.0.1:port can be listened on now. */
export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const osPort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** A free port below the ephemeral range that `reserved` (other tenants' ports) does not hold. */
export async function pickPort(reserved: ReadonlySet<number>, random = Math.random): Promise<number> {
  const highest = ephemeralStart() - 1;
  if (highest - LOWEST >= 100)
    for (let i = 0; i < 200; i++) {
      const port = LOWEST + Math.floor(random() * (highest - LOWEST + 1));
      if (!reserved.has(port) && (await isFree(port))) return port;
    }
  return osPort(); // a machine whose ephemeral range leaves no room below it
}
