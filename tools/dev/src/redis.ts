/**
 * Finds a Redis for local runs: REDIS_URL if set (it must answer), else 127.0.0.1:6379, else a
 * `redis-server` from PATH on a free loopback port without persistence, else a clear message.
 * Uses a raw RESP PING so the bootstrap has no client dependency.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

export interface RedisHandle {
  url: string;
  /** How it was found: 'env', 'default-port' or 'spawned'. */
  source: 'env' | 'default-port' | 'spawned';
  stop(): Promise<void>;
}

export class RedisUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

export function pingRedis(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    // +PONG, or -NOAUTH when a password is required (still a Redis).
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const noop = async () => {};

export interface FindRedisOptions {
  env?: NodeJS.ProcessEnv;
  defaultPort?: number;
  redisServerBinary?: string;
}

export async function findOrStartRedis(options: FindRedisOptions = {}): Promise<RedisHandle> {
  const env = options.env ?? process.env;
  if (env.REDIS_URL) {
    const url = new URL(env.REDIS_URL);
    const port = Number(url.port || 6379);
    if (!(await pingRedis(url.hostname, port))) {
      throw new RedisUnavailableError(
        `REDIS_URL is set to ${url.protocol}//${url.hostname}:${port} but nothing answers PING there.`,
      );
    }
    return { url: env.REDIS_URL, source: 'env', stop: noop };
  }
  const defaultPort = options.defaultPort ?? 6379;
  if (await pingRedis('127.0.0.1', defaultPort)) {
    return { url: `redis://127.0.0.1:${defaultPort}`, source: 'default-port', stop: noop };
  }
  const port = await freePort();
  const binary = options.redisServerBinary ?? 'redis-server';
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  for (let i = 0; i < 50; i++) {
    const failed = await Promise.race([
      spawnError,
      new Promise<undefined>((r) => setTimeout(r, 100, undefined)),
    ]);
    if (failed) {
      throw new RedisUnavailableError(
        'Redis was not found: REDIS_URL is unset, nothing answers on 127.0.0.1:6379, and `redis-server` is not on PATH.\n' +
          'Install it (Debian/Ubuntu: `apt-get install redis-server`; macOS: `brew install redis`) or set REDIS_URL=redis://host:port.',
      );
    }
    if (await pingRedis('127.0.0.1', port, 200))
      return { url: `redis://127.0.0.1:${port}`, source: 'spawned', stop: () => stopChild(child) };
  }
  await stopChild(child);
  throw new RedisUnavailableError(
    `redis-server was started on port ${port} but did not answer PING within 5 s.`,
  );
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
