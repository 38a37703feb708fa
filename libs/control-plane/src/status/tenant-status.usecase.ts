/**
 * What the customer's status page shows: the tenant's state in words, the latest provisioning
 * run step by step, the URL once active, billing actions, and what to do when something failed.
 */
import {
  PLANS,
  isGone,
  tenantUrl,
  workspaceUrlFrom,
  type ProvisioningGoal,
  type ProvisioningStep,
  type TenantState,
  type WorkspaceUrl,
} from '@cw/tenant-model';
import type { Database, RunStatus, StepStatus, TenantRecord } from '@cw/db';
import type { SessionPayload } from '../session/session-cookie.js';
import { tenantForSession } from './tenant-access.js';
import type { WorkspaceProbe } from '../ports.js';
import { onboardingSteps, type OnboardingStep } from './onboarding.js';

export const STEP_LABELS: Record<ProvisioningStep, string> = {
  'synthesize-infrastructure': 'Preparing cloud infrastructure',
  'apply-infrastructure': 'Creating cloud resources',
  'render-tenant': 'Rendering your workspace configuration',
  'apply-tenant': 'Deploying your workspace',
  'await-ready': 'Waiting for your workspace to become ready',
  notify: 'Sending the welcome e-mail',
  'purge-tenant-data': "Removing your workspace's data",
  'retire-signing-keys': 'Removing retired signing keys',
};

/** Offboarding runs the same steps to take the workspace down: they say so. */
const OFFBOARD_LABELS: Partial<Record<ProvisioningStep, string>> = {
  'apply-tenant': 'Removing your workspace',
  'apply-infrastructure': 'Removing cloud resources',
};

export const stepLabel = (step: ProvisioningStep, goal: ProvisioningGoal): string =>
  (goal === 'offboard' ? OFFBOARD_LABELS[step] : undefined) ?? STEP_LABELS[step] ?? step;

export interface StatusMessage {
  tone: 'info' | 'success' | 'warning' | 'error';
  title: string;
  body: string;
}

export interface TenantStatusView {
  tenant: {
    id: string;
    slug: string;
    displayName: string;
    state: TenantState;
    plan: string;
    seats: number;
    cloud: string;
    region: string;
    isolation: string;
    hostname: string;
    /** Only when the tenant is active. */
    url: string | null;
    /** The customer's own identity provider, when connected (its issuer; never the secret). */
    identity: { issuer: string } | null;
    /** Whether the customer may still connect or change it (not once offboarding). */
    canConnectIdentity: boolean;
  };
  billing: {
    mode: 'stripe' | 'trial';
    /** Billing configured on this control plane. */
    enabled: boolean;
    needsCheckout: boolean;
    canOpenPortal: boolean;
    pastDue: boolean;
    graceUntil: string | null;
    offboardAt: string | null;
    trialDays: number | null;
  };
  run: {
    id: string;
    goal: ProvisioningGoal;
    status: RunStatus;
    error: string | null;
    steps: {
      step: ProvisioningStep;
      label: string;
      status: StepStatus;
      attempts: number;
      durationMs: number | null;
      error: string | null;
    }[];
  } | null;
  message: StatusMessage;
  /** The six onboarding steps with what the control plane knows of each (onboarding.ts). */
  onboarding: OnboardingStep[];
  /** Quote this to support. */
  reference: string;
  /** True while something is still moving; the page keeps listening only then. */
  live: boolean;
}

export class TenantStatusUseCase {
  constructor(
    private readonly db: Database,
    private readonly billingEnabled: boolean,
    /** Without one, step 6 stays "waiting" (nothing asked the workspace). */
    private readonly probe?: WorkspaceProbe,
    /** Where workspaces are opened (default https://<spec.hostname>). */
    private readonly workspaceUrl: WorkspaceUrl = workspaceUrlFrom(),
    /**
     * Workspaces may be served without a cluster (npm start's local data plane runs them from the
     * rendered manifests): render-only tenants are probed too, and an answer counts as deployed.
     */
    private readonly servedWithoutCluster = false,
  ) {}

