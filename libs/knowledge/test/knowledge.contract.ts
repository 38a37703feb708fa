/**
 * The one contract every knowledge backend passes (STYLE 12): the seeds' scenarios, the override
 * order, group walls under verbatim queries, generated principals and ACLs with zero
 * unauthorised hits, tenant isolation for prefix slugs, idempotent re-ingest, atomic failed
 * re-ingest, and delete. Registered by pgvector.spec.ts, azure-search.spec.ts, opensearch.spec.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Knowledge,
  KnowledgeForbiddenError,
  LocalLexicalEmbedder,
  SourceRejectedError,
  purgeTenantKnowledge,
  type Embedder,
  type KnowledgeAuditEvent,
  type KnowledgeIndex,
  type KnowledgeResult,
  type SearchPrincipal,
} from '../src/index.js';
import * as seed from './seed-corpus.js';

export interface ContractBackend {
  /** An index for that tenant (cloud backends: the tenant's own index name). */
  open(tenant: string): Promise<KnowledgeIndex>;
  /** Makes the backend's next chunk write fail (after part of it may have been written). */
  failNextWrite?(): void;
  teardown(): Promise<void>;
}

export const embedder = new LocalLexicalEmbedder({ dimensions: 128 });

/** Every tenant the contract opens: the cloud backends' local servers grant exactly these. */
export const CONTRACT_TENANTS = [
  'bank',
  'hospital',
  'freelance',
  'acme',
  'acme-eu',
  'prop',
  'lifecycle',
  'atomic',
  'purge',
  'purge-eu',
] as const;

const titles = (rs: readonly KnowledgeResult[]) => [...new Set(rs.map((r) => r.source.title))].sort();

