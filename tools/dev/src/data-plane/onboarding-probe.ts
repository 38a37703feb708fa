/**
 * Onboarding stage "workspace answers" (issue 22 item 8) as the local data plane observes it:
 * from the moment it starts a tenant's processes to the first time every Deployment probe of the
 * tenant (cerebro's and each engine's) answers 200. Recorded once per start as the span
 * `onboarding.workspace_answers` on the tenant's correlation id (the rendered Tenant's
 * annotation) and in `cw_onboarding_stage_seconds{stage="workspace_answers"}`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { OnboardingRecorder } from '@cw/observability';
import { ANNOTATION_CORRELATION_ID } from '@cw/tenant-model';

/** The correlation id of a rendered tenant (tenants/<slug>/tenant.yaml), else a stable stand-in. */
export async function correlationIdOf(artifactsDir: string, slug: string): Promise<string> {
  const file = join(artifactsDir, slug, 'tenant.yaml');
  if (existsSync(file)) {
    try {
      const doc = parse(await readFile(file, 'utf8')) as {
        metadata?: { annotations?: Record<string, string> };
      };
      const id = doc.metadata?.annotations?.[ANNOTATION_CORRELATION_ID];
      if (id) return id;
    } catch {
      // an unreadable render: fall through to the stand-in
    }
  }
  return `local-data-plane:${slug}`;
}

export interface WorkspaceProbe {
  readonly urls: readonly string[];
  readonly correlationId: string;
  readonly startedAt: number;
  readonly recorder: OnboardingRecorder;
  /** False once the tenant was stopped or restarted: the probe gives up without recording. */
  readonly current: () => boolean;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

const answers = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.status === 200,
    () => false,
  );

/** Waits until every probe URL answers 200; records the stage. Resolves with the elapsed ms, or undefined (stopped / timed out: recorded as failed). */
export async function awaitWorkspaceAnswers(p: WorkspaceProbe): Promise<number | undefined> {
  const deadline = p.startedAt + (p.timeoutMs ?? 300_000);
  const pending = new Set(p.urls);
  while (pending.size > 0) {
    if (!p.current()) return undefined;
    if (Date.now() > deadline) {
      p.recorder.stage('workspace_answers', {
        correlationId: p.correlationId,
        start: p.startedAt,
        end: Date.now(),
        failed: `no answer from ${pending.size} probe(s)`,
      });
      return undefined;
    }
    for (const url of [...pending]) if (await answers(url)) pending.delete(url);
    if (pending.size > 0) await new Promise((r) => setTimeout(r, p.intervalMs ?? 100));
  }
  const end = Date.now();
  p.recorder.stage('workspace_answers', { correlationId: p.correlationId, start: p.startedAt, end });
  return end - p.startedAt;
}
