/**
 * Kubernetes Events about an object (`kubectl describe tenant` shows them), aggregated like
 * client-go's correlator: the first occurrence creates the Event; repeats of the same type,
 * reason and message are counted, and at most once per window the Event is patched with the
 * running `count` and `lastTimestamp` (kubectl shows "x12 over 40m"), so a failing reconcile
 * retried with backoff neither floods the API server nor hides how often it failed. When the
 * Event has expired meanwhile (the API server keeps them an hour), a new one is created.
 */
import { isNotFound } from './errors.js';
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

interface Series {
  /** When the Event was last written. */
  writtenAt: number;
  /** The Event's name once created. */
  name?: string;
  namespace: string;
  /** Occurrences the Event shows. */
  count: number;
  /** Occurrences since it was last written. */
  unwritten: number;
}

export class EventRecorder {
  private readonly series = new Map<string, Series>();

  constructor(private readonly options: EventRecorderOptions) {}

  /**
   * Records an occurrence; never throws (events are best effort). Returns whether the API was
   * written (a new Event, or the count of an existing one patched).
   */
  async record(
    object: InvolvedObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<boolean> {
    const key = `${object.uid ?? object.name}|${type}|${reason}|${message}`;
    const now = Date.now();
    const time = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const namespace = object.namespace ?? this.options.clusterScopedNamespace ?? 'default';
    const known = this.series.get(key);
    if (known) {
      known.unwritten++;
      if (now - known.writtenAt < (this.options.suppressWindowMs ?? 300_000)) return false;
      if (known.name) {
        const patched = await this.patchCount(known, time);
        if (patched !== 'gone') return patched === 'patched';
      }
      // Never created, or expired on the server: a new Event.
    }
    const series: Series = { writtenAt: now, namespace, count: 1, unwritten: 0 };
    this.series.delete(key);
    this.series.set(key, series); // newest last: the oldest series is forgotten first
    if (this.series.size > 10_000) this.series.delete(this.series.keys().next().value!);
    try {
      const created = await this.options.rest.request<{ metadata?: { name?: string } }>(
        'POST',
        `/api/v1/namespaces/${namespace}/events`,
        {
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
        },
      );
      series.name = created?.metadata?.name;
      return true;
    } catch {
      return false;
    }
  }

  /** Adds the unwritten occurrences to the Event. */
  private async patchCount(series: Series, time: string): Promise<'patched' | 'gone' | 'failed'> {
    const count = series.count + series.unwritten;
    try {
      await this.options.rest.request(
        'PATCH',
        `/api/v1/namespaces/${series.namespace}/events/${series.name}`,
        {
          body: { count, lastTimestamp: time },
          contentType: 'application/merge-patch+json',
          retry: false,
        },
      );
      series.count = count;
      series.unwritten = 0;
      series.writtenAt = Date.now();
      return 'patched';
    } catch (error) {
      if (isNotFound(error)) return 'gone';
      series.writtenAt = Date.now(); // try again next window, not on every occurrence
      return 'failed';
    }
  }
}
