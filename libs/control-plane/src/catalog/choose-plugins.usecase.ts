/**
 * The customer admin picks plugins per engine. Always two steps: the first call (no `confirm`)
 * only previews — the diff per engine, which engine Deployments will roll, what each plugin will
 * need — and answers a confirmation token bound to the tenant's spec version and the requested
 * choice; the second call with that token applies it through the lifecycle state machine (a new
 * desired spec and an `update` run, exactly like a plan change), so the operator rolls the
 * engines. A token from a preview of another spec version or another choice is refused (409):
 * nobody applies a change they did not see.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  PLANS,
  effectiveQuota,
  formatIssue,
  validateTenantSpec,
  workspaceUrlFrom,
  type EngineSpec,
  type TenantSpec,
  type WorkspaceUrl,
} from '@cw/tenant-model';
import type { Database, TenantRecord } from '@cw/db';
import { hashId } from '@cw/observability';
import { ConflictError, ValidationFailedError, type FieldError } from '../errors.js';
import type { TransitionTenantUseCase } from '../lifecycle/transition-tenant.usecase.js';
import type { SessionPayload } from '../session/session-cookie.js';
import { tenantForSession } from '../status/tenant-access.js';
import { parseInput } from '../admin/admin-input.js';
import { lockTenant } from '../admin/admin-views.js';
import { PLUGINS_PER_ENGINE, type PluginCatalog } from './plugin-catalog.js';

export const choosePluginsBodySchema = z
  .strictObject({
    engines: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(30),
          plugins: z.array(z.string().min(1).max(200)).max(100),
        }),
      )
      .min(1)
      .max(100),
    /** The token of the preview being applied; absent = preview only. */
    confirm: z.string().max(64).optional(),
    tenantId: z.string().max(64).optional(),
  })
  .meta({ id: 'ChoosePluginsRequest' });
export type ChoosePluginsBody = z.output<typeof choosePluginsBodySchema>;

export interface EngineDiff {
  name: string;
  change: 'added' | 'changed' | 'unchanged';
  before: string[];
  after: string[];
  added: string[];
  removed: string[];
  /** What the operator does once applied. */
  rollout: string | null;
}

export interface CredentialNeedView {
  engine: string;
  plugin: string;
  credentials: { name: string; description: string }[];
}

export interface ChoosePluginsResult {
  tenantId: string;
  slug: string;
  applied: boolean;
  specVersion: number;
  diff: EngineDiff[];
  /** Send back as `confirm` to apply exactly this preview. */
  confirm: string | null;
  run: { id: string; goal: string } | null;
  credentials: CredentialNeedView[];
  credentialsUrl: string;
  message: string;
}

/** States whose spec may change (the `plan_changed` event's sources). */
const CHANGEABLE = new Set(['provisioning', 'active', 'suspended', 'failed']);

export class ChoosePluginsUseCase {
  constructor(
    private readonly db: Database,
    private readonly transitions: TransitionTenantUseCase,
    private readonly catalog: () => Promise<PluginCatalog>,
    /** Where workspaces are opened (default https://<spec.hostname>). */
    private readonly workspaceUrl: WorkspaceUrl = workspaceUrlFrom(),
  ) {}

  async execute(
    session: SessionPayload | undefined,
    body: unknown,
    ctx: { correlationId: string },
  ): Promise<ChoosePluginsResult> {
    const choice = parseInput(choosePluginsBodySchema, body);
    const tenant = await tenantForSession(this.db, session, choice.tenantId);
    const catalog = await this.catalog();
    const planned = plan(tenant, choice, catalog);
    if (!choice.confirm)
      return this.view(
        tenant,
        planned,
        false,
        null,
        'Preview only: nothing changed. Confirm to apply.',
        catalog,
      );
    if (choice.confirm !== planned.token)
      throw new ConflictError(
        'this confirmation is for another preview or an older version of the tenant; preview again',
        [{ path: 'confirm', message: 'does not match the current preview' }],
      );
    if (!planned.diff.some((d) => d.change !== 'unchanged'))
      return this.view(tenant, planned, false, null, 'Nothing to change.', catalog);
    if (!CHANGEABLE.has(tenant.state))
      throw new ConflictError(`plugins can be chosen once the tenant is provisioned (it is ${tenant.state})`);

    const outcome = await this.db.transaction(async (tx) => {
      const locked = await lockTenant(tx, tenant.id);
      // Re-derived under the lock: the token must still match the spec being replaced.
      const again = plan(locked, choice, catalog);
      if (again.token !== choice.confirm)
        throw new ConflictError('the tenant changed since the preview; preview again', [
          { path: 'confirm', message: 'stale preview' },
        ]);
      return this.transitions.inTransaction(tx, locked.id, 'plan_changed', {
        actor: { kind: 'customer', emailHash: hashId(session!.email) },
        cause: 'plugins chosen by the tenant admin',
        correlationId: ctx.correlationId,
        spec: again.spec,
        details: {
          plugins: again.diff
            .filter((d) => d.change !== 'unchanged')
            .map((d) => ({ engine: d.name, added: d.added, removed: d.removed })),
        },
        run: { goal: 'update', idempotencyKey: `update:v${locked.specVersion + 1}` },
      });
    });
    await this.transitions.afterCommit(outcome);
    const run = outcome.run ? { id: outcome.run.run.id, goal: outcome.run.run.goal } : null;
    return this.view(
      outcome.tenant,
      plan(outcome.tenant, { ...choice }, catalog, planned.diff),
      true,
      run,
      'Applied: an update run re-applies the tenant and the changed engines roll.',
      catalog,
    );
  }