  async execute(session: SessionPayload | undefined, tenantId?: string): Promise<TenantStatusView> {
    const tenant = await tenantForSession(this.db, session, tenantId);
    const run = await this.db.runs.latestForTenant(tenant.id);
    const failedStep = run?.steps.find((s) => s.status === 'failed');
    const renderOnly = renderOnlyCommand(run?.steps);
    const pending = pendingInfrastructure(run?.steps);
    const live = (tenant.state === 'active' || tenant.state === 'suspended') && !pending?.length;
    const url = this.workspaceUrl(tenant);
    const probe = this.probe && live && (!renderOnly || this.servedWithoutCluster);
    const workspaceAnswers = probe ? await this.probe!.answers(url).catch(() => false) : null;
    const deployed = live && (!renderOnly || workspaceAnswers === true);
    const undeployed = workspaceAnswers === true ? undefined : renderOnly;
    return {
      tenant: {
        id: tenant.id,
        slug: tenant.slug,
        displayName: tenant.displayName,
        state: tenant.state,
        plan: PLANS[tenant.spec.plan].displayName,
        seats: tenant.spec.seats,
        cloud: tenant.spec.cloud.provider,
        region: tenant.spec.cloud.region,
        isolation: tenant.spec.isolation,
        hostname: tenant.spec.hostname,
        url: tenant.state === 'active' ? url : null,
        identity: tenant.spec.identity ? { issuer: tenant.spec.identity.issuer } : null,
        canConnectIdentity: !isGone(tenant.state),
      },
      billing: {
        mode: tenant.billingMode,
        enabled: this.billingEnabled,
        needsCheckout: this.billingEnabled && tenant.state === 'pending_payment',
        canOpenPortal: this.billingEnabled && tenant.stripeCustomerId !== null,
        pastDue: tenant.pastDueSince !== null,
        graceUntil: tenant.graceUntil?.toISOString() ?? null,
        offboardAt: tenant.offboardAt?.toISOString() ?? null,
        trialDays: tenant.billingMode === 'trial' ? PLANS[tenant.spec.plan].trialDays : null,
      },
      run: run
        ? {
            id: run.id,
            goal: run.goal,
            status: run.status,
            error: run.error,
            steps: run.steps.map((s) => ({
              step: s.step,
              label: stepLabel(s.step, run.goal),
              status: s.status,
              attempts: s.attempts,
              durationMs: s.durationMs,
              error: s.error,
            })),
          }
        : null,
      message: messageFor(
        tenant,
        this.billingEnabled,
        failedStep && run ? stepLabel(failedStep.step, run.goal) : undefined,
        undeployed,
        pending,
        url,
      ),
      onboarding: onboardingSteps({
        tenant,
        billingEnabled: this.billingEnabled,
        deployed,
        workspaceAnswers,
        workspaceUrl: url,
      }),
      reference: tenant.correlationId,
      live:
        tenant.state === 'provisioning' ||
        tenant.state === 'pending_payment' ||
        tenant.state === 'offboarding' ||
        run?.status === 'running' ||
        run?.status === 'queued',
    };
  }
}

/** The kubectl command when the pipeline rendered the Tenant but no cluster was configured. */
function renderOnlyCommand(
  steps: ReadonlyArray<{ step: string; output: Record<string, unknown> | null }> | undefined,
): string | undefined {
  const output = steps?.find((s) => s.step === 'apply-tenant')?.output;
  return output?.mode === 'render-only' && typeof output.command === 'string' ? output.command : undefined;
}

