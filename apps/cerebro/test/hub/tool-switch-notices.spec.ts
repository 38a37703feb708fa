// "Run a tool" says why tools are missing: engines the workspace's admin made read-only or put in
// maintenance (cerebro's rendered config) get a notice; the gate itself enforces the switches
// (hub-e2e, the data-plane journey and the newcomer walk refuse a write on a read-only engine).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCerebro, type CerebroHarness } from '../support/cerebro.harness.js';

// Nothing listens on these: the engines' tool lists are unavailable, the notices are not.
const engine = (name: string, port: number, switches: { readOnly?: boolean; maintenance?: boolean }) => ({
  name,
  mcpUrl: `http://127.0.0.1:${port}/mcp`,
  dashboardUrl: `http://127.0.0.1:${port}`,
  plugins: ['payments'],
  ...switches,
});

describe('Run a tool: the engines’ switches', () => {
  let cerebro: CerebroHarness;
  beforeAll(async () => {
    cerebro = await startCerebro({
      engines: [
        engine('main', 9, {}),
        engine('books', 9, { readOnly: true }),
        engine('legacy', 9, { readOnly: true, maintenance: true }),
      ],
    });
  }, 60_000);
  afterAll(async () => cerebro?.stop());

  it('names each read-only or maintenance engine and what it means, and nothing for the others', async () => {
    const page = (await (await cerebro.signedIn('tina@acme.test', 'viewer')).get('/tools')).text;
    const notices = [...page.matchAll(/data-engine-switch="([^"]+)">([\s\S]*?)<\/p>/g)].map((m) => [
      m[1],
      m[2]!.replace(/\s+/g, ' ').replaceAll('&#39;', "'").trim(),
    ]);
    expect(notices).toEqual([
      [
        'books',
        "Engine books is read-only: its tools that write are not offered until your workspace's admin turns read-only off.",
      ],
      [
        'legacy',
        "Engine legacy is in maintenance: its tools don't run until your workspace's admin turns maintenance off.",
      ],
    ]);
  });
});
