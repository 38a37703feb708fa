/**
 * retire-signing-keys (update runs, after await-ready): deletes from the tenant vault the engine
 * signing keys the applied Tenant no longer lists in `spec.bindings.vault.signingKeys` — the
 * second half of retiring a key (ADR 0004). Only now is it safe: await-ready of this run saw the
 * Tenant without the key Ready, so no SecretProviderClass / ExternalSecret names it any more (a
 * listed key missing from the vault fails the whole mount). The Tenant is the one this run
 * rendered and applied (`tenant.yaml`), not the desired spec as it is now: a retire requested
 * after this run's render must wait for its own run.
 *
 * Skipped, saying why: the Tenant lists no signing keys (the chart mounts the first key; nothing
 * was rotated), await-ready did not confirm the rollout (render-only: nobody knows when the Tenant
 * is applied, so keys stay until an update run with a cluster), or the vault is not one the
 * provisioner writes (DATA_PLANE_SECRETS). Safe to repeat: a deleted key is not deleted twice.
 */
import { parse } from 'yaml';
import { parseTenant, type Tenant } from '@cw/tenant-model';
import { ARTIFACT } from '../artifacts.js';
import type { ArtifactStore, DataPlaneSecrets } from '../ports.js';
import { skipped, succeeded, type StepContext, type StepHandler, type StepResult } from '../step.js';

export interface RetireSigningKeysInput {
  /** The Tenant this run applied; undefined when render-tenant wrote none (waiting for bindings). */
  readonly tenant: Tenant | undefined;
  /** await-ready of this run saw the Tenant Ready (not skipped). */
  readonly rolledOut: boolean;
}

export interface RetireSigningKeysOutput {
  /** Names of the keys deleted now (names are not secret). */
  readonly deleted: readonly string[];
  readonly kept: readonly string[];
}

export class RetireSigningKeysStep implements StepHandler<RetireSigningKeysInput, RetireSigningKeysOutput> {
  readonly name = 'retire-signing-keys' as const;

  constructor(
    private readonly deps: {
      artifacts: ArtifactStore;
      /** Absent: nothing is deleted and the step says so. */
      secrets?: DataPlaneSecrets | undefined;
    },
  ) {}

  async input(ctx: StepContext): Promise<RetireSigningKeysInput> {
    const text = await this.deps.artifacts.read(ctx.tenant.slug, ARTIFACT.tenant);
    const awaited = ctx.run.steps.find((s) => s.step === 'await-ready');
    return {
      tenant: text === undefined ? undefined : parseTenant(parse(text)),
      rolledOut: awaited?.status === 'succeeded',
    };
  }

  async run(input: RetireSigningKeysInput, ctx: StepContext): Promise<StepResult<RetireSigningKeysOutput>> {
    const listed = input.tenant?.spec.bindings.vault?.signingKeys;
    if (!input.tenant || !listed) return skipped('the Tenant lists no signing keys: nothing was rotated');
    if (!input.rolledOut)
      return skipped(
        `the rollout was not confirmed (render-only or await-ready skipped): retired keys stay in the vault until an update run sees the Tenant listing only ${listed.join(', ')} Ready`,
      );
    if (!this.deps.secrets) return skipped('no tenant vault configured: no key was deleted');
    const result = await this.deps.secrets.seed(input.tenant, { signingKeys: listed, retireUnlisted: true });
    if ('skipped' in result) return skipped(`no key was deleted: ${result.skipped}`);
    const deleted = result.deleted ?? [];
    ctx.checkpoint('retired');
    if (!deleted.length)
      return skipped(`no retired signing key in the vault (mounted: ${listed.join(', ')})`, {
        deleted,
        kept: result.kept,
      });
    ctx.log.info({ slug: input.tenant.metadata.name, deleted }, 'retired engine signing keys deleted');
    return succeeded({ deleted, kept: result.kept }, `deleted from the vault: ${deleted.join(', ')}`);
  }
}
