/**
 * Engine signing-key rotation for support staff (ADR 0004). Cerebro signs every engine token with
 * the newest key it has mounted and publishes all of them in its JWKS; the chart mounts exactly
 * the names in the Tenant's `spec.bindings.vault.signingKeys`, which the control plane keeps in
 * the desired spec (the provisioner merges them over the stack's vault binding).
 *
 * - rotate: the list becomes `[old, new]` (`plan_changed` + `update` run): render-tenant creates
 *   the new key in the vault before anything is applied, the operator mounts both, cerebro
 *   publishes the new key at once and signs with it after its grace period.
 * - retire: only once the rotation has been rolled out (a run at or after the rotation's spec
 *   version succeeded — await-ready saw the Tenant Ready) and `RETIRE_AFTER_SECONDS` have passed
 *   since; earlier it is refused (409) saying when it may run. The list becomes `[new]`; the
 *   update run applies that, waits for Ready, and only then its retire-signing-keys step deletes
 *   the old key from the vault (a listed key missing from the vault would fail the whole mount).
 *
 * One rotation at a time: rotating again before retiring is refused. Only a tenant whose Tenant
 * has a vault binding has mounted signing keys (without one, cerebro keeps an in-memory key; the
 * local data plane of `npm start` mounts whatever the vault holds).
 */
import { z } from 'zod';
import type { Database, ProvisioningRunRecord, TenantRecord } from '@cw/db';
import { RETIRE_AFTER_SECONDS, type TenantBindings, type TenantSpec } from '@cw/tenant-model';
import { ConflictError } from '../errors.js';
import type { Clock } from '../ports.js';
import type { TransitionTenantUseCase } from '../lifecycle/transition-tenant.usecase.js';
import { parseInput } from './admin-input.js';
import type { AdminContext } from './admin-ports.js';
import { findTenant, lockTenant } from './admin-views.js';

/** The key the provisioner seeds first; mounted when the Tenant lists none. */
export const FIRST_SIGNING_KEY = 'engine-signing-0001';

/**
 * How long after the rotation was rolled out the old key may go, in seconds: derived from the
 * rotation's timing contract cerebro and the engines follow (@cw/tenant-model signing-keys.ts).
 */
export { RETIRE_AFTER_SECONDS };

/**
 * Run goals that render, apply and wait for the Tenant to be Ready (await-ready): one of them
 * succeeding at the rotation's spec version means cerebro runs with the new key mounted. (`resync`
 * applies without waiting, so it does not count.)
 */
const ROLLOUT_GOALS = new Set(['provision', 'update', 'resume']);
/** States whose spec may change (the `plan_changed` event's sources). */
const CHANGEABLE = new Set(['provisioning', 'active', 'suspended', 'failed']);

export const signingKeyActionBodySchema = z
  .strictObject({ reason: z.string().trim().min(1).max(500).optional() })
  .meta({ id: 'SigningKeyActionRequest' });

export const signingKeysViewSchema = z
  .object({
    tenantId: z.uuid(),
    slug: z.string(),
    keys: z
      .array(z.string())
      .meta({ description: 'Mounted signing keys, oldest first; the last one signs.' }),
    listed: z.boolean().meta({
      description: 'false: the Tenant lists none and the chart mounts engine-signing-0001 (never rotated).',
    }),
    vault: z
      .string()
      .nullable()
      .meta({ description: "The vault's kind; null: no vault binding, nothing mounted." }),
    rotation: z
      .object({
        key: z.string(),
        retiring: z.string(),
        specVersion: z.int(),
        rolledOutAt: z.iso.datetime().nullable(),
        retireAfter: z.iso.datetime().nullable(),
      })
      .nullable()
      .meta({ description: 'A rotation waiting to be retired: the old key is still mounted.' }),
    run: z.object({ id: z.uuid(), goal: z.string() }).nullable(),
    message: z.string(),
  })
  .meta({ id: 'SigningKeysView' });
export type SigningKeysView = z.output<typeof signingKeysViewSchema>;

/** Where the Tenant's vault binding is when the stored spec has none: the stack's outputs. */
export type VaultBindingSource = (slug: string) => Promise<TenantBindings['vault'] | undefined>;

