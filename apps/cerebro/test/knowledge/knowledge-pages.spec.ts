/**
 * The Knowledge pages end to end on a real pgvector index (PGlite, in memory, one per file):
 * Alice's P5 note, group A's P4 rule, the org's P3 rule; Bob of group B never sees group A's
 * chunk even when he searches for its exact words; a viewer cannot write P3; delete removes the
 * source; every ingest/delete (and refusal) is an audit row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { chromiumAvailable, launchChromium } from '@cw/testing/browser';
import { listAudit } from '../../src/audit/audit.js';
import { MANAGER, startCerebro, type CerebroHarness, type TestClient } from '../support/cerebro.harness.js';

const GROUP_A_RULE = 'Quarterly figures for the falcon project stay inside team falcon until release.';
const ORG_RULE = 'Every customer email ends with the standard compliance footer about quarterly figures.';
const ALICE_NOTE = 'Alice signs her mails with a short greeting and never shares quarterly figures.';

let h: CerebroHarness;
let alice: TestClient;
let bob: TestClient;
let boss: TestClient;
let groupA = '';

const csrfOf = (page: string): string => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
const search = async (c: TestClient, q: string) =>
  (await c.get(`/knowledge?q=${encodeURIComponent(q)}`)).text;
/** The hit list only (the heading echoes the query). */
const resultsOf = (page: string) =>
  page.split('id="k-results"')[1]?.split('</h2>')[1]?.split('id="k-add"')[0] ?? '';

