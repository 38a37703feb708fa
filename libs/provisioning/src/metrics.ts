/** Onboarding time per stage: one histogram, labelled by step, goal and outcome. */
import {
  DURATION_BUCKETS,
  Histogram,
  createOnboardingRecorder,
  type OnboardingRecorder,
  type Registry,
} from '@cw/observability';
import type { ProvisioningGoal, ProvisioningStep } from '@cw/tenant-model';

export const STEP_DURATION_METRIC = 'cw_provisioning_step_duration_seconds';
export type StepOutcome = 'succeeded' | 'skipped' | 'retrying' | 'failed';

export interface ProvisioningMetrics {
  observeStep(step: ProvisioningStep, goal: ProvisioningGoal, outcome: StepOutcome, seconds: number): void;
  /** The onboarding stages the provisioner observes (provisioning_started, provisioned): span + histogram. */
  readonly onboarding?: OnboardingRecorder;
}

export function createProvisioningMetrics(registry: Registry): ProvisioningMetrics {
  const existing = registry.getSingleMetric(STEP_DURATION_METRIC) as
    Histogram<'step' | 'goal' | 'outcome'> | undefined;
  const histogram =
    existing ??
    new Histogram({
      name: STEP_DURATION_METRIC,
      help: 'Duration of provisioning step attempts, by step, goal and outcome.',
      labelNames: ['step', 'goal', 'outcome'] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
  return {
    observeStep: (step, goal, outcome, seconds) => histogram.observe({ step, goal, outcome }, seconds),
    onboarding: createOnboardingRecorder({ registry }),
  };
}