const keyNumber = (name: string): number => Number(/^engine-signing-(\d+)$/.exec(name)?.[1] ?? 0);
const nextKey = (names: readonly string[]): string =>
  `engine-signing-${String(Math.max(0, ...names.map(keyNumber)) + 1).padStart(4, '0')}`;

export class SigningKeysUseCase {
  constructor(
    private readonly db: Database,
    private readonly transitions: TransitionTenantUseCase,
    private readonly stackVault: VaultBindingSource,
    private readonly clock: Clock,
  ) {}

  async view(ref: string): Promise<SigningKeysView> {
    const tenant = await findTenant(this.db, ref);
    const vault = await this.vaultOf(tenant);
    const state = await this.rotationState(tenant);
    return this.toView(
      tenant,
      vault,
      state,
      null,
      state ? retireMessage(state, this.clock()) : idleMessage(vault),
    );
  }

  async rotate(ref: string, body: unknown, ctx: AdminContext): Promise<SigningKeysView> {
    const { reason } = parseInput(signingKeyActionBodySchema, body);
    const found = await findTenant(this.db, ref);
    const stack = await this.vaultOf(found);
    if (!stack)
      throw new ConflictError(
        `the tenant "${found.slug}" has no vault binding: its cerebro mounts no signing key to rotate (an in-memory key, or npm start's local vault)`,
      );
    const outcome = await this.db.transaction(async (tx) => {
      const tenant = await lockTenant(tx, found.id);
      if (!CHANGEABLE.has(tenant.state))
        throw new ConflictError(
          `signing keys can be rotated once the tenant is provisioned (it is ${tenant.state})`,
        );
      const keys = keysOf(tenant.spec);
      if (keys.length > 1)
        throw new ConflictError(
          `a rotation is in progress (${keys.join(', ')} mounted): retire ${keys[0]} first (POST …/signing-keys/retire)`,
        );
      const key = nextKey(keys);
      const spec = withKeys(tenant.spec, tenant.spec.bindings.vault ?? stack, [...keys, key]);
      return this.transitions.inTransaction(tx, tenant.id, 'plan_changed', {
        actor: ctx.actor,
        cause: `engine signing key rotated: ${key} added${reason ? `: ${reason}` : ''}`,
        correlationId: ctx.correlationId,
        spec,
        details: { signingKeys: { rotated: key, mounted: [...keys, key] } },
        run: { goal: 'update', idempotencyKey: `rotate-signing-key:${key}` },
      });
    });
    await this.transitions.afterCommit(outcome);
    const state = await this.rotationState(outcome.tenant);
    return this.toView(
      outcome.tenant,
      stack,
      state,
      outcome.run,
      `Rotating: ${state?.key} is created in the vault and mounted next to ${state?.retiring}; cerebro signs with it after its grace period. Retire ${state?.retiring} once the run succeeded and ${RETIRE_AFTER_SECONDS} s have passed.`,
    );
  }

  async retire(ref: string, body: unknown, ctx: AdminContext): Promise<SigningKeysView> {
    const { reason } = parseInput(signingKeyActionBodySchema, body);
    const found = await findTenant(this.db, ref);
    const stack = await this.vaultOf(found);
    const { outcome, retired } = await this.db.transaction(async (tx) => {
      const tenant = await lockTenant(tx, found.id);
      const state = await this.rotationState(tenant);
      if (!state)
        throw new ConflictError(`nothing to retire: only ${keysOf(tenant.spec).join(', ')} is mounted`);
      const now = this.clock();
      if (!state.retireAfter || state.retireAfter > now)
        throw new ConflictError(retireMessage(state, now), [
          { path: 'signingKeys', message: `${state.retiring} may still have signed a valid token` },
        ]);
      const keys = keysOf(tenant.spec).filter((k) => k !== state.retiring);
      const changed = await this.transitions.inTransaction(tx, tenant.id, 'plan_changed', {
        actor: ctx.actor,
        cause: `engine signing key retired: ${state.retiring}${reason ? `: ${reason}` : ''}`,
        correlationId: ctx.correlationId,
        spec: withKeys(tenant.spec, tenant.spec.bindings.vault!, keys),
        details: { signingKeys: { retired: state.retiring, mounted: keys } },
        run: { goal: 'update', idempotencyKey: `retire-signing-key:${state.retiring}` },
      });
      return { outcome: changed, retired: state.retiring };
    });
    await this.transitions.afterCommit(outcome);
    return this.toView(
      outcome.tenant,
      stack,
      null,
      outcome.run,
      `Retiring ${retired}: the update run applies the Tenant without it, waits until it is Ready, then deletes it from the vault (step retire-signing-keys).`,
    );
  }

