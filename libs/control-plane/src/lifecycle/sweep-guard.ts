/** One tenant's step of the periodic sweep, isolated from the others. */
import { IllegalTransitionError } from '@cw/tenant-model';
import type { Logger } from '../ports.js';
import type { TransitionOutcome, TransitionTenantUseCase } from './transition-tenant.usecase.js';

/**
 * Runs `fn` (a transaction that may move the tenant) and, once it committed, the transition's
 * after-commit work. A failure is logged and swallowed: one tenant's problem must not stop the
 * sweep for the others. An illegal transition means the tenant moved on meanwhile: not an error.
 */
export async function sweepTenant(
  transitions: TransitionTenantUseCase,
  logger: Logger,
  tenantId: string,
  fn: () => Promise<TransitionOutcome | undefined>,
): Promise<TransitionOutcome | undefined> {
  try {
    const outcome = await fn();
    if (outcome) await transitions.afterCommit(outcome);
    return outcome;
  } catch (error) {
    if (!(error instanceof IllegalTransitionError))
      logger.error({ err: error, tenantId }, 'deadline sweep failed for tenant');
    return undefined;
  }
}
