/**
 * notify: the welcome e-mail with the tenant URL, exactly once even across crashes. The send is
 * bracketed by an idempotency record (`sending` before, `sent` after); a crash between the two
 * re-sends with the same idempotency key, which the mail transport uses to drop the repeat.
 */
import { hashId } from '@cw/observability';
import { validateTenantSpec, workspaceUrlFrom, type WorkspaceUrl } from '@cw/tenant-model';
import { PermanentStepError } from '../errors.js';
import { pendingBindings } from '../artifacts.js';
import type { ArtifactStore, Notifier, RunStore, WelcomeMessage } from '../ports.js';
import { skipped, succeeded, type StepContext, type StepHandler, type StepResult } from '../step.js';

export interface NotifyInput {
  readonly message: WelcomeMessage;
  readonly idempotencyKey: string;
}

export interface NotifyOutput {
  /** sha256 pseudonym: no address in step rows. */
  readonly to: string;
  readonly url: string;
}

export const welcomeKey = (tenantId: string): string => `welcome:${tenantId}`;

export class NotifyStep implements StepHandler<NotifyInput, NotifyOutput> {
  readonly name = 'notify' as const;

  constructor(
    private readonly deps: {
      notifier: Notifier;
      store: RunStore;
      artifacts?: ArtifactStore;
      workspaceUrl?: WorkspaceUrl;
    },
  ) {}

  async input(ctx: StepContext): Promise<NotifyInput> {
    const spec = validateTenantSpec(ctx.tenant.spec);
    if (!spec.ok)
      throw new PermanentStepError(
        `the tenant "${ctx.tenant.slug}" is not valid: ${spec.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      );
    return {
      message: {
        to: ctx.tenant.adminEmail,
        displayName: spec.value.displayName,
        slug: ctx.tenant.slug,
        url: (this.deps.workspaceUrl ?? workspaceUrlFrom())({ slug: ctx.tenant.slug, spec: spec.value }),
      },
      idempotencyKey: welcomeKey(ctx.tenant.id),
    };
  }

  async run(input: NotifyInput, ctx: StepContext): Promise<StepResult<NotifyOutput>> {
    const { notifier, store } = this.deps;
    const tenantId = ctx.tenant.id;
    const key = input.idempotencyKey;
    const output = { to: hashId(input.message.to), url: input.message.url };
    // Not deployed yet: the welcome e-mail waits for the run that deploys it.
    if (this.deps.artifacts && (await pendingBindings(this.deps.artifacts, ctx.tenant.slug)))
      return skipped('workspace not deployed yet: waiting for the infrastructure pipeline', output);
    const status = await store.notificationStatus(tenantId, key);
    if (status === 'sent') return skipped('welcome e-mail already sent', output);
    // `sending` without `sent`: an earlier attempt died around the send; ask before sending again.
    if (status === 'sending' && (await notifier.wasSent(input.message, key))) {
      await store.markNotification(tenantId, key, 'sent', ctx.run.correlationId);
      return skipped('welcome e-mail already sent (recorded after a restart)', output);
    }
    await store.markNotification(tenantId, key, 'sending', ctx.run.correlationId);
    ctx.checkpoint('sending');
    await notifier.sendWelcome(input.message, key);
    ctx.checkpoint('sent');
    await store.markNotification(tenantId, key, 'sent', ctx.run.correlationId);
    return succeeded(output, `welcome e-mail sent with ${input.message.url}`);
  }
}