  private async vaultOf(tenant: TenantRecord): Promise<TenantBindings['vault'] | undefined> {
    return tenant.spec.bindings.vault ?? (await this.stackVault(tenant.slug));
  }

  /** The rotation waiting for its retire: two keys listed, and when the newer one was rolled out. */
  private async rotationState(tenant: TenantRecord): Promise<RotationState | undefined> {
    const keys = keysOf(tenant.spec);
    if (keys.length < 2) return undefined;
    const key = keys.at(-1)!;
    const rotation = await this.db.runs.findByKey(tenant.id, `rotate-signing-key:${key}`);
    const since = rotation?.specVersion ?? tenant.specVersion;
    const runs = await this.db.runs.listByTenant(tenant.id, { limit: 100 });
    const rolledOut = runs
      .filter(
        (r) =>
          ROLLOUT_GOALS.has(r.goal) && r.status === 'succeeded' && r.specVersion >= since && r.finishedAt,
      )
      .map((r) => r.finishedAt!)
      .sort((a, b) => a.getTime() - b.getTime())[0];
    return {
      key,
      retiring: keys[0]!,
      specVersion: since,
      rolledOutAt: rolledOut ?? null,
      retireAfter: rolledOut ? new Date(rolledOut.getTime() + RETIRE_AFTER_SECONDS * 1000) : null,
      run: rotation ?? null,
    };
  }

  private toView(
    tenant: TenantRecord,
    vault: TenantBindings['vault'] | undefined,
    state: RotationState | undefined | null,
    run: { run: { id: string; goal: string } } | undefined | null,
    message: string,
  ): SigningKeysView {
    return {
      tenantId: tenant.id,
      slug: tenant.slug,
      keys: keysOf(tenant.spec),
      listed: Boolean(tenant.spec.bindings.vault?.signingKeys),
      vault: vault?.kind ?? null,
      rotation: state
        ? {
            key: state.key,
            retiring: state.retiring,
            specVersion: state.specVersion,
            rolledOutAt: state.rolledOutAt?.toISOString() ?? null,
            retireAfter: state.retireAfter?.toISOString() ?? null,
          }
        : null,
      run: run ? { id: run.run.id, goal: run.run.goal } : null,
      message,
    };
  }
}

interface RotationState {
  key: string;
  retiring: string;
  specVersion: number;
  rolledOutAt: Date | null;
  retireAfter: Date | null;
  run: ProvisioningRunRecord | null;
}

const keysOf = (spec: TenantSpec): string[] => [...(spec.bindings.vault?.signingKeys ?? [FIRST_SIGNING_KEY])];

function withKeys(spec: TenantSpec, vault: NonNullable<TenantBindings['vault']>, keys: string[]): TenantSpec {
  return { ...spec, bindings: { ...spec.bindings, vault: { ...vault, signingKeys: keys } } };
}

function retireMessage(state: RotationState, now: Date): string {
  if (!state.retireAfter)
    return `${state.retiring} cannot be retired yet: the rotation to ${state.key} has not been rolled out (no run at spec version ${state.specVersion} or later has succeeded${state.run ? `; the rotation's run is ${state.run.status}` : ''})`;
  const wait = Math.ceil((state.retireAfter.getTime() - now.getTime()) / 1000);
  return wait > 0
    ? `${state.retiring} cannot be retired before ${state.retireAfter.toISOString()} (in ${wait} s): tokens it signed may still be valid until ${RETIRE_AFTER_SECONDS} s after ${state.key} was rolled out`
    : `${state.retiring} may be retired now (POST …/signing-keys/retire)`;
}

const idleMessage = (vault: TenantBindings['vault'] | undefined): string =>
  vault
    ? 'One signing key mounted: rotate to add the next (POST …/signing-keys/rotate).'
    : 'No vault binding: cerebro mounts no signing key here, there is nothing to rotate.';
