/** One handler per step of the queue contract; a step without one stops the provisioner at start. */
import { PROVISIONING_STEPS, type ProvisioningStep } from '@cw/tenant-model';
import { MissingStepHandlerError } from './errors.js';
import type { AnyStepHandler } from './step.js';

export class StepRegistry {
  private readonly handlers = new Map<ProvisioningStep, AnyStepHandler>();

  constructor(handlers: readonly AnyStepHandler[]) {
    for (const handler of handlers) {
      if (this.handlers.has(handler.name))
        throw new Error(`two handlers registered for step ${handler.name}`);
      this.handlers.set(handler.name, handler);
    }
    const missing = PROVISIONING_STEPS.filter((step) => !this.handlers.has(step));
    if (missing.length > 0) throw new MissingStepHandlerError(missing);
  }

  get(step: ProvisioningStep): AnyStepHandler {
    const handler = this.handlers.get(step);
    if (!handler) throw new MissingStepHandlerError([step]);
    return handler;
  }

  get steps(): ProvisioningStep[] {
    return [...this.handlers.keys()];
  }
}
