/** Ports the use cases depend on; adapters live beside them (BullMQ, Redis) or in the app. */
import type { Logger } from '@cw/observability';
import type { ProvisioningJobData } from '@cw/tenant-model';

export type { Logger };

/**
 * Whether a tenant's workspace (cerebro) answers its health URL. Adapters probe through the
 * outbound guard, with a short timeout and a short cache: the status page asks on every render.
 */
export interface WorkspaceProbe {
  answers(workspaceUrl: string): Promise<boolean>;
}

/** Producer side of the provisioning queue (libs/tenant-model queue.ts is the contract). */
export interface ProvisioningQueue {
  /** Adds the job under its deterministic id; adding an existing id is a no-op. */
  enqueue(job: ProvisioningJobData): Promise<{ jobId: string }>;
  close(): Promise<void>;
}

export interface RateLimitRule {
  limit: number;
  windowMs: number;
}

export interface RateLimiter {
  /** Counts one hit on `key`; `allowed` false once the window's limit is exceeded. */
  consume(
    key: string,
    rule: RateLimitRule,
  ): Promise<{ allowed: boolean; remaining: number; retryAfterMs: number }>;
}

/** Counters the use cases report to (the app backs them with prom-client). */
export interface ControlPlaneMetrics {
  webhookEvent(type: string, outcome: string): void;
  transition(event: string, from: string, to: string): void;
}

export const noMetrics: ControlPlaneMetrics = { webhookEvent: () => undefined, transition: () => undefined };

export type Clock = () => Date;
