// Payments, email, GitHub and travel in a real engine, each against its local server: credentials come
// from the engine's vault at the user, group and org level (the downstream server shows which
// one it saw), outbound goes through the engine's guard with the config's test allowlist (SMTP
// and IMAP included), write tools are refused on a read-only engine, a booking needs approval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGithubServer, type GithubTestServer } from '@cw/testing/github';
import {
  startImapServer,
  startSmtpServer,
  type ImapTestServer,
  type SmtpTestServer,
} from '@cw/testing/mail-servers';
import { startStripeServer, type StripeTestServer } from '@cw/testing/stripe';
import { startTravelServer, type TravelTestServer } from '@cw/testing/travel';
import type { MemoryVaultBackend } from '@cw/vault';
import { USERS, startHarness, textOf, type Harness } from './support/harness.js';
import type { TestUser } from './support/token-issuer.js';

const person = (sub: string, groups: string[]): TestUser => ({
  sub,
  email: `${sub}@acme-corp.test`,
  roles: ['developer'],
  groups,
});
const OWN = person('u-alice', ['eng']);
const GROUP = person('u-bob', ['eng']);
const ORG = person('u-carol', ['sales']);
const LEVELS = [
  ['own', OWN],
  ['group', GROUP],
  ['org', ORG],
] as const;

async function cascade(
  vault: MemoryVaultBackend,
  plugin: string,
  name: string,
  values: { own: string; group: string; org: string },
) {
  await vault.put({ plugin, name, scope: { level: 'user', userId: OWN.sub } }, values.own, 'admin');
  await vault.put({ plugin, name, scope: { level: 'group', groupId: 'eng' } }, values.group, 'admin');
  await vault.put({ plugin, name, scope: { level: 'org' } }, values.org, 'admin');
}