  private view(
    tenant: TenantRecord,
    planned: Planned,
    applied: boolean,
    run: ChoosePluginsResult['run'],
    message: string,
    catalog: PluginCatalog,
  ): ChoosePluginsResult {
    return {
      tenantId: tenant.id,
      slug: tenant.slug,
      applied,
      specVersion: tenant.specVersion,
      diff: planned.diff,
      confirm: applied ? null : planned.token,
      run,
      credentials: credentialNeeds(planned.spec, catalog),
      credentialsUrl: credentialsUrl(this.workspaceUrl({ slug: tenant.slug, spec: planned.spec })),
      message,
    };
  }
}

interface Planned {
  spec: TenantSpec;
  diff: EngineDiff[];
  token: string;
}

/** The desired spec, or every problem by field (unknown plugin, plan limits, duplicate engine). */
function plan(
  tenant: TenantRecord,
  choice: Pick<ChoosePluginsBody, 'engines'>,
  catalog: PluginCatalog,
  keepDiff?: EngineDiff[],
): Planned {
  const spec = tenant.spec;
  const problems: FieldError[] = [];
  const limit = PLUGINS_PER_ENGINE[spec.plan];
  const seen = new Set<string>();
  choice.engines.forEach((e, i) => {
    if (seen.has(e.name))
      problems.push({ path: `engines.${i}.name`, message: `engine "${e.name}" is listed twice` });
    seen.add(e.name);
    if (e.plugins.length > limit)
      problems.push({
        path: `engines.${i}.plugins`,
        message: `the ${PLANS[spec.plan].displayName} plan allows at most ${limit} plugins per engine (${e.plugins.length} chosen)`,
      });
    e.plugins.forEach((p, j) => {
      if (!catalog.get(p))
        problems.push({
          path: `engines.${i}.plugins.${j}`,
          message: `unknown plugin "${p.slice(0, 60)}"; the catalog offers ${catalog.ids().join(', ')}`,
        });
      else if (e.plugins.indexOf(p) !== j)
        problems.push({ path: `engines.${i}.plugins.${j}`, message: `plugin "${p}" is listed twice` });
    });
  });
  const existing = new Map(spec.engines.map((e) => [e.name, e]));
  const added = choice.engines.filter((e) => !existing.has(e.name)).length;
  const maxEngines = effectiveQuota(spec).engines;
  if (spec.engines.length + added > maxEngines)
    problems.push({
      path: 'engines',
      message: `the ${PLANS[spec.plan].displayName} plan allows at most ${maxEngines} engines (${spec.engines.length + added} requested)`,
    });
  if (problems.length) throw new ValidationFailedError(problems);

  const chosen = new Map(choice.engines.map((e) => [e.name, e.plugins]));
  const engines: unknown[] = spec.engines.map((e) =>
    chosen.has(e.name) ? { ...e, plugins: chosen.get(e.name) } : e,
  );
  for (const e of choice.engines)
    if (!existing.has(e.name)) engines.push({ name: e.name, plugins: e.plugins });
  const checked = validateTenantSpec({ ...spec, engines });
  if (!checked.ok)
    throw new ValidationFailedError(checked.issues.map((i) => ({ path: i.path, message: formatIssue(i) })));
  const diff = keepDiff ?? diffEngines(spec.engines, checked.value.engines);
  const token = createHash('sha256')
    .update(
      JSON.stringify([tenant.id, tenant.specVersion, checked.value.engines.map((e) => [e.name, e.plugins])]),
    )
    .digest('hex')
    .slice(0, 32);
  return { spec: checked.value, diff, token };
}

function diffEngines(before: readonly EngineSpec[], after: readonly EngineSpec[]): EngineDiff[] {
  const old = new Map(before.map((e) => [e.name, e.plugins]));
  return after.map((e) => {
    const was = old.get(e.name);
    const added = e.plugins.filter((p) => !was?.includes(p));
    const removed = (was ?? []).filter((p) => !e.plugins.includes(p));
    const change = !was ? 'added' : added.length || removed.length ? 'changed' : 'unchanged';
    return {
      name: e.name,
      change,
      before: [...(was ?? [])],
      after: [...e.plugins],
      added,
      removed,
      rollout:
        change === 'added'
          ? `Deployment engine-${e.name} is created`
          : change === 'changed'
            ? `Deployment engine-${e.name} rolls with the new config`
            : null,
    };
  });
}

/** `<workspace url>/credentials`: cerebro's My Credentials. */
export const credentialsUrl = (workspaceUrl: string): string => `${workspaceUrl}/credentials`;

/**
 * The credentials each chosen plugin needs, per engine. The control plane cannot read the
 * tenant's vault (it lives in the data plane), so this is what must be set, not what is missing.
 */
export function credentialNeeds(spec: TenantSpec, catalog: PluginCatalog): CredentialNeedView[] {
  return spec.engines.flatMap((e) =>
    e.plugins.flatMap((p) => {
      const entry = catalog.get(p);
      return entry && entry.credentials.length
        ? [{ engine: e.name, plugin: p, credentials: entry.credentials.map((c) => ({ ...c })) }]
        : [];
    }),
  );
}
