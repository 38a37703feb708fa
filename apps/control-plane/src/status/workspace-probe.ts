/**
 * Asks a tenant's workspace whether it answers: GET <workspace>/healthz (cerebro's liveness
 * probe) through the outbound guard, 1.5 s at most, the answer kept 15 s per workspace so an
 * open status page or a burst of renders costs one request. Any error or non-2xx is "no".
 */
import type { WorkspaceProbe } from '@cw/control-plane';

const TIMEOUT_MS = 1_500;
const TTL_MS = 15_000;
const MAX_ENTRIES = 1_000;

export class HealthzWorkspaceProbe implements WorkspaceProbe {
  private readonly seen = new Map<string, { at: number; answers: Promise<boolean> }>();

  constructor(
    private readonly fetchGuarded: typeof fetch,
    private readonly now: () => number = Date.now,
  ) {}

  answers(workspaceUrl: string): Promise<boolean> {
    const at = this.now();
    const cached = this.seen.get(workspaceUrl);
    if (cached && at - cached.at < TTL_MS) return cached.answers;
    if (this.seen.size >= MAX_ENTRIES) this.seen.clear();
    const answers = this.fetchGuarded(new URL('/healthz', workspaceUrl), {
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }).then(
      async (res) => {
        await res.body?.cancel();
        return res.ok;
      },
      () => false,
    );
    this.seen.set(workspaceUrl, { at, answers });
    return answers;
  }
}
