/**
 * Approvals are server-side records in the tenant store, keyed to the caller: a parked call holds
 * the original arguments and identity; a manager approves or rejects it; the caller runs it once
 * (claimed with a version check, so two concurrent runs cannot both win); an expired record never
 * runs. Client-side answers (elicitation) are never trusted for this.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defineCollection, VersionConflictError, type TenantStore } from '@cw/tenant-store';
import { refuse, type GateDecision } from './decision.js';
import { ROLES, type ToolUser } from './plugin.js';

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'executed'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const approvalSchema = z.strictObject({
  id: z.string(),
  engine: z.string(),
  tool: z.string(),
  args: z.record(z.string(), z.unknown()),
  user: z.strictObject({
    id: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    groups: z.array(z.string()),
    tenant: z.string(),
  }),
  requesterHash: z.string(),
  reasons: z.array(z.string()),
  status: z.enum(APPROVAL_STATUSES),
  createdAt: z.string(),
  expiresAt: z.string(),
  decidedByHash: z.string().optional(),
  decidedAt: z.string().optional(),
  executedAt: z.string().optional(),
});
export type ApprovalRecord = z.output<typeof approvalSchema>;

/** What a manager sees: the call and who asked (hashed), never the requester's e-mail. */
export interface ApprovalView {
  id: string;
  tool: string;
  args: Record<string, unknown>;
  requesterHash: string;
  reasons: string[];
  status: ApprovalStatus;
  createdAt: string;
  expiresAt: string;
  decidedAt?: string;
}

export const APPROVALS = defineCollection('mcp_approvals', approvalSchema);
/** Records stay readable (for the list and replay refusals) this long after they expire. */
const KEEP_SECONDS = 30 * 24 * 3600;

export class ApprovalService {
  constructor(
    private readonly store: TenantStore,
    private readonly engine: string,
    private readonly hash: (userId: string) => string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get collection() {
    return this.store.collection(APPROVALS);
  }

  async park(
    user: ToolUser,
    tool: string,
    args: Record<string, unknown>,
    reasons: string[],
    ttlSeconds: number,
  ): Promise<ApprovalRecord> {
    const now = this.now();
    const record: ApprovalRecord = {
      id: `apr_${randomBytes(16).toString('base64url')}`,
      engine: this.engine,
      tool,
      args,
      user: {
        id: user.id,
        email: user.email,
        role: user.role,
        groups: [...user.groups],
        tenant: user.tenant,
      },
      requesterHash: this.hash(user.id),
      reasons,
      status: 'pending',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
    };
    await this.collection.create(this.engine, record.id, record, { ttlSeconds: ttlSeconds + KEEP_SECONDS });
    return record;
  }

  private expired(r: ApprovalRecord): boolean {
    return this.now().getTime() >= Date.parse(r.expiresAt);
  }

  async list(status?: ApprovalStatus, limit = 100): Promise<ApprovalView[]> {
    const page = await this.collection.query(this.engine, { limit: 1000, order: 'desc' });
    return page.items
      .map((i) => this.view(i.value))
      .filter((v) => status === undefined || v.status === status)
      .slice(0, limit);
  }

  async countPending(): Promise<number> {
    return (await this.list('pending', 1000)).length;
  }

  private view(r: ApprovalRecord): ApprovalView {
    const status =
      (r.status === 'pending' || r.status === 'approved') && this.expired(r) ? 'expired' : r.status;
    return {
      id: r.id,
      tool: r.tool,
      args: r.args,
      requesterHash: r.requesterHash,
      reasons: r.reasons,
      status,
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
      ...(r.decidedAt ? { decidedAt: r.decidedAt } : {}),
    };
  }

  /** A manager's decision. Refusals are values: not found, not pending, expired, own request. */
  async decide(
    id: string,
    verdict: 'approved' | 'rejected',
    manager: ToolUser,
  ): Promise<GateDecision & { record?: ApprovalView }> {
    const item = await this.collection.get(this.engine, id);
    if (!item) return refuse('approval', `approval ${id} does not exist`);
    const r = item.value;
    if (r.status !== 'pending') return refuse('approval', `approval ${id} is already ${r.status}`);
    if (this.expired(r)) {
      await this.collection
        .put(this.engine, id, { ...r, status: 'expired' }, { ifVersion: item.version })
        .catch(() => undefined);
      return refuse('approval', `approval ${id} expired at ${r.expiresAt}`);
    }
    if (r.user.id === manager.id) return refuse('approval', 'a manager cannot decide their own request');
    const next: ApprovalRecord = {
      ...r,
      status: verdict,
      decidedByHash: this.hash(manager.id),
      decidedAt: this.now().toISOString(),
    };
    try {
      await this.collection.put(this.engine, id, next, { ifVersion: item.version });
    } catch (error) {
      if (error instanceof VersionConflictError)
        return refuse('approval', `approval ${id} was decided concurrently`);
      throw error;
    }
    return { decision: 'allow', reason: 'approved', record: this.view(next) };
  }

  /**
   * The caller's claim to run an approved call: only the requester, only once, only before expiry.
   * The record is marked executed before the tool runs, so a crash never allows a second run.
   */
  async claim(
    id: string,
    caller: ToolUser,
  ): Promise<{ ok: true; record: ApprovalRecord } | { ok: false; decision: GateDecision }> {
    const no = (detail: string) => ({ ok: false as const, decision: refuse('approval', detail) });
    const item = await this.collection.get(this.engine, id);
    if (!item || item.value.user.id !== caller.id || item.value.user.tenant !== caller.tenant)
      return no(`approval ${id} does not exist for you`);
    const r = item.value;
    if (r.status === 'executed') return no(`approval ${id} has already run (a replay is refused)`);
    if (r.status === 'pending') return no(`approval ${id} is still waiting for a manager`);
    if (r.status !== 'approved') return no(`approval ${id} was ${r.status}`);
    if (this.expired(r)) {
      await this.collection
        .put(this.engine, id, { ...r, status: 'expired' }, { ifVersion: item.version })
        .catch(() => undefined);
      return no(`approval ${id} expired at ${r.expiresAt}`);
    }
    const claimed: ApprovalRecord = { ...r, status: 'executed', executedAt: this.now().toISOString() };
    try {
      await this.collection.put(this.engine, id, claimed, { ifVersion: item.version });
    } catch (error) {
      if (error instanceof VersionConflictError)
        return no(`approval ${id} has already run (a replay is refused)`);
      throw error;
    }
    return { ok: true, record: claimed };
  }
}
