import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('takes the priority lane first; a key promoted to it runs once, in its new place', async () => {
    const q = new WorkQueue();
    q.add('new-1');
    q.add('new-2');
    q.add('new-3');
    q.add('ready-a', true);
    q.add('new-2', true); // promoted
    q.add('ready-a'); // a normal add does not demote
    expect(q.depth).toBe(4);
    const seen: string[] = [];
    const ac = new AbortController();
    const done = q.run(1, async (key) => void seen.push(key), ac.signal);
    await sleep(20);
    ac.abort();
    await done;
    expect(seen).toEqual(['ready-a', 'new-2', 'new-1', 'new-3']);
  });

  it('tells the handler which lane a key came from; a re-queue for now goes to the normal lane', async () => {
    const q = new WorkQueue();
    q.add('queued-1');
    q.add('queued-2');
    q.add('ready', true);
    const seen: string[] = [];
    const ac = new AbortController();
    const done = q.run(
      1,
      async (key, _signal, lane) => {
        seen.push(`${key}:${lane}`);
        // The priority run asks to be re-queued now: behind what the normal lane already holds.
        if (key === 'ready' && lane === 'priority') return { requeueAfterMs: 0 };
      },
      ac.signal,
    );
    await sleep(20);
    ac.abort();
    await done;
    expect(seen).toEqual(['ready:priority', 'queued-1:normal', 'queued-2:normal', 'ready:normal']);
  });

  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.depth).toBe(2);
    const seen: string[] = [];
    const ac = new AbortController();
    const done = q.run(1, async (key) => void seen.push(key), ac.signal);
    await sleep(20);
    ac.abort();
    await done;
    expect(seen).toEqual(['a', 'b']);
  });

  it('never runs one key twice at the same time; a change during a run re-queues it once', async () => {
    const q = new WorkQueue();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const ac = new AbortController();
    const done = q.run(
      4,
      async () => {
        runs++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(30);
        running--;
      },
      ac.signal,
    );
    q.add('t');
    await sleep(5);
    q.add('t');
    q.add('t');
    await sleep(100);
    ac.abort();
    await done;
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it('bounds concurrency', async () => {
    const q = new WorkQueue();
    let running = 0;
    let maxRunning = 0;
    const ac = new AbortController();
    const done = q.run(
      3,
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(20);
        running--;
      },
      ac.signal,
    );
    for (let i = 0; i < 12; i++) q.add(`k${i}`);
    await sleep(150);
    ac.abort();
    await done;
    expect(maxRunning).toBe(3);
  });

  it('backs off exponentially with jitter after failures and forgets on success', async () => {
    const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1_000 });
    const delays = Array.from({ length: 6 }, () => q.addRateLimited('x'));
    delays.forEach((d, i) => {
      const nominal = Math.min(1_000, 100 * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(nominal * 0.5);
      expect(d).toBeLessThanOrEqual(nominal * 1.5);
    });
    expect(q.failuresOf('x')).toBe(6);
    q.forget('x');
    expect(q.failuresOf('x')).toBe(0);
    q.shutDown();
  });

  it('retries a failing key until it succeeds', async () => {
    const q = new WorkQueue({ baseDelayMs: 5, maxDelayMs: 20 });
    let attempts = 0;
    const ac = new AbortController();
    const done = q.run(
      1,
      async () => {
        if (++attempts < 4) throw new Error('not yet');
      },
      ac.signal,
    );
    q.add('k');
    await sleep(200);
    ac.abort();
    await done;
    expect(attempts).toBe(4);
    expect(q.failuresOf('k')).toBe(0);
  });

  it('tells when it has drained', async () => {
    const q = new WorkQueue();
    await q.drained(); // empty: at once
    const ac = new AbortController();
    const done = q.run(2, async () => void (await sleep(20)), ac.signal);
    for (const k of ['a', 'b', 'c']) q.add(k);
    const started = Date.now();
    await q.drained();
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
    expect(q.depth + q.inFlight).toBe(0);
    ac.abort();
    await done;
  });

  it('keeps the earliest of several delayed adds', async () => {
    const q = new WorkQueue();
    q.addAfter('k', 1_000);
    q.addAfter('k', 10);
    await sleep(40);
    expect(q.depth).toBe(1);
    q.shutDown();
  });

  it('wakes live workers after earlier workers were stopped', async () => {
    const q = new WorkQueue();
    const first = new AbortController();
    const stopped = q.run(2, async () => undefined, first.signal);
    await sleep(5);
    first.abort();
    await stopped;
    const seen: string[] = [];
    const second = new AbortController();
    const done = q.run(1, async (k) => void seen.push(k), second.signal);
    q.add('z');
    await sleep(20);
    second.abort();
    await done;
    expect(seen).toEqual(['z']);
  });
});
