/** Records of libs/db → the admin API's DTOs (dates as ISO strings, no raw e-mail). */
import type {
  AuditRecord,
  LifecycleEventRecord,
  ProvisioningRunRecord,
  ProvisioningStepRecord,
  Repositories,
  TenantRecord,
} from '@cw/db';
import { TenantNotFoundError, isUuid } from '@cw/db';
import { SLUG_PATTERN } from '@cw/tenant-model';
import { maskEmail } from '../signup/mask-email.js';
import type { AuditEntryView, RunView, TenantDetail, TenantSummary } from './admin-schemas.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** A plain boolean (isUuid narrows a string to never in its false branch). */
const looksLikeId = (ref: string): boolean => isUuid(ref);

/** Could be a slug: anything else is no tenant, answered without a query (a NUL byte would make PostgreSQL fail). */
const SLUG_RE = new RegExp(SLUG_PATTERN);
const looksLikeSlug = (ref: string): boolean => ref.length <= 100 && SLUG_RE.test(ref);

/** A tenant by id or slug, as support staff paste either. */
export async function findTenant(db: Repositories, ref: string): Promise<TenantRecord> {
  const slug = ref.trim().toLowerCase();
  const tenant = looksLikeId(ref)
    ? await db.tenants.findById(ref)
    : looksLikeSlug(slug)
      ? await db.tenants.findBySlug(slug)
      : undefined;
  if (!tenant) throw new TenantNotFoundError(ref.slice(0, 100));
  return tenant;
}

/** Same, under the row lock of the surrounding transaction. */
export async function lockTenant(tx: Repositories, ref: string): Promise<TenantRecord> {
  const found = await findTenant(tx, ref);
  const locked = await tx.tenants.findByIdForUpdate(found.id);
  if (!locked) throw new TenantNotFoundError(ref.slice(0, 100));
  return locked;
}

export const tenantSummary = (t: TenantRecord): TenantSummary => ({
  id: t.id,
  slug: t.slug,
  displayName: t.displayName,
  state: t.state,
  plan: t.spec.plan,
  seats: t.spec.seats,
  cloud: t.spec.cloud.provider,
  region: t.spec.cloud.region,
  isolation: t.spec.isolation,
  hostname: t.spec.hostname,
  billingMode: t.billingMode,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});

export const tenantHeader = (t: TenantRecord): TenantDetail['tenant'] => ({
  ...tenantSummary(t),
  specVersion: t.specVersion,
  spec: t.spec as unknown as Record<string, unknown>,
  correlationId: t.correlationId,
  adminEmailHint: t.adminEmail === null ? null : maskEmail(t.adminEmail),
  adminEmailHash: t.adminEmailHash,
});

export const lifecycleView = (e: LifecycleEventRecord): TenantDetail['lifecycle'][number] => ({
  id: e.id,
  event: e.event,
  from: e.from,
  to: e.to,
  actor: { ...e.actor },
  cause: e.cause,
  correlationId: e.correlationId,
  details: e.details,
  occurredAt: e.occurredAt.toISOString(),
});

export const runView = (r: ProvisioningRunRecord, steps: readonly ProvisioningStepRecord[]): RunView => ({
  id: r.id,
  goal: r.goal,
  status: r.status,
  correlationId: r.correlationId,
  specVersion: r.specVersion,
  error: r.error,
  createdAt: r.createdAt.toISOString(),
  enqueuedAt: iso(r.enqueuedAt),
  startedAt: iso(r.startedAt),
  finishedAt: iso(r.finishedAt),
  steps: steps.map((s) => ({
    step: s.step,
    position: s.position,
    status: s.status,
    attempts: s.attempts,
    startedAt: iso(s.startedAt),
    finishedAt: iso(s.finishedAt),
    durationMs: s.durationMs,
    error: s.error,
  })),
});

export const auditView = (a: AuditRecord): AuditEntryView => ({
  id: a.id,
  at: a.at.toISOString(),
  actor: { ...a.actor },
  action: a.action,
  tenantId: a.tenantId,
  target: a.target,
  outcome: a.outcome,
  correlationId: a.correlationId,
  details: a.details,
});

export { iso };
