/**
 * Kubernetes Events about an object (`kubectl describe tenant` shows them). Repeats of the same
 * reason and message within a window are suppressed, so a failing reconcile retried with
 * backoff does not flood the API server.
 */
import type { KubeRest } from './rest.js';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface EventRecorderOptions {
  readonly rest: KubeRest;
  /** Reporting component, e.g. `tenant-operator`. */
  readonly component: string;
  /** Where events of cluster-scoped objects go. @default 'default' */
  readonly clusterScopedNamespace?: string;
  /** @default 300_000 (5 min) */
  readonly suppressWindowMs?: number;
}

export class EventRecorder {
  private readonly recent = new Map<string, number>();

  constructor(private readonly options: EventRecorderOptions) {}

  /** Records an event; never throws (events are best effort). Returns whether one was written. */
  async record(
    object: InvolvedObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<boolean> {
    const key = `${object.uid ?? object.name}|${type}|${reason}|${message}`;
    const now = Date.now();
    const last = this.recent.get(key);
    if (last !== undefined && now - last < (this.options.suppressWindowMs ?? 300_000)) return false;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) this.recent.delete(this.recent.keys().next().value!);
    const namespace = object.namespace ?? this.options.clusterScopedNamespace ?? 'default';
    const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      await this.options.rest.request('POST', `/api/v1/namespaces/${namespace}/events`, {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { generateName: `${object.name}.`, namespace },
          involvedObject: object,
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: this.options.component },
          reportingComponent: this.options.component,
          firstTimestamp: time,
          lastTimestamp: time,
          count: 1,
        },
        retry: false,
      });
      return true;
    } catch {
      return false;
    }
  }
}
