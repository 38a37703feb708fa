/**
 * The customer admin picks plugins per engine, and sets the engine's switches the gate enforces
 * (`readOnly`: refuse every tool that writes; `maintenance`: refuse every tool call). Support
 * staff do the same through the admin API (`configureEngines`). Always two steps: the first call
 * (no `confirm`) only previews — the diff per engine, which engine Deployments will roll, what
 * each plugin will need — and answers a confirmation token bound to the tenant's spec version and
 * the requested choice; the second call with that token applies it through the lifecycle state
 * machine (a new desired spec and an `update` run, exactly like a plan change), so the operator
 * rolls the engines. A token from a preview of another spec version or another choice is refused
 * (409): nobody applies a change they did not see. `auditLog` and `replicas` are not offered:
 * turning the audit off is not the customer's call, and replicas are the plan's.
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
  type LifecycleActor,
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
import { findTenant, lockTenant } from '../admin/admin-views.js';
import type { AdminContext } from '../admin/admin-ports.js';
import { PLUGINS_PER_ENGINE, type PluginCatalog } from './plugin-catalog.js';

export const choosePluginsBodySchema = z
  .strictObject({
    engines: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(30),
          /** Absent: the engine keeps its plugins (a new engine starts with none). */
          plugins: z.array(z.string().min(1).max(200)).max(100).optional(),
          /** Absent: unchanged (a new engine: off). */
          readOnly: z.boolean().optional(),
          maintenance: z.boolean().optional(),
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

/** The admin API's body: the same choice (the tenant is in the path) plus the reason for the audit. */
export const adminEnginesBodySchema = choosePluginsBodySchema
  .omit({ tenantId: true })
  .extend({ reason: z.string().max(500).optional() })
  .meta({ id: 'ConfigureEnginesRequest' });

/** The engine switches a tenant admin controls (the gate enforces them in code). */
export const ENGINE_SWITCHES = ['readOnly', 'maintenance'] as const;
export type EngineSwitch = (typeof ENGINE_SWITCHES)[number];

export interface SwitchChange {
  switch: EngineSwitch;
  before: boolean;
  after: boolean;
}

export interface EngineDiff {
  name: string;
  change: 'added' | 'changed' | 'unchanged';
  before: string[];
  after: string[];
  added: string[];
  removed: string[];
  /** The engine's switches after the change. */
  readOnly: boolean;
  maintenance: boolean;
  /** Switches that change (for a new engine: those turned on). */
  switches: SwitchChange[];
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

const switchChangeSchema = z.object({
  switch: z.enum(ENGINE_SWITCHES),
  before: z.boolean(),
  after: z.boolean(),
});
/** The preview or the applied change, as the admin API documents it (OpenAPI). */
export const engineChoiceResultSchema = z
  .object({
    tenantId: z.string(),
    slug: z.string(),
    applied: z.boolean(),
    specVersion: z.int(),
    diff: z.array(
      z.object({
        name: z.string(),
        change: z.enum(['added', 'changed', 'unchanged']),
        before: z.array(z.string()),
        after: z.array(z.string()),
        added: z.array(z.string()),
        removed: z.array(z.string()),
        readOnly: z.boolean(),
        maintenance: z.boolean(),
        switches: z.array(switchChangeSchema),
        rollout: z.string().nullable(),
      }),
    ),
    confirm: z.string().nullable().describe('Send back as `confirm` to apply exactly this preview.'),
    run: z.object({ id: z.string(), goal: z.string() }).nullable(),
    credentials: z.array(
      z.object({
        engine: z.string(),
        plugin: z.string(),
        credentials: z.array(z.object({ name: z.string(), description: z.string() })),
      }),
    ),
    credentialsUrl: z.string(),
    message: z.string(),
  })
  .meta({ id: 'EngineChoiceResult' });

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

  /** A signed-in tenant admin (status page, `POST /api/plugins`). */
  async execute(
    session: SessionPayload | undefined,
    body: unknown,
    ctx: { correlationId: string },
  ): Promise<ChoosePluginsResult> {
    const choice = parseInput(choosePluginsBodySchema, body);
    const tenant = await tenantForSession(this.db, session, choice.tenantId);
    const actor: LifecycleActor = { kind: 'customer', emailHash: hashId(session!.email) };
    return this.choose(tenant, choice, actor, 'tenant admin', ctx);
  }

  /** Support staff (admin API `configureEngines`, manager): the same preview → apply. */
  async executeAsAdmin(tenantRef: string, body: unknown, ctx: AdminContext): Promise<ChoosePluginsResult> {
    const choice = parseInput(adminEnginesBodySchema, body);
    const tenant = await findTenant(this.db, tenantRef);
    return this.choose(tenant, choice, ctx.actor, 'support', ctx, choice.reason);
  }