/** Deterministic PRNG (mulberry32) so a failing generated case can be replayed from its seed. */
export function prng(seedValue: number): () => number {
  let a = seedValue >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function knowledgeContract(name: string, setup: () => Promise<ContractBackend>): void {
  describe(`knowledge contract: ${name}`, () => {
    let backend: ContractBackend;
    const kb: Record<string, Knowledge> = {};
    const audit: KnowledgeAuditEvent[] = [];
    const open = async (tenant: string, emb: Embedder = embedder) => {
      const index = await backend.open(tenant);
      await index.init();
      return new Knowledge({
        tenant,
        index,
        embedder: emb,
        audit: (e) => void audit.push(e),
        tenantSalt: 'salt-',
      });
    };
    const load = async (tenant: string, docs: readonly seed.SeedDoc[]) => {
      kb[tenant] = await open(tenant);
      for (const d of docs)
        await kb[tenant].ingest(seed.writerFor(tenant, d), {
          scope: d.scope,
          source: { kind: 'text', title: d.title, text: d.text },
          ...(d.policyKey ? { policyKey: d.policyKey } : {}),
        });
    };

    beforeAll(async () => {
      backend = await setup();
      await load(seed.BANK, seed.bankDocs);
      await load(seed.HOSPITAL, seed.hospitalDocs);
      await load(seed.FREELANCE, seed.freelanceDocs);
    });
    afterAll(async () => backend?.teardown());

    it('bank: each principal gets exactly the permitted chunks, P5 over P4 over P3 per policyKey', async () => {
      const bank = kb[seed.BANK]!;
      const who = { sarah: seed.sarah, tom: seed.tom, ann: seed.ann };
      for (const [label, p] of Object.entries(who))
        expect([label, titles(await bank.search(p, 'email disclaimer policy', { k: 50 }))]).toEqual([
          label,
          [...seed.bankExpected[label]!].sort(),
        ]);
      const sarah = await bank.search(seed.sarah, 'what disclaimer goes on my email?', { k: 5 });
      const disclaimer = sarah.filter((r) => r.policyKey === 'email-disclaimer');
      expect(disclaimer.map((r) => [r.level, r.source.title])).toEqual([['P5', 'sarah-disclaimer']]);
      const tom = await bank.search(seed.tom, 'what disclaimer goes on my email?', { k: 5 });
      expect(tom.filter((r) => r.policyKey === 'email-disclaimer').map((r) => r.level)).toEqual(['P4']);
      const ann = await bank.search(seed.ann, 'what disclaimer goes on my email?', { k: 5 });
      expect(ann.filter((r) => r.policyKey === 'email-disclaimer').map((r) => r.level)).toEqual(['P3']);
    });

    it('results carry their level', async () => {
      const rs = await kb[seed.BANK]!.search(seed.sarah, 'insider trading handbook', { k: 3 });
      expect(rs[0]).toMatchObject({ level: 'P1', source: { title: 'handbook' } });
      expect(rs.every((r) => ['P1', 'P2', 'P3', 'P4', 'P5'].includes(r.level))).toBe(true);
    });

    it('hospital: departments never see each other, even with a verbatim query', async () => {
      const h = kb[seed.HOSPITAL]!;
      const verbatim = seed.hospitalDocs.find((d) => d.title === 'oncology-record')!.text;
      const patel = await h.search(seed.patel, verbatim, { k: 50 });
      expect(titles(patel)).toEqual([...seed.hospitalExpected.patel!].sort());
      expect(patel.some((r) => r.text.includes('44719'))).toBe(false);
      const kim = await h.search(
        seed.kim,
        seed.hospitalDocs.find((d) => d.title === 'cardiology-record')!.text,
        { k: 50 },
      );
      expect(titles(kim)).toEqual([...seed.hospitalExpected.kim!].sort());
      const onlyOwn = await h.search({ ...seed.patel, userId: 'nurse', groups: [] }, verbatim, { k: 50 });
      expect(titles(onlyOwn)).toEqual(['hipaa']);
    });

    it("freelancer: one client's workspace never shows the other's", async () => {
      const f = kb[seed.FREELANCE]!;
      expect(
        titles(await f.search(seed.franAtAcme, 'StartupXYZ Vercel bob@startupxyz.example', { k: 50 })),
      ).toEqual([...seed.freelanceExpected.franAtAcme!].sort());
      expect(
        titles(await f.search(seed.franAtXyz, 'Project Phoenix NDA jane@acme.example', { k: 50 })),
      ).toEqual([...seed.freelanceExpected.franAtXyz!].sort());
    });

    it('tenants acme and acme-eu never mix', async () => {
      const acme = await open('acme');
      const eu = await open('acme-eu');
      const m = seed.manager('acme');
      await acme.ingest(m, {
        scope: { level: 'P3' },
        source: {
          kind: 'text',
          title: 'travel',
          text: 'Acme travel policy: economy class, hotels up to 150 USD.',
        },
      });
      await eu.ingest(seed.manager('acme-eu'), {
        scope: { level: 'P3' },
        source: {
          kind: 'text',
          title: 'travel',
          text: 'Acme EU travel policy: rail first for trips under 600 km, hotels up to 140 EUR.',
        },
      });
      const us = await acme.search(
        { tenant: 'acme', userId: 'u', groups: [] },
        'Acme EU travel policy rail hotels EUR',
        { k: 50 },
      );
      expect(us.map((r) => r.text)).toEqual(['Acme travel policy: economy class, hotels up to 150 USD.']);
      const e = await eu.search(
        { tenant: 'acme-eu', userId: 'u', groups: [] },
        'Acme travel policy economy USD',
        { k: 50 },
      );
      expect(e.map((r) => r.text)).toEqual([
        'Acme EU travel policy: rail first for trips under 600 km, hotels up to 140 EUR.',
      ]);
      await expect(
        acme.search({ tenant: 'acme-eu', userId: 'u', groups: [] }, 'travel'),
      ).rejects.toBeInstanceOf(KnowledgeForbiddenError);
    });

    it('generated principals and ACLs: zero unauthorised hits, and every permitted chunk reachable', async () => {
      const tenant = 'prop';
      const k = await open(tenant);
      const rand = prng(20261207);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
      const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'],
        groups = ['g0', 'g1', 'g2', 'g3'],
        plugins = ['email', 'github'],
        engines = ['e0', 'e1'];
      const words = [
        'budget',
        'travel',
        'invoice',
        'deploy',
        'patient',
        'disclaimer',
        'limit',
        'approval',
        'record',
        'refund',
      ];
      const docs: { title: string; scope: seed.SeedDoc['scope'] }[] = [];
      for (let i = 0; i < 40; i++) {
        const level = pick(['P5', 'P4', 'P3', 'P2', 'P1'] as const);
        const scope =
          level === 'P5'
            ? { level, userId: pick(users) }
            : level === 'P4'
              ? { level, groupId: pick(groups) }
              : level === 'P3'
                ? { level }
                : level === 'P2'
                  ? { level, plugin: pick(plugins) }
                  : { level, engine: pick(engines) };
        const title = `doc-${i}`;
        docs.push({ title, scope });
        const text = `${title} ${Array.from({ length: 8 }, () => pick(words)).join(' ')}.`;
        await k.ingest(seed.writerFor(tenant, { title, scope, text }), {
          scope,
          source: { kind: 'text', title, text },
        });
      }
      const permitted = (p: SearchPrincipal, s: seed.SeedDoc['scope']) =>
        s.level === 'P5'
          ? s.userId === p.userId
          : s.level === 'P4'
            ? p.groups.includes(s.groupId)
            : s.level === 'P3'
              ? true
              : s.level === 'P2'
                ? (p.plugins ?? []).includes(s.plugin)
                : (p.engines ?? []).includes(s.engine);
      let checked = 0;
      for (let n = 0; n < 25; n++) {
        const p: SearchPrincipal = {
          tenant,
          userId: pick(users),
          groups: groups.filter(() => rand() < 0.4),
          plugins: plugins.filter(() => rand() < 0.5),
          engines: engines.filter(() => rand() < 0.5),
        };
        const rs = await k.search(p, `${pick(words)} ${pick(words)}`, { k: 50 });
        const allowed = new Set(docs.filter((d) => permitted(p, d.scope)).map((d) => d.title));
        const unauthorised = rs.filter((r) => !allowed.has(r.source.title));
        expect({ principal: p, unauthorised }).toEqual({ principal: p, unauthorised: [] });
        expect(titles(rs)).toEqual([...allowed].sort());
        checked += rs.length;
      }
      expect(checked).toBeGreaterThan(100);
    });

    it('re-ingest is idempotent; changed content replaces the old version; delete removes every chunk', async () => {
      const k = await open('lifecycle');
      const m = seed.manager('lifecycle');
      const long = Array.from(
        { length: 30 },
        (_, i) => `Paragraph ${i} about the expense policy and receipts number ${i}.`,
      ).join('\n\n');
      const req = {
        scope: { level: 'P3' as const },
        source: { kind: 'text' as const, title: 'expenses', text: long },
      };
      const first = await k.ingest(m, { ...req, source: { ...req.source } });
      expect(first.chunks).toBeGreaterThan(1);
      const again = await k.ingest(m, req);
      expect(again).toMatchObject({ sourceId: first.sourceId, unchanged: true, chunks: first.chunks });
      const index = await backend.open('lifecycle');
      expect(await index.countChunks('lifecycle', first.sourceId)).toBe(first.chunks);
      const v2 = await k.ingest(m, {
        ...req,
        source: { ...req.source, text: 'Expense policy v2: receipts over 25 EUR only.' },
      });
      expect(v2).toMatchObject({ sourceId: first.sourceId, unchanged: false, chunks: 1 });
      expect(await index.countChunks('lifecycle', first.sourceId)).toBe(1);
      const rs = await k.search({ tenant: 'lifecycle', userId: 'x', groups: [] }, 'expense policy receipts', {
        k: 50,
      });
      expect(rs.map((r) => r.text)).toEqual(['Expense policy v2: receipts over 25 EUR only.']);
      expect(await k.delete(m, first.sourceId)).toBe(1);
      expect(await index.countChunks('lifecycle', first.sourceId)).toBe(0);
      expect(
        await k.search({ tenant: 'lifecycle', userId: 'x', groups: [] }, 'expense policy receipts', {
          k: 50,
        }),
      ).toEqual([]);
      expect(await k.listSources(m)).toEqual([]);
    });

    it("offboarding purge: every source and chunk of one tenant at every level, nothing of a prefix slug's; repeatable", async () => {
      const gone = await open('purge');
      const kept = await open('purge-eu');
      const long = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} of the purge canary notes.`).join(
        '\n\n',
      );
      await gone.ingest(seed.manager('purge'), {
        scope: { level: 'P3' },
        source: { kind: 'text', title: 'org notes', text: long },
      });
      await gone.ingest(
        { tenant: 'purge', userId: 'ada', groups: [], roles: ['viewer'] },
        {
          scope: { level: 'P5', userId: 'ada' },
          source: { kind: 'text', title: 'mine', text: 'Ada signs with a purge canary.' },
        },
      );
      await kept.ingest(seed.manager('purge-eu'), {
        scope: { level: 'P3' },
        source: { kind: 'text', title: 'eu notes', text: 'The purge canary of the EU tenant stays.' },
      });
      const goneIndex = await backend.open('purge');
      const keptIndex = await backend.open('purge-eu');
      const before = await goneIndex.countChunks('purge');
      expect(before).toBeGreaterThanOrEqual(2);
      expect(await purgeTenantKnowledge(goneIndex, 'purge')).toEqual({ sources: 2, chunks: before });
      expect(await goneIndex.countChunks('purge')).toBe(0);
      expect(await goneIndex.listSources('purge')).toEqual([]);
      expect(
        await gone.search({ tenant: 'purge', userId: 'ada', groups: [] }, 'purge canary', { k: 50 }),
      ).toEqual([]);
      // The prefix slug keeps everything.
      expect(await keptIndex.countChunks('purge-eu')).toBe(1);
      expect(
        (await kept.search({ tenant: 'purge-eu', userId: 'x', groups: [] }, 'purge canary', { k: 50 })).map(
          (r) => r.text,
        ),
      ).toEqual(['The purge canary of the EU tenant stays.']);
      // A retry after a crash finds nothing left.
      expect(await purgeTenantKnowledge(goneIndex, 'purge')).toEqual({ sources: 0, chunks: 0 });
    });

    it('a failed re-ingest leaves the previous version searchable, never half of each', async () => {
      const tenant = 'atomic';
      const k = await open(tenant);
      const m = seed.manager(tenant);
      const v1 = Array.from({ length: 12 }, (_, i) => `Version one rule ${i}: refunds within 30 days.`).join(
        '\n\n',
      );
      const first = await k.ingest(m, {
        scope: { level: 'P3' },
        source: { kind: 'text', title: 'refunds', text: v1 },
      });
      // Extraction failure (corrupt PDF under the same key): nothing is written.
      await expect(
        k.ingest(m, {
          key: 'refunds',
          scope: { level: 'P3' },
          source: {
            kind: 'file',
            filename: 'refunds.pdf',
            bytes: new TextEncoder().encode('%PDF-1.7\n garbage'),
          },
        }),
      ).rejects.toMatchObject({ name: 'SourceRejectedError', source: 'refunds.pdf', reason: 'corrupt' });
      // Embedder failure half-way through.
      const flaky: Embedder = {
        id: embedder.id,
        dimensions: embedder.dimensions,
        semantic: false,
        embed: () => Promise.reject(new Error('embedder down')),
      };
      const kFlaky = new Knowledge({ tenant, index: await backend.open(tenant), embedder: flaky });
      const many = Array.from(
        { length: 200 },
        (_, i) => `Version two rule ${i}: refunds within 14 days.`,
      ).join('\n\n');
      await expect(
        kFlaky.ingest(m, { scope: { level: 'P3' }, source: { kind: 'text', title: 'refunds', text: many } }),
      ).rejects.toThrow('embedder down');
      // Backend write failure (where the backend can inject one).
      if (backend.failNextWrite) {
        backend.failNextWrite();
        await expect(
          k.ingest(m, { scope: { level: 'P3' }, source: { kind: 'text', title: 'refunds', text: many } }),
        ).rejects.toThrow();
      }
      const rs = await k.search({ tenant, userId: 'x', groups: [] }, 'refunds rule days', { k: 50 });
      expect(rs.length).toBe(first.chunks);
      expect(rs.every((r) => r.text.startsWith('Version one'))).toBe(true);
    });

    it('only permitted writers write; every ingest and delete is audited with hashed ids', async () => {
      const k = kb[seed.BANK]!;
      const before = audit.length;
      const viewer = {
        tenant: seed.BANK,
        userId: 'tom@bank.example',
        roles: ['viewer'],
        groups: ['equity-research'],
      };
      await expect(
        k.ingest(viewer, {
          scope: { level: 'P5', userId: 'sarah@bank.example' },
          source: { kind: 'text', title: 'x', text: 'x' },
        }),
      ).rejects.toBeInstanceOf(KnowledgeForbiddenError);
      await expect(
        k.ingest(viewer, {
          scope: { level: 'P4', groupId: 'equity-research' },
          source: { kind: 'text', title: 'x', text: 'x' },
        }),
      ).rejects.toBeInstanceOf(KnowledgeForbiddenError);
      await expect(
        k.ingest(viewer, { scope: { level: 'P3' }, source: { kind: 'text', title: 'x', text: 'x' } }),
      ).rejects.toBeInstanceOf(KnowledgeForbiddenError);
      const own = await k.ingest(viewer, {
        scope: { level: 'P5', userId: viewer.userId },
        source: { kind: 'text', title: 'tom-notes', text: 'Tom prefers short emails.' },
      });
      const [sarahSig] = (await k.listSources(seed.writerFor(seed.BANK, seed.bankDocs[1]!))).filter(
        (s) => s.title === 'sarah-signature',
      );
      await expect(k.delete(viewer, sarahSig!.sourceId)).rejects.toBeInstanceOf(KnowledgeForbiddenError);
      await k.delete(viewer, own.sourceId);
      const events = audit.slice(before);
      expect(events.map((e) => `${e.action}:${e.decision}:${e.level}`)).toEqual([
        'ingest:deny:P5',
        'ingest:deny:P4',
        'ingest:deny:P3',
        'ingest:allow:P5',
        'delete:deny:P5',
        'delete:allow:P5',
      ]);
      expect(JSON.stringify(events)).not.toContain('@bank.example');
      expect(events[0]!.actor).toMatch(/^[0-9a-f]{64}$/);
    });

    it('bad input names the source and the reason, and writes nothing', async () => {
      const k = kb[seed.BANK]!;
      const m = seed.manager(seed.BANK);
      const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new Array(40).fill(0)]);
      await expect(
        k.ingest(m, { scope: { level: 'P3' }, source: { kind: 'file', filename: 'all.zip', bytes: zip } }),
      ).rejects.toMatchObject({ source: 'all.zip', reason: 'archive' });
      await expect(
        k.ingest(m, {
          scope: { level: 'P3' },
          source: { kind: 'file', filename: 'photo.png', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) },
        }),
      ).rejects.toMatchObject({ source: 'photo.png', reason: 'unsupported-type' });
      await expect(
        k.ingest(m, {
          scope: { level: 'P3' },
          source: {
            kind: 'file',
            filename: 'latin.txt',
            bytes: new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff]),
          },
        }),
      ).rejects.toMatchObject({ source: 'latin.txt', reason: 'encoding' });
      await expect(
        k.ingest(m, {
          scope: { level: 'P3' },
          source: { kind: 'url', url: 'http://169.254.169.254/latest/meta-data' },
        }),
      ).rejects.toBeInstanceOf(SourceRejectedError);
      const sources = await k.listSources(m);
      expect(sources.map((s) => s.title)).not.toContain('all.zip');
    });
  });
}