/** The bindings the last run is waiting for (gitops executor: known only after the pipeline applies). */
function pendingInfrastructure(
  steps: ReadonlyArray<{ step: string; status: string; output: Record<string, unknown> | null }> | undefined,
): string[] | undefined {
  // A skipped step keeps only its reason, `output.reason` (libs/provisioning apply-tenant.step.ts words it so).
  const apply = steps?.find((s) => s.step === 'apply-tenant');
  const reason =
    apply?.status === 'skipped' && typeof apply.output?.reason === 'string' ? apply.output.reason : '';
  const match = /^not applied: waiting for the infrastructure pipeline to report (.+)$/.exec(reason);
  return match?.[1]?.split(', ');
}

const PENDING_WORDS: Record<string, string> = {
  'spec.bindings.identity.clientId': 'the workload identity of your workspace',
};

function messageFor(
  tenant: TenantRecord,
  billingEnabled: boolean,
  failedStep: string | undefined,
  renderOnly?: string,
  pending?: string[],
  url: string = tenantUrl(tenant.spec),
): StatusMessage {
  switch (tenant.state) {
    case 'pending_verification':
      return {
        tone: 'info',
        title: 'Confirm your e-mail',
        body: 'Open the link we e-mailed you to continue.',
      };
    case 'pending_payment':
      return billingEnabled
        ? {
            tone: 'info',
            title: 'Waiting for payment',
            body: 'Complete the checkout to start provisioning. If you just paid, this page updates by itself in a moment.',
          }
        : { tone: 'info', title: 'Waiting to start', body: 'Your workspace starts shortly.' };
    case 'provisioning':
      return {
        tone: 'info',
        title: 'Setting up your workspace',
        body:
          tenant.billingMode === 'trial'
            ? `Billing is not enabled here, so your workspace runs on a ${PLANS[tenant.spec.plan].trialDays}-day trial. This page updates as each step finishes.`
            : 'Payment received. This page updates as each step finishes; you can close it, we e-mail you when it is ready.',
      };
    case 'active':
      return tenant.pastDueSince
        ? {
            tone: 'warning',
            title: 'Payment overdue',
            body: `Your last payment failed. Update your payment method before ${tenant.graceUntil?.toUTCString() ?? 'the end of the grace period'} to avoid suspension.`,
          }
        : pending
          ? {
              tone: 'info',
              title: 'Waiting for your cloud resources',
              body: `Your workspace's cloud resources were requested from the platform's infrastructure pipeline. It is deployed once that pipeline has created them and reported ${pending.map((p) => PENDING_WORDS[p] ?? p).join(', ')}; no action is needed from you, and we e-mail you when it is ready. This page updates by itself.`,
            }
          : renderOnly
            ? {
                tone: 'info',
                title: 'Provisioned (render-only)',
                body: `No cluster is configured here, so your workspace was rendered but not deployed. A platform operator deploys it with: ${renderOnly}`,
              }
            : {
                tone: 'success',
                title: 'Your workspace is ready',
                body: `Open it at ${url}.`,
              };
    case 'suspended':
      return tenant.suspensionReason === 'billing'
        ? {
            tone: 'warning',
            title: 'Suspended for non-payment',
            body: 'Your data is kept. Pay the open invoice in the billing portal and the workspace resumes by itself.',
          }
        : {
            tone: 'warning',
            title: 'Suspended',
            body: 'Your workspace was suspended by our support team; your data is kept. Contact support to resume it.',
          };
    case 'failed':
      return {
        tone: 'error',
        title: 'Provisioning stopped',
        body: `${failedStep ? `The step "${failedStep}" failed after several attempts, so provisioning stopped there. ` : ''}Nothing you set up is lost. Contact support and quote the reference below: they can see what failed and retry from that step.`,
      };
    case 'offboarding':
      return {
        tone: 'warning',
        title: 'Being removed',
        body: 'The subscription ended; the workspace and its cloud resources are being removed.',
      };
    case 'deleted':
      return tenant.slugReleasedAt
        ? {
            tone: 'info',
            title: 'Sign-up expired',
            body: 'This sign-up was not completed in time, so we removed it and your e-mail address. Sign up again to start over.',
          }
        : { tone: 'info', title: 'Removed', body: 'This workspace has been removed.' };
  }
}
