/**
 * Tenant status from what a reconcile saw: phase, the Ready / Progressing / Degraded conditions
 * (reason + message, observedGeneration), namespace, url and per-workload readiness. Pure: the
 * same inputs give the same status, and lastTransitionTime only moves when a condition flips,
 * so an unchanged tenant produces an identical status and no write.
 */
import { canonicalJson, type KubeObject } from '@cw/k8s-charts';
import {
  formatIssue,
  tenantNamespace,
  type Tenant,
  type TenantCondition,
  type TenantPhase,
  type TenantStatus,
  type ValidationIssue,
  type WorkloadStatus,
} from '@cw/tenant-model';

export interface PhaseError {
  readonly phase: string;
  readonly message: string;
}

export type Outcome =
  | { readonly kind: 'invalid'; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: 'deleting' }
  | {
      readonly kind: 'applied';
      readonly errors: readonly PhaseError[];
      readonly suspended: boolean;
      /** Unknown when the reconcile failed before the spec was read. */
      readonly url?: string;
    };

export interface DeploymentLike {
  metadata: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

/** Readiness of one desired Deployment given its live copy (undefined when not created yet). */
export function workloadStatus(desired: KubeObject, live: DeploymentLike | undefined): WorkloadStatus {
  const replicas = (desired.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  const s = live?.status ?? {};
  const current =
    live !== undefined &&
    (s.observedGeneration ?? 0) >= (live.metadata.generation ?? 0) &&
    (live.spec?.replicas ?? 1) === replicas;
  const ready =
    current &&
    (s.updatedReplicas ?? 0) >= replicas &&
    (s.availableReplicas ?? 0) >= replicas &&
    (s.readyReplicas ?? 0) >= replicas &&
    (s.replicas ?? 0) === replicas;
  return {
    name: desired.metadata.name,
    kind: desired.metadata.name === 'cerebro' ? 'cerebro' : 'engine',
    replicas,
    readyReplicas: s.readyReplicas ?? 0,
    ready,
  };
}

const condition = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string) => ({
  type,
  status,
  reason,
  message,
});

export interface ComputeStatusInput {
  readonly tenant: Tenant;
  readonly outcome: Outcome;
  readonly workloads: readonly WorkloadStatus[];
  /** RFC 3339 time stamped on conditions that flip. */
  readonly now: string;
}

export function computeStatus({ tenant, outcome, workloads, now }: ComputeStatusInput): TenantStatus {
  const generation = tenant.metadata.generation;
  const notReady = workloads.filter((w) => !w.ready);
  const readiness = notReady.map((w) => `${w.name} ${w.readyReplicas}/${w.replicas} ready`).join(', ');
  let phase: TenantPhase;
  let conds: Array<ReturnType<typeof condition>>;
  switch (outcome.kind) {
    case 'deleting':
      phase = 'Terminating';
      conds = [
        condition(
          'Ready',
          'False',
          'Deleting',
          'The tenant is being deleted: its namespace and everything in it are being removed.',
        ),
        condition('Progressing', 'True', 'Deleting', 'Waiting for the tenant namespace to be deleted.'),
        condition('Degraded', 'False', 'AsExpected', 'No problem found.'),
      ];
      break;
    case 'invalid': {
      phase = 'Degraded';
      const message = `The spec is invalid: ${outcome.issues.map(formatIssue).join('; ')}`;
      conds = [
        condition('Ready', 'False', 'InvalidSpec', message),
        condition('Progressing', 'False', 'InvalidSpec', 'Nothing is applied until the spec is fixed.'),
        condition('Degraded', 'True', 'InvalidSpec', message),
      ];
      break;
    }
    case 'applied': {
      if (outcome.errors.length > 0) {
        phase = 'Degraded';
        const failed = [...new Set(outcome.errors.map((e) => e.phase))];
        const reason = `${failed.map((p) => p[0]!.toUpperCase() + p.slice(1)).join('')}Failed`.slice(0, 64);
        const message = outcome.errors
          .map((e) => `${e.phase}: ${e.message}`)
          .join('; ')
          .slice(0, 2000);
        conds = [
          condition('Ready', 'False', reason, message),
          condition('Progressing', 'False', reason, 'Retrying with backoff.'),
          condition('Degraded', 'True', reason, message),
        ];
      } else if (outcome.suspended) {
        phase = 'Suspended';
        conds = [
          condition(
            'Ready',
            'False',
            'Suspended',
            'The tenant is suspended: its data is kept and its workloads are scaled to zero.',
          ),
          notReady.length > 0
            ? condition('Progressing', 'True', 'ScalingDown', `Scaling workloads to zero: ${readiness}.`)
            : condition('Progressing', 'False', 'Suspended', 'Every workload is scaled to zero.'),
          condition('Degraded', 'False', 'AsExpected', 'No problem found.'),
        ];
      } else if (notReady.length > 0) {
        phase = 'Provisioning';
        conds = [
          condition('Ready', 'False', 'WorkloadsNotReady', `Waiting for workloads: ${readiness}.`),
          condition(
            'Progressing',
            'True',
            'RollingOut',
            `Every object is applied; rolling out: ${readiness}.`,
          ),
          condition('Degraded', 'False', 'AsExpected', 'No problem found.'),
        ];
      } else {
        phase = 'Ready';
        conds = [
          condition(
            'Ready',
            'True',
            'AllWorkloadsReady',
            `cerebro and ${workloads.length - 1} engine(s) are ready at ${outcome.url ?? 'its hostname'}.`,
          ),
          condition('Progressing', 'False', 'Reconciled', 'Every object matches the spec.'),
          condition('Degraded', 'False', 'AsExpected', 'No problem found.'),
        ];
      }
      break;
    }
  }
  const previous = tenant.status?.conditions ?? [];
  const conditions: TenantCondition[] = conds.map((c) => {
    const before = previous.find((p) => p.type === c.type);
    return {
      ...c,
      lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : now,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
  });
  const url = (outcome.kind === 'applied' ? outcome.url : undefined) || tenant.status?.url;
  const status: TenantStatus = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    phase,
    conditions,
    namespace: tenantNamespace(tenant.metadata.name),
    // Never an empty string: Kubernetes 1.20 turns "" in a custom resource into null and rejects it.
    ...(url ? { url } : {}),
    // Every key is always written: a merge patch cannot remove a key it leaves out.
    workloads: [...workloads],
  };
  return status;
}

/** Whether writing `next` would change what is stored. */
export function statusChanged(current: TenantStatus | undefined, next: TenantStatus): boolean {
  return canonicalJson(current ?? {}) !== canonicalJson(next);
}