  private async choose(
    tenant: TenantRecord,
    choice: Pick<ChoosePluginsBody, 'engines' | 'confirm'>,
    actor: LifecycleActor,
    who: string,
    ctx: { correlationId: string },
    reason?: string,
  ): Promise<ChoosePluginsResult> {
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
      throw new ConflictError(
        `engines can be configured once the tenant is provisioned (it is ${tenant.state})`,
      );

    const outcome = await this.db.transaction(async (tx) => {
      const locked = await lockTenant(tx, tenant.id);
      // Re-derived under the lock: the token must still match the spec being replaced.
      const again = plan(locked, choice, catalog);
      if (again.token !== choice.confirm)
        throw new ConflictError('the tenant changed since the preview; preview again', [
          { path: 'confirm', message: 'stale preview' },
        ]);
      const changes = again.diff
        .filter((d) => d.change !== 'unchanged')
        .map((d) => ({
          engine: d.name,
          added: d.added,
          removed: d.removed,
          switches: d.switches.map((c) => ({ [c.switch]: c.after })),
        }));
      // The audit row of the customer's change (the admin API's interceptor writes its own).
      if (actor.kind === 'customer')
        await tx.audit.record({
          actor,
          action: 'tenant.engines.configure',
          tenantId: locked.id,
          target: locked.slug,
          outcome: 'ok',
          correlationId: ctx.correlationId,
          details: { engines: changes },
        });
      return this.transitions.inTransaction(tx, locked.id, 'plan_changed', {
        actor,
        cause: reason ? `engines configured by ${who}: ${reason}` : `engines configured by the ${who}`,
        correlationId: ctx.correlationId,
        spec: again.spec,
        details: {
          plugins: changes.map(({ engine, added, removed }) => ({ engine, added, removed })),
          switches: changes
            .filter((c) => c.switches.length)
            .map(({ engine, switches }) => ({ engine, switches })),
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
  const existing = new Map(tenant.spec.engines.map((e) => [e.name, e]));
  const spec = tenant.spec;
  const problems: FieldError[] = [];
  const limit = PLUGINS_PER_ENGINE[spec.plan];
  const seen = new Set<string>();
  choice.engines.forEach((e, i) => {
    if (seen.has(e.name))
      problems.push({ path: `engines.${i}.name`, message: `engine "${e.name}" is listed twice` });
    seen.add(e.name);
    const plugins = e.plugins ?? existing.get(e.name)?.plugins ?? [];
    if (e.plugins && plugins.length > limit)
      problems.push({
        path: `engines.${i}.plugins`,
        message: `the ${PLANS[spec.plan].displayName} plan allows at most ${limit} plugins per engine (${plugins.length} chosen)`,
      });
    (e.plugins ?? []).forEach((p, j) => {
      if (!catalog.get(p))
        problems.push({
          path: `engines.${i}.plugins.${j}`,
          message: `unknown plugin "${p.slice(0, 60)}"; the catalog offers ${catalog.ids().join(', ')}`,
        });
      else if (plugins.indexOf(p) !== j)
        problems.push({ path: `engines.${i}.plugins.${j}`, message: `plugin "${p}" is listed twice` });
    });
  });
  const added = choice.engines.filter((e) => !existing.has(e.name)).length;
  const maxEngines = effectiveQuota(spec).engines;
  if (spec.engines.length + added > maxEngines)
    problems.push({
      path: 'engines',
      message: `the ${PLANS[spec.plan].displayName} plan allows at most ${maxEngines} engines (${spec.engines.length + added} requested)`,
    });
  if (problems.length) throw new ValidationFailedError(problems);

  const chosen = new Map(choice.engines.map((e) => [e.name, e]));
  /** What the request sets on an engine: only the fields it names. */
  const changes = (c: ChoosePluginsBody['engines'][number]) => ({
    ...(c.plugins && { plugins: c.plugins }),
    ...(c.readOnly !== undefined && { readOnly: c.readOnly }),
    ...(c.maintenance !== undefined && { maintenance: c.maintenance }),
  });
  const engines: unknown[] = spec.engines.map((e) => {
    const c = chosen.get(e.name);
    return c ? { ...e, ...changes(c) } : e;
  });
  for (const e of choice.engines)
    if (!existing.has(e.name)) engines.push({ name: e.name, plugins: [], ...changes(e) });
  const checked = validateTenantSpec({ ...spec, engines });
  if (!checked.ok)
    throw new ValidationFailedError(checked.issues.map((i) => ({ path: i.path, message: formatIssue(i) })));
  const diff = keepDiff ?? diffEngines(spec.engines, checked.value.engines);
  const token = createHash('sha256')
    .update(
      JSON.stringify([
        tenant.id,
        tenant.specVersion,
        checked.value.engines.map((e) => [e.name, e.plugins, e.readOnly, e.maintenance]),
      ]),
    )
    .digest('hex')
    .slice(0, 32);
  return { spec: checked.value, diff, token };
}

function diffEngines(before: readonly EngineSpec[], after: readonly EngineSpec[]): EngineDiff[] {
  const old = new Map(before.map((e) => [e.name, e]));
  return after.map((e) => {
    const was = old.get(e.name);
    const added = e.plugins.filter((p) => !was?.plugins.includes(p));
    const removed = (was?.plugins ?? []).filter((p) => !e.plugins.includes(p));
    const switches = ENGINE_SWITCHES.flatMap((k): SwitchChange[] =>
      (was?.[k] ?? false) !== e[k] ? [{ switch: k, before: was?.[k] ?? false, after: e[k] }] : [],
    );
    const change = !was
      ? 'added'
      : added.length || removed.length || switches.length
        ? 'changed'
        : 'unchanged';
    return {
      name: e.name,
      change,
      before: [...(was?.plugins ?? [])],
      after: [...e.plugins],
      added,
      removed,
      readOnly: e.readOnly,
      maintenance: e.maintenance,
      switches,
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
