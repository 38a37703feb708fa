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
});
