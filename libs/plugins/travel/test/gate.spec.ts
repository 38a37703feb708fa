// The plugins through the real gate (libs/mcp-gate): the gate alone enforces read-only and
// approval from the plugins' metadata; the downstream servers show whether anything ran.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gate, type GateSettings, type ToolUser } from '@cw/mcp-gate';
import { createGuardedFetch } from '@cw/outbound';
import { MemoryTenantStore } from '@cw/tenant-store';
import { startGithubServer, type GithubTestServer } from '@cw/testing/github';
import { startTravelServer, type TravelTestServer } from '@cw/testing/travel';
import { CredentialResolver, MemoryVaultBackend } from '@cw/vault';
import { plugin as email } from '@cw/plugin-email';
import { plugin as github } from '@cw/plugin-github';
import { plugin as travel } from '../src/index.js';

describe('email, github and travel through the gate', () => {
  let api: TravelTestServer;
  let gh: GithubTestServer;
  let gate: Gate;
  let settings: GateSettings;
  const alice: ToolUser = {
    id: 'user-alice',
    email: 'alice@example.com',
    role: 'developer',
    groups: ['eng'],
    tenant: 'acme',
  };
  const manager: ToolUser = {
    id: 'user-mona',
    email: 'mona@example.com',
    role: 'manager',
    groups: [],
    tenant: 'acme',
  };

  beforeAll(async () => {
    api = await startTravelServer({ apiKeys: { key_alice: 'alice' } });
    gh = await startGithubServer({
      tokens: { ghp_alice: 'alice' },
      repos: [{ owner: 'acme', name: 'api', collaborators: ['alice'] }],
    });
    const backend = new MemoryVaultBackend('acme');
    for (const [plugin, name, value] of [
      ['travel', 'api_key', 'key_alice'],
      ['github', 'token', 'ghp_alice'],
      ['email', 'account', 'alice@acme.test:pw'],
    ] as const)
      await backend.put({ plugin, name, scope: { level: 'user', userId: 'user-alice' } }, value, 'admin-1');
    const store = new MemoryTenantStore('acme');
    await store.init();
    settings = {
      engine: 'main',
      plugins: ['travel', 'github', 'email'],
      readOnly: false,
      maintenance: false,
      auditLog: true,
      pluginConfig: { travel: { baseUrl: api.url }, github: { baseUrl: gh.url } },
      timeoutMs: 10_000,
      maxRequestBytes: 1024 * 1024,
      maxResultBytes: 1024 * 1024,
      approvalTtlSeconds: 600,
    };
    gate = new Gate(
      {
        store,
        credentials: new CredentialResolver(backend, { cacheTtlMs: 0 }),
        salt: 'salt-acme',
        fetch: createGuardedFetch({ allowHosts: [new URL(api.url).host, new URL(gh.url).host] }),
        catalog: [travel, github, email],
      },
      settings,
    );
  });
  afterAll(async () => {
    await api.close();
    await gh.close();
  });

  const offer = async () => {
    const found = await gate.call(alice, 'travel.search_flights', {
      from: 'ZRH',
      to: 'LHR',
      date: '2027-05-01',
    });
    expect(found.result).toBe('ok');
    return (found.structured!.offers as { id: string; price: { amount: number } }[])[0]!;
  };

  it('booking parks for approval; after a manager approves it runs once', async () => {
    const o = await offer();
    const args = {
      offer_id: o.id,
      passengers: [{ name: 'Alice', email: 'alice@example.com' }],
      max_price: 1999,
    };
    const parked = await gate.call(alice, 'travel.book', args);
    expect(parked.result).toBe('pending');
    expect(api.bookings.size).toBe(0);
    const id = (parked.decision as { approvalId: string }).approvalId;
    expect((await gate.approvals.decide(id, 'approved', manager)).decision).toBe('allow');
    const ran = await gate.call(alice, 'approvals.run', { approvalId: id });
    expect(ran.result).toBe('ok');
    expect([...api.bookings.values()]).toHaveLength(1);
    expect([...api.bookings.values()][0]).toMatchObject({ account: 'alice', offerId: o.id });
    const replay = await gate.call(alice, 'approvals.run', { approvalId: id });
    expect(replay.text).toMatch(/^refused: approval: .*already run/);
    expect(api.bookings.size).toBe(1);
  });

  it('a booking above the default amount limit is refused before approval', async () => {
    const o = await offer();
    const r = await gate.call(alice, 'travel.book', {
      offer_id: o.id,
      passengers: [{ name: 'Alice', email: 'alice@example.com' }],
      max_price: 2500,
    });
    expect(r.text).toBe('refused: limit: travel.book.max_price is above the default limit of 2000');
  });

  it('a rejected booking never runs', async () => {
    const o = await offer();
    const parked = await gate.call(alice, 'travel.book', {
      offer_id: o.id,
      passengers: [{ name: 'Alice', email: 'alice@example.com' }],
      max_price: 1999,
    });
    const id = (parked.decision as { approvalId: string }).approvalId;
    await gate.approvals.decide(id, 'rejected', manager);
    const before = api.bookings.size;
    expect((await gate.call(alice, 'approvals.run', { approvalId: id })).result).toBe('refused');
    expect(api.bookings.size).toBe(before);
  });

  it('a read-only engine refuses every write and destructive tool, and still serves reads', async () => {
    gate.update({ ...settings, readOnly: true });
    try {
      const ghBefore = gh.requests.length;
      const travelBefore = api.requests.length;
      for (const [tool, args] of [
        ['email.send', { to: ['x@partner.test'], subject: 's', text: 't' }],
        ['email.send_html', { to: ['x@partner.test'], subject: 's', html: '<p>t</p>' }],
        ['github.create_issue', { owner: 'acme', repo: 'api', title: 'x' }],
        ['github.comment', { owner: 'acme', repo: 'api', issue_number: 1, body: 'x' }],
        [
          'travel.book',
          { offer_id: 'off_1', passengers: [{ name: 'A', email: 'a@example.com' }], max_price: 10 },
        ],
        ['travel.cancel', { booking_id: 'bkg_1' }],
      ] as const) {
        const r = await gate.call(alice, tool, args);
        expect(r.result, tool).toBe('refused');
        expect(r.text, tool).toMatch(/^refused: read-only/);
      }
      expect(gh.requests.length).toBe(ghBefore);
      expect(api.requests.length).toBe(travelBefore);
      expect((await gate.call(alice, 'github.list_repos', { limit: 5 })).result).toBe('ok');
      const listed = (await gate.listTools(alice)).map((t) => t.name);
      expect(listed).toContain('travel.search_flights');
      expect(listed).not.toContain('travel.book');
    } finally {
      gate.update(settings);
    }
  });
});