describe('payments, email, github and travel through the engine', () => {
  let smtp: SmtpTestServer;
  let imap: ImapTestServer;
  let gh: GithubTestServer;
  let travel: TravelTestServer;
  let stripe: StripeTestServer;
  let h: Harness;
  const accounts = {
    'alice@acme.test': 'alice-pw',
    'eng@acme.test': 'eng-pw',
    'noreply@acme.test': 'org-pw',
  };
  const emailConfig = (smtpHost = smtp.host, smtpPort = smtp.port) => ({
    smtp: { host: smtpHost, port: smtpPort, secure: false },
    imap: { host: imap.host, port: imap.port, secure: false },
  });
  const pluginConfig = () => ({
    email: emailConfig(),
    github: { baseUrl: gh.url },
    travel: { baseUrl: travel.url },
    payments: { apiBase: stripe.url },
  });

  beforeAll(async () => {
    smtp = await startSmtpServer({ accounts });
    imap = await startImapServer({
      accounts,
      messages: [{ from: 'bob@partner.test', to: 'alice@acme.test', subject: 'Invoice 42', text: 'Pay it.' }],
    });
    gh = await startGithubServer({
      tokens: { ghp_alice: 'alice', ghp_eng: 'eng-bot', ghp_org: 'org-bot' },
      repos: [
        {
          owner: 'acme',
          name: 'api',
          private: true,
          collaborators: ['alice', 'eng-bot', 'org-bot'],
          pulls: [{ title: 'Add billing', user: 'alice' }],
        },
      ],
    });
    stripe = await startStripeServer({ accounts: { sk_test_alice: 'acct_alice', sk_test_eng: 'acct_eng' } });
    travel = await startTravelServer({ apiKeys: { key_alice: 'alice', key_eng: 'eng', key_org: 'org' } });
    h = await startHarness({
      config: {
        plugins: ['payments', 'email', 'github', 'travel'],
        pluginConfig: pluginConfig(),
        // The test allowlist: exactly these local servers, nothing else on loopback.
        outbound: {
          allowHosts: [
            `${smtp.host}:${smtp.port}`,
            `${imap.host}:${imap.port}`,
            new URL(gh.url).host,
            new URL(travel.url).host,
            new URL(stripe.url).host,
          ],
        },
      },
      // The harness seeds the org-level payments key: this Stripe's primary account, acct_default.
      stripe,
      seedVault: async (vault) => {
        await vault.put(
          { plugin: 'payments', name: 'api_key', scope: { level: 'user', userId: OWN.sub } },
          'sk_test_alice',
          'admin',
        );
        await vault.put(
          { plugin: 'payments', name: 'api_key', scope: { level: 'group', groupId: 'eng' } },
          'sk_test_eng',
          'admin',
        );
        await cascade(vault, 'email', 'account', {
          own: 'alice@acme.test:alice-pw',
          group: 'eng@acme.test:eng-pw',
          org: 'noreply@acme.test:org-pw',
        });
        await cascade(vault, 'github', 'token', { own: 'ghp_alice', group: 'ghp_eng', org: 'ghp_org' });
        await cascade(vault, 'travel', 'api_key', { own: 'key_alice', group: 'key_eng', org: 'key_org' });
      },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await Promise.all([smtp?.close(), imap?.close(), gh?.close(), travel?.close(), stripe?.close()]);
  });

  const call = async (user: TestUser, name: string, args: Record<string, unknown>) => {
    const client = await h.connect(user);
    try {
      return await client.callTool({ name, arguments: args });
    } finally {
      await client.close();
    }
  };

  it('email.send reaches the local SMTP server as the user’s own, the group’s, then the org’s mailbox', async () => {
    for (const [who, user] of LEVELS) {
      const r = await call(user, 'email.send', {
        to: ['dave@partner.test'],
        subject: `hello from ${who}`,
        text: 'Hi Dave',
      });
      expect(textOf(r)).not.toMatch(/^refused|^error/);
      const account = { own: 'alice@acme.test', group: 'eng@acme.test', org: 'noreply@acme.test' }[who];
      expect(smtp.received.at(-1)).toMatchObject({
        account,
        mailFrom: account,
        rcptTo: ['dave@partner.test'],
      });
      expect(smtp.received.at(-1)!.parsed.subject).toBe(`hello from ${who}`);
    }
  });

  it('email.list reads the mailbox over IMAP as each level’s account', async () => {
    for (const [who, user] of LEVELS) {
      const r = await call(user, 'email.list', { mailbox: 'INBOX', limit: 10 });
      expect(r.isError).toBe(false);
      const username = { own: 'alice@acme.test', group: 'eng@acme.test', org: 'noreply@acme.test' }[who];
      expect(imap.logins.at(-1)).toEqual({ username, ok: true });
    }
  });

  it('without the allowlist the engine’s guard refuses SMTP to loopback and to a private address; nothing is sent', async () => {
    const sent = smtp.received.length;
    const auths = smtp.auths.length;
    try {
      // The IMAP port is allowlisted for IMAP only: "host:port" exceptions are exact.
      h.reconfigure({ pluginConfig: { ...pluginConfig(), email: emailConfig('127.0.0.1', smtp.port + 1) } });
      const loopback = await call(OWN, 'email.send', { to: ['dave@partner.test'], subject: 's', text: 't' });
      expect(loopback.isError).toBe(true);
      expect(textOf(loopback)).toMatch(/^refused: outbound: refused: the address is (loopback|a loopback)/);
      h.reconfigure({ pluginConfig: { ...pluginConfig(), email: emailConfig('10.20.30.40', 587) } });
      const priv = await call(OWN, 'email.send', { to: ['dave@partner.test'], subject: 's', text: 't' });
      expect(textOf(priv)).toMatch(/^refused: outbound: refused: the address is .*private/);
      expect(smtp.received.length).toBe(sent);
      expect(smtp.auths.length).toBe(auths);
    } finally {
      h.reconfigure({ pluginConfig: pluginConfig() });
    }
  });

  it('payments: Stripe sees the user’s own key, then the group’s, then the org’s (each its own account)', async () => {
    const account = { own: 'acct_alice', group: 'acct_eng', org: 'acct_default' } as const;
    for (const [who, user] of LEVELS) {
      const ledger = h.stripe.ledger(account[who]);
      const before = ledger.intents.size;
      const r = await call(user, 'payments.charge', { amount: 12.5, currency: 'usd' });
      expect(r.isError, textOf(r)).toBeFalsy();
      expect(h.stripe.requests.at(-1)).toMatchObject({ path: '/v1/payment_intents', account: account[who] });
      expect(ledger.intents.size).toBe(before + 1);
      expect([...ledger.intents.values()].at(-1)).toMatchObject({ amount: 1250, currency: 'usd' });
      await call(user, 'payments.balance', {});
      expect(h.stripe.requests.at(-1)).toMatchObject({ path: '/v1/balance', account: account[who] });
    }
    // Nothing was charged to an account whose key the caller does not resolve to.
    expect(h.stripe.requests.filter((q) => q.path === '/v1/payment_intents').map((q) => q.account)).toEqual([
      'acct_alice',
      'acct_eng',
      'acct_default',
    ]);
  });

  it('github: the downstream server sees the user’s own token, then the group’s, then the org’s', async () => {
    for (const [who, user] of LEVELS) {
      const r = await call(user, 'github.list_pulls', {
        owner: 'acme',
        repo: 'api',
        state: 'open',
        limit: 10,
      });
      expect(textOf(r)).toBe('#1 [open] Add billing');
      const login = { own: 'alice', group: 'eng-bot', org: 'org-bot' }[who];
      expect(gh.requests.at(-1)).toMatchObject({ path: '/repos/acme/api/pulls', login, status: 200 });
    }
  });

  it('travel: the API sees the user’s own key, then the group’s, then the org’s; a booking waits for approval', async () => {
    for (const [who, user] of LEVELS) {
      const r = await call(user, 'travel.search_flights', {
        from: 'ZRH',
        to: 'LHR',
        date: '2027-03-01',
        adults: 1,
      });
      expect(r.isError).toBe(false);
      expect(travel.requests.at(-1)).toMatchObject({
        method: 'GET',
        account: { own: 'alice', group: 'eng', org: 'org' }[who],
      });
    }
    const offer = [...travel.offers.values()][0]!;
    const bookings = travel.bookings.size;
    const parked = await call(OWN, 'travel.book', {
      offer_id: offer.id,
      passengers: [{ name: 'Alice A', email: 'alice@acme.test' }],
      max_price: offer.price.amount,
    });
    expect(textOf(parked)).toMatch(/^pending approval apr_/);
    expect(travel.bookings.size).toBe(bookings);
    // A manager approves; the requester runs it once and it books with the requester's own key.
    const approvalId = /apr_[A-Za-z0-9_-]+/.exec(textOf(parked))![0];
    const decided = await fetch(new URL(`/approvals/${approvalId}/approve`, h.engine.mcpUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.token(USERS.manager)}` },
    });
    expect(decided.status).toBe(200);
    const ran = await call(OWN, 'approvals.run', { approvalId });
    expect(ran.isError).toBe(false);
    expect(travel.bookings.size).toBe(bookings + 1);
    expect([...travel.bookings.values()].at(-1)).toMatchObject({ offerId: offer.id, account: 'alice' });
    expect(textOf(await call(OWN, 'approvals.run', { approvalId }))).toMatch(/^refused/);
    expect(travel.bookings.size).toBe(bookings + 1);
  });

  it('write tools are refused on a read-only engine before any downstream request', async () => {
    h.reconfigure({ readOnly: true });
    try {
      const sent = smtp.received.length;
      const ghRequests = gh.requests.length;
      expect(
        textOf(await call(OWN, 'email.send', { to: ['d@partner.test'], subject: 's', text: 't' })),
      ).toMatch(/^refused: read-only/);
      expect(
        textOf(await call(OWN, 'github.create_issue', { owner: 'acme', repo: 'api', title: 'x', body: 'y' })),
      ).toMatch(/^refused: read-only/);
      expect(textOf(await call(USERS.manager, 'travel.cancel', { booking_id: 'bk_1' }))).toMatch(
        /^refused: read-only/,
      );
      expect(smtp.received.length).toBe(sent);
      expect(gh.requests.length).toBe(ghRequests);
    } finally {
      h.reconfigure({ readOnly: false });
    }
  });
});
