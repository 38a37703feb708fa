// Watches and selectors: resume from a resourceVersion without gaps or repeats, bookmarks,
// label selectors (equality and set-based) on list and watch.
import { Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace } from '../../src/kube/index.js';
import { clients, eventually, type Clients } from './support.js';

interface Event {
  type: string;
  name: string | undefined;
  rv: string | undefined;
}

/** Starts a watch and collects its events until stopped. */
async function collect(
  c: Clients,
  path: string,
  query: Record<string, string | number | boolean>,
): Promise<{ events: Event[]; ended: Promise<unknown>; stop: () => void }> {
  const events: Event[] = [];
  let end!: (err: unknown) => void;
  const ended = new Promise((resolve) => (end = resolve));
  const ctl = await new Watch(c.kc).watch(
    path,
    query,
    (type, obj: V1ConfigMap) =>
      events.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion }),
    (err) => end(err),
  );
  return { events, ended, stop: () => ctl.abort() };
}

describe('watch', () => {
  let c: Clients;
  let ns: string;
  beforeAll(async () => {
    c = clients();
    ns = (await createTestNamespace({ prefix: 'watch' })).name;
  });
  const create = (name: string, labels: Record<string, string>): Promise<V1ConfigMap> =>
    c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels } } });

  it('resumes from a resourceVersion with exactly the later events, filtered by label selector', async () => {
    const start = (await c.core.listNamespacedConfigMap({ namespace: ns })).metadata!.resourceVersion!;
    await create('a1', { app: 'a' });
    const midpoint = (await create('b1', { app: 'b' })).metadata!.resourceVersion!;
    await create('a2', { app: 'a' });

    const fromStart = await collect(c, `/api/v1/namespaces/${ns}/configmaps`, {
      resourceVersion: start,
      labelSelector: 'app=a',
    });
    await eventually(() =>
      expect(fromStart.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED a1', 'ADDED a2']),
    );
    fromStart.stop();

    const fromMid = await collect(c, `/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: midpoint });
    await create('b2', { app: 'b' });
    await eventually(() =>
      expect(fromMid.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED a2', 'ADDED b2']),
    );
    fromMid.stop();
  });

  it('sends BOOKMARK events when asked, carrying a resourceVersion to resume from', async () => {
    const rv = (await c.core.listNamespacedConfigMap({ namespace: ns })).metadata!.resourceVersion!;
    // The server bookmarks every minute and 2 s before the watch's timeout (here 5 s).
    const w = await collect(c, `/api/v1/namespaces/${ns}/configmaps`, {
      resourceVersion: rv,
      allowWatchBookmarks: true,
      timeoutSeconds: 5,
    });
    await create('during-bookmark-watch', {});
    await w.ended;
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK');
    expect(bookmark?.rv).toMatch(/^\d+$/);
    expect(BigInt(bookmark!.rv!)).toBeGreaterThanOrEqual(BigInt(rv));
  }, 15_000);

  it('lists by equality and set-based label selectors', async () => {
    await create('s-red', { tier: 'web', color: 'red' });
    await create('s-blue', { tier: 'web', color: 'blue' });
    await create('s-none', { tier: 'db' });
    const names = async (labelSelector: string): Promise<string[]> =>
      (await c.core.listNamespacedConfigMap({ namespace: ns, labelSelector })).items
        .map((i) => i.metadata!.name!)
        .sort();
    expect(await names('tier=web')).toEqual(['s-blue', 's-red']);
    expect(await names('tier=web,color!=red')).toEqual(['s-blue']);
    expect(await names('color in (red,green)')).toEqual(['s-red']);
    expect(await names('tier,!color')).toEqual(['s-none']);
  });
});
