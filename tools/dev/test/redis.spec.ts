import { describe, expect, it } from 'vitest';
import { findOrStartRedis, freePort, pingRedis, RedisUnavailableError } from '../src/redis.js';

describe('findOrStartRedis', () => {
  it('uses REDIS_URL when it answers', async () => {
    const handle = await findOrStartRedis({ env: { REDIS_URL: 'redis://127.0.0.1:6379' } });
    expect(handle).toMatchObject({ url: 'redis://127.0.0.1:6379', source: 'env' });
  });

  it('refuses a REDIS_URL nobody answers at, naming it', async () => {
    const port = await freePort();
    await expect(findOrStartRedis({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } })).rejects.toThrow(
      `REDIS_URL is set to redis://127.0.0.1:${port} but nothing answers PING there.`,
    );
  });

  it('falls back to the default port', async () => {
    const handle = await findOrStartRedis({ env: {} });
    expect(handle.source).toBe('default-port');
  });

  it('spawns redis-server on a free port when nothing else answers, and stops it', async () => {
    const handle = await findOrStartRedis({ env: {}, defaultPort: await freePort() });
    expect(handle.source).toBe('spawned');
    const port = Number(new URL(handle.url).port);
    expect(await pingRedis('127.0.0.1', port)).toBe(true);
    await handle.stop();
    expect(await pingRedis('127.0.0.1', port)).toBe(false);
  });

  it('says how to install Redis when there is none', async () => {
    const attempt = findOrStartRedis({
      env: {},
      defaultPort: await freePort(),
      redisServerBinary: 'no-such-redis-server',
    });
    await expect(attempt).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(attempt).rejects.toThrow(/apt-get install redis-server/);
  });
});
