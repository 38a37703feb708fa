import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startFakeApi, type FakeApi } from './fake-api.spec-helper.js';
import {
  Reflector,
  lineResourceVersion,
  olderVersion,
  stripManagedFields,
  type ObjectLike,
} from './reflector.js';
import { KubeRest } from './rest.js';

let api: FakeApi;
beforeAll(async () => (api = await startFakeApi()));
afterAll(() => api.close());

const obj = (name: string, rv: string, team = 'a'): ObjectLike => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv, labels: { team }, managedFields: [{}] },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (fn: () => boolean) => {
  for (let i = 0; i < 200 && !fn(); i++) await sleep(10);
  expect(fn()).toBe(true);
};

describe('Reflector', () => {
  it('lists, watches, resumes from the last version, relists after 410, and keeps an index', async () => {
    let lists = 0;
    let watches = 0;
    const watchVersions: string[] = [];
    api.route((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.searchParams.get('watch') !== 'true') {
        lists++;
        const items = lists === 1 ? [obj('a', '10'), obj('b', '11')] : [obj('a', '30'), obj('c', '31', 'b')];
        return json(res, 200, { items, metadata: { resourceVersion: lists === 1 ? '11' : '31' } });
      }
      watches++;
      watchVersions.push(url.searchParams.get('resourceVersion')!);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (watches === 1) {
        res.write(`${JSON.stringify({ type: 'MODIFIED', object: obj('a', '12', 'b') })}\n`);
        res.end(`${JSON.stringify({ type: 'DELETED', object: obj('b', '13') })}\n`);
      } else if (watches === 2) {
        res.end(
          `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old' } })}\n`,
        );
      } else setTimeout(() => res.end(), 5_000);
    });
    const events: string[] = [];
    const r = new Reflector({
      rest: new KubeRest(api.kubeConfig),
      path: '/api/v1/things',
      indexBy: (o) => (o.metadata?.labels as Record<string, string>)?.team,
      onEvent: (type, o) => events.push(`${type} ${o.metadata?.name}`),
      minBackoffMs: 5,
    }).start();
    await r.waitForSync();
    await until(() => lists === 2 && r.hasSynced && r.get('ns', 'c') !== undefined);
    expect(watchVersions.slice(0, 2)).toEqual(['11', '13']);
    expect(events).toEqual(['ADDED a', 'ADDED b', 'MODIFIED a', 'DELETED b', 'MODIFIED a', 'ADDED c']);
    expect(
      r
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['a', 'c']);
    expect(
      r
        .byIndex('b')
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['c']);
    expect(r.byIndex('a').map((o) => o.metadata?.name)).toEqual(['a']);
    expect(r.get('ns', 'a')!.metadata).not.toHaveProperty('managedFields');
    // Our own write is visible at once; an older event cannot undo it.
    r.upsert(obj('a', '40', 'z'));
    expect(r.get('ns', 'a')!.metadata!.resourceVersion).toBe('40');
    r.upsert(obj('a', '35'));
    expect(r.get('ns', 'a')!.metadata!.resourceVersion).toBe('40');
    expect(r.byIndex('z')).toHaveLength(1);
    await r.stop();
  });

  it('does not announce the watch event of a write the caller already recorded', async () => {
    let release: () => void = () => undefined;
    const written = new Promise<void>((r) => (release = r));
    api.route((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.searchParams.get('watch') !== 'true')
        return json(res, 200, { items: [obj('a', '50')], metadata: { resourceVersion: '50' } });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      void written.then(() => {
        res.write(`${JSON.stringify({ type: 'MODIFIED', object: obj('a', '51') })}\n`);
        res.end(`${JSON.stringify({ type: 'MODIFIED', object: obj('a', '52') })}\n`);
      });
    });
    const events: string[] = [];
    const r = new Reflector({
      rest: new KubeRest(api.kubeConfig),
      path: '/api/v1/things',
      onEvent: (type, o) => events.push(`${type} ${o.metadata?.resourceVersion}`),
      watchTimeoutSeconds: 1,
    }).start();
    await r.waitForSync();
    r.upsert(obj('a', '51')); // the answer of our own write
    release();
    await until(() => events.length === 2);
    expect(events).toEqual(['ADDED 50', 'MODIFIED 52']); // 51 was ours: no event
    await r.stop();
  });

  it('drops the watch line of its own write unparsed, and parses any line it cannot tell apart', async () => {
    let release: () => void = () => undefined;
    const written = new Promise<void>((r) => (release = r));
    // b's line carries a second resourceVersion (a nested reference): which one is the object's is
    // not known without parsing, so it is parsed although 61 was written through.
    const nested = { ...obj('b', '61'), spec: { ref: { resourceVersion: '7' } } };
    api.route((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.searchParams.get('watch') !== 'true')
        return json(res, 200, {
          items: [obj('a', '58'), obj('b', '59')],
          metadata: { resourceVersion: '59' },
        });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      void written.then(() => {
        res.write(`${JSON.stringify({ type: 'MODIFIED', object: obj('a', '60') })}\n`);
        res.write(`${JSON.stringify({ type: 'MODIFIED', object: nested })}\n`);
        res.end(`${JSON.stringify({ type: 'MODIFIED', object: obj('a', '62') })}\n`);
      });
    });
    const transformed: string[] = [];
    const events: string[] = [];
    const r = new Reflector({
      rest: new KubeRest(api.kubeConfig),
      path: '/api/v1/things',
      transform: (o) => {
        transformed.push(`${o.metadata?.name} ${o.metadata?.resourceVersion}`);
        return stripManagedFields(o);
      },
      onEvent: (type, o) => events.push(`${type} ${o.metadata?.name} ${o.metadata?.resourceVersion}`),
      watchTimeoutSeconds: 1,
    }).start();
    await r.waitForSync();
    r.upsert(obj('a', '60')); // answers of our own writes
    r.upsert(obj('b', '61'));
    transformed.length = 0;
    release();
    await until(() => events.length === 3);
    expect(events).toEqual(['ADDED a 58', 'ADDED b 59', 'MODIFIED a 62']);
    // a 60: dropped unparsed; b 61: parsed, then recognised by its version (not trimmed nor announced)
    expect(r.stats.ownEvents).toBe(1);
    expect(transformed).toEqual(['a 62']);
    expect(lineResourceVersion(JSON.stringify({ type: 'ADDED', object: obj('x', '77') }))).toBe('77');
    expect(lineResourceVersion(JSON.stringify({ type: 'ADDED', object: nested }))).toBeUndefined();
    await r.stop();
  });

  it('compares integer resource versions only', () => {
    expect(olderVersion('9', '10')).toBe(true);
    expect(olderVersion('10', '9')).toBe(false);
    expect(olderVersion('abc', '10')).toBe(false);
    expect(stripManagedFields({ metadata: { name: 'x', managedFields: [] } })).toEqual({
      metadata: { name: 'x' },
    });
  });
});