beforeAll(async () => {
  h = await startCerebro({
    knowledge: {
      search: { kind: 'pgvector', connection: { driver: 'pglite' } },
      embedder: { kind: 'local-lexical' },
    },
  });
  alice = await h.signedIn('alice@acme.test', 'viewer', 'Alice');
  bob = await h.signedIn('bob@acme.test', 'viewer', 'Bob');
  boss = await h.signedIn(MANAGER, 'manager', 'Boss');
  const s = h.booted.app.services;
  const person = (email: string, name: string) => ({ userId: s.users.idOf(email), email, displayName: name });
  groupA = (await s.groups.create(person('alice@acme.test', 'Alice'), { name: 'Falcon', description: '' }))
    .groupId;
  await s.groups.create(person('bob@acme.test', 'Bob'), { name: 'Heron', description: '' });
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

describe('knowledge pages', () => {
  it('offers each person only the levels they may write', async () => {
    const page = (await alice.get('/knowledge')).text;
    expect(page).toContain(`value="P4:${groupA}"`);
    expect(page).not.toContain('value="P3"');
    expect((await boss.get('/knowledge')).text).toContain('value="P3"');
    expect(page).toContain('href="/knowledge"');
  });

  it('writes P5, P4 and P3 and audits each ingest', async () => {
    await alice.get('/knowledge');
    let r = await alice.post('/knowledge/text', { scope: 'P5', title: 'alice-signature', text: ALICE_NOTE });
    expect(r.status).toBe(303);
    await alice.get('/knowledge');
    r = await alice.post('/knowledge/text', {
      scope: `P4:${groupA}`,
      title: 'falcon-secrecy',
      text: GROUP_A_RULE,
      policyKey: 'figures.sharing',
    });
    expect(r.status).toBe(303);
    await boss.get('/knowledge');
    r = await boss.post('/knowledge/text', { scope: 'P3', title: 'org-footer', text: ORG_RULE });
    expect(r.status).toBe(303);
    const rows = await listAudit(h.booted.deps, { action: 'knowledge.ingest' });
    expect(rows.filter((x) => x.outcome === 'ok')).toHaveLength(3);
    expect(JSON.stringify(rows)).not.toContain('@acme.test');
  });

  it('shows Alice her P5 note and her group’s P4 rule with their levels', async () => {
    const hits = resultsOf(await search(alice, 'quarterly figures'));
    expect(hits).toContain('<strong>P5</strong>');
    expect(hits).toContain('<strong>P4</strong>');
    expect(hits).toContain('falcon-secrecy');
    expect(hits).toContain('alice-signature');
  });

  it('never shows Bob (group B) group A’s chunk, even for its exact words', async () => {
    const hits = resultsOf(await search(bob, GROUP_A_RULE));
    expect(hits).not.toContain('falcon');
    expect(hits).not.toContain('alice-signature');
    expect(hits).toContain('org-footer');
    expect(hits).toContain('<strong>P3</strong>');
  });

  it('refuses a viewer writing P3 with a 403 naming why, audited', async () => {
    await bob.get('/knowledge');
    const r = await bob.post('/knowledge/text', {
      scope: 'P3',
      title: 'sneaky',
      text: 'org rule by a viewer',
    });
    expect(r.status).toBe(403);
    expect(r.text).toMatch(/Refused: .*manager/i);
    const rows = await listAudit(h.booted.deps, { action: 'knowledge.ingest' });
    expect(rows.some((x) => x.outcome === 'refused' && x.target === 'P3')).toBe(true);
    expect(resultsOf(await search(alice, 'org rule by a viewer'))).not.toContain('sneaky');
  });

  it('refuses Bob writing group A’s P4 (not its admin)', async () => {
    await bob.get('/knowledge');
    const r = await bob.post('/knowledge/text', { scope: `P4:${groupA}`, title: 'x', text: 'y' });
    expect(r.status).toBe(403);
    expect(r.text).toContain('only an admin of that group');
  });

  it('answers 400 naming the field for bad input', async () => {
    await alice.get('/knowledge');
    let r = await alice.post('/knowledge/text', { scope: 'P5', title: '', text: 'x' });
    expect(r.status).toBe(400);
    expect(r.text).toContain('title: is required');
    await alice.get('/knowledge');
    r = await alice.post('/knowledge/text', { scope: 'P9', title: 't', text: 'x' });
    expect(r.status).toBe(400);
    expect(r.text).toContain('scope:');
    await alice.get('/knowledge');
    r = await alice.post('/knowledge/text', { scope: 'P5', title: 't', text: 'x', policyKey: 'Bad Key!' });
    expect(r.status).toBe(400);
    expect(r.text).toContain('policyKey:');
    expect((await alice.get('/knowledge?q=')).status).toBe(200);
  });

  it('ingests an uploaded Markdown file (multipart) and refuses one without CSRF', async () => {
    const upload = async (csrf: string, name: string, body: string) => {
      const form = new FormData();
      form.set('_csrf', csrf);
      form.set('scope', 'P5');
      form.set('file', new File([body], name, { type: 'text/markdown' }));
      return fetch(new URL('/knowledge/upload', h.url), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: `cw_session=${alice.cookies.get('cw_session')}` },
        body: form,
      });
    };
    const csrf = csrfOf((await alice.get('/knowledge')).text);
    const ok = await upload(
      csrf,
      'pelican-notes.md',
      '# Pelican\n\nPelicans migrate over the lagoon in spring.',
    );
    expect(ok.status).toBe(303);
    expect(resultsOf(await search(alice, 'pelicans migrate lagoon'))).toContain('pelican-notes');
    expect((await upload('forged', 'x.md', 'x')).status).toBe(403);
    const zip = await upload(csrf, 'bundle.zip', 'PK\u0003\u0004 not really');
    expect(zip.status).toBe(400);
    expect(await zip.text()).toContain('file:');
  });

  it.skipIf(!chromiumAvailable())(
    'searches like a person in Chromium (screenshot to CEREBRO_SCREENSHOTS)',
    async () => {
      const browser = await launchChromium();
      try {
        const context = await browser.newContext();
        await context.addCookies([
          { name: 'cw_session', value: alice.cookies.get('cw_session')!, url: h.url },
        ]);
        const page = await context.newPage();
        await page.goto(`${h.url}/knowledge`);
        await page.getByLabel('Search').fill('quarterly figures');
        await page.keyboard.press('Enter');
        await page.waitForURL(/q=quarterly/);
        const hits = page.locator('ol.knowledge-hits > li');
        expect(await hits.count()).toBeGreaterThanOrEqual(2);
        expect(await page.locator('ol.knowledge-hits').innerText()).toContain('P4 · GROUP_POLICY');
        await page.getByRole('link', { name: 'Knowledge' }).waitFor();
        if (process.env.CEREBRO_SCREENSHOTS)
          await page.screenshot({
            path: join(process.env.CEREBRO_SCREENSHOTS, 'knowledge-search.png'),
            fullPage: true,
          });
      } finally {
        await browser.close();
      }
    },
    60_000,
  );

  it('deletes a source: gone from search and list, audited; others cannot delete it', async () => {
    const page = (await alice.get('/knowledge')).text;
    const id =
      /name="sourceId" value="([a-f0-9]+)" \/><button type="submit" class="danger">Delete alice-signature/.exec(
        page,
      )?.[1];
    expect(id).toBeTruthy();
    await bob.get('/knowledge');
    expect((await bob.post('/knowledge/delete', { sourceId: id! })).status).toBe(403);
    await alice.get('/knowledge');
    expect((await alice.post('/knowledge/delete', { sourceId: id! })).status).toBe(303);
    expect(resultsOf(await search(alice, ALICE_NOTE))).not.toContain('alice-signature');
    expect((await alice.get('/knowledge')).text).not.toContain('Delete alice-signature');
    const rows = await listAudit(h.booted.deps, { action: 'knowledge.delete' });
    expect(rows.map((x) => x.outcome).sort()).toEqual(['ok', 'refused']);
    await alice.get('/knowledge');
    expect((await alice.post('/knowledge/delete', { sourceId: id! })).status).toBe(404);
  });
});

describe('knowledge pages without a knowledge base in the config', () => {
  it('says so on the page and answers 404 to the forms', async () => {
    const plain = await startCerebro();
    try {
      const c = await plain.signedIn('carol@acme.test', 'viewer', 'Carol');
      const page = await c.get('/knowledge');
      expect(page.status).toBe(200);
      expect(page.text).toContain('No knowledge base is configured');
      expect((await c.post('/knowledge/text', { scope: 'P5', title: 't', text: 'x' })).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});
