import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ONBOARDING_STAGE_METRIC,
  Registry,
  createLogTracerProvider,
  createOnboardingRecorder,
  traceIdOf,
  type FinishedSpan,
} from '@cw/observability';
import { awaitWorkspaceAnswers, correlationIdOf } from './onboarding-probe.js';

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

/** A probe endpoint that answers 503 until `readyAfter` requests, then 200. */
async function endpoint(readyAfter: number): Promise<string> {
  let n = 0;
  const s = createServer((_req, res) => {
    n += 1;
    res.writeHead(n > readyAfter ? 200 : 503).end();
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/readyz`;
}

describe('workspace answers probe', () => {
  it('records the stage once every probe answers 200, from the start time, on the correlation id', async () => {
    const spans: FinishedSpan[] = [];
    const registry = new Registry();
    const recorder = createOnboardingRecorder({
      registry,
      tracer: createLogTracerProvider((s) => spans.push(s)).getTracer('t'),
    });
    const startedAt = Date.now();
    const ms = await awaitWorkspaceAnswers({
      urls: [await endpoint(0), await endpoint(3)],
      correlationId: 'corr-ws',
      startedAt,
      recorder,
      current: () => true,
      intervalMs: 10,
    });
    expect(ms).toBeGreaterThanOrEqual(20); // the slow probe needed 4 rounds, 10 ms apart
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      name: 'onboarding.workspace_answers',
      status: 'ok',
      traceId: traceIdOf('corr-ws'),
    });
    expect(spans[0]!.durationMs).toBe(ms);
    const text = await registry.metrics();
    expect(text).toMatch(new RegExp(`${ONBOARDING_STAGE_METRIC}_count\\{stage="workspace_answers"\\} 1`));
  });

  it('a probe that never answers is a failed span and no observation; a stopped tenant records nothing', async () => {
    const spans: FinishedSpan[] = [];
    const registry = new Registry();
    const recorder = createOnboardingRecorder({
      registry,
      tracer: createLogTracerProvider((s) => spans.push(s)).getTracer('t'),
    });
    const never = await endpoint(1e9);
    const base = { urls: [never], correlationId: 'c', recorder, intervalMs: 10 };
    expect(
      await awaitWorkspaceAnswers({ ...base, startedAt: Date.now(), current: () => true, timeoutMs: 100 }),
    ).toBeUndefined();
    expect(spans.map((s) => s.status)).toEqual(['error']);
    expect(
      await awaitWorkspaceAnswers({ ...base, startedAt: Date.now(), current: () => false }),
    ).toBeUndefined();
    expect(spans).toHaveLength(1);
    expect(await registry.metrics()).not.toMatch(/_count\{stage="workspace_answers"\} [1-9]/);
  });

  it('reads the correlation id from the rendered Tenant, else a stand-in per slug', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-corr-'));
    await mkdir(join(dir, 'acme'));
    await writeFile(
      join(dir, 'acme', 'tenant.yaml'),
      'metadata:\n  name: acme\n  annotations:\n    platform.contextweaver.io/correlation-id: corr-acme\n',
    );
    expect(await correlationIdOf(dir, 'acme')).toBe('corr-acme');
    expect(await correlationIdOf(dir, 'other')).toBe('local-data-plane:other');
  });
});
