import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from './client.js';
import { json, startFakeApi, type FakeApi } from './fake-api.spec-helper.js';

let api: FakeApi;
let client: KubeClient;
beforeAll(async () => {
  api = await startFakeApi();
  client = new KubeClient(api.kubeConfig, { retries: 0 });
});
afterAll(() => api.close());

const tenant = (name: string, resourceVersion = '1') => ({
  apiVersion: 'platform.contextweaver.io/v1alpha1',
  kind: 'Tenant',
  metadata: { name, resourceVersion },
});

describe('KubeClient tenants', () => {
  it('lists Tenants page by page (limit/continue)', async () => {
    const pages: Record<string, { items: unknown[]; next?: string }> = {
      '': { items: [tenant('a'), tenant('b')], next: 'p2' },
      p2: { items: [tenant('c')] },
    };
    api.route((req, res) => {
      const url = new URL(req.url!, 'http://x');
      const page = pages[url.searchParams.get('continue') ?? '']!;
      json(res, 200, { items: page.items, metadata: { resourceVersion: '9', continue: page.next } });
    });
    const before = api.requests.length;
    const names = (await client.listTenants({ pageSize: 2, labelSelector: 'x=y' })).map(
      (t) => t.metadata.name,
    );
    expect(names).toEqual(['a', 'b', 'c']);
    const urls = api.requests.slice(before).map((r) => r.url);
    expect(urls).toEqual([
      '/apis/platform.contextweaver.io/v1alpha1/tenants?labelSelector=x%3Dy&limit=2',
      '/apis/platform.contextweaver.io/v1alpha1/tenants?labelSelector=x%3Dy&limit=2&continue=p2',
    ]);
  });

  it('waits for a deleted Tenant to go by watching it, not by polling', async () => {
    api.route((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (req.method === 'DELETE') return json(res, 200, tenant('gone-soon', '5'));
      if (url.searchParams.get('watch') === 'true') {
        // The finalizer runs for a while, then the Tenant goes: one DELETED event on the stream.
        res.writeHead(200, { 'Content-Type': 'application/json' });
        setTimeout(() => {
          res.write(`${JSON.stringify({ type: 'DELETED', object: tenant('gone-soon', '6') })}\n`);
          res.end();
        }, 300);
        return;
      }
      json(res, 200, { items: [tenant('gone-soon', '5')], metadata: { resourceVersion: '5' } });
    });
    const before = api.requests.length;
    const started = Date.now();
    expect(await client.deleteTenant('gone-soon', { wait: true, timeoutMs: 5_000 })).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const gets = api.requests.slice(before).filter((r) => r.method === 'GET');
    // One list and one watch: no GET of the Tenant repeated until it is gone.
    expect(gets.map((r) => new URL(r.url, 'http://x').searchParams.get('watch') ?? 'list')).toEqual([
      'list',
      'true',
    ]);
  });

  it('returns at once when the Tenant is already gone', async () => {
    api.route((req, res) => {
      if (req.method === 'DELETE') return json(res, 404, { kind: 'Status', reason: 'NotFound' });
      const url = new URL(req.url!, 'http://x');
      if (url.searchParams.get('watch') === 'true') return; // never answers; the list decides
      json(res, 200, { items: [], metadata: { resourceVersion: '7' } });
    });
    expect(await client.deleteTenant('never-was', { wait: true, timeoutMs: 2_000 })).toBe(false);
  });
});
