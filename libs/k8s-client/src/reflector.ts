/**
 * A list + watch cache of one resource (optionally filtered by label), like client-go's
 * reflector/informer: it lists, then watches from the list's resourceVersion, resumes watches
 * from the last seen version, relists when that version is gone (410), and backs off with
 * jitter on errors, so dropped watches and API outages heal by themselves.
 */
import { isGone } from './errors.js';
import { linkedSignal, sleep } from './signals.js';
import type { KubeRest } from './rest.js';

export interface ObjectLike {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
}

export type ReflectorEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ReflectorOptions<T extends ObjectLike> {
  readonly rest: KubeRest;
  /** Collection path, e.g. `/apis/apps/v1/deployments` (all namespaces). */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Shrinks what is kept in memory (e.g. drops managedFields). @default drop metadata.managedFields */
  readonly transform?: (obj: ObjectLike) => T;
  /** Secondary index (e.g. by a label); objects mapping to undefined are not indexed. */
  readonly indexBy?: (obj: T) => string | undefined;
  /** Called for every change after (and during) the initial list. */
  readonly onEvent?: (type: ReflectorEvent, obj: T, previous?: T) => void;
  readonly onError?: (error: unknown) => void;
  /** Server-side watch timeout; the watch is then resumed from the last version. @default 300 */
  readonly watchTimeoutSeconds?: number;
  /** @default 500 */
  readonly pageSize?: number;
  /** Backoff after errors. @default 500 ms doubling to 30 s, with jitter */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/**
 * True when `a` is older than `b`. resourceVersions are opaque by contract, but every API server
 * backed by etcd issues increasing integers; the comparison is only made when both are integers.
 */
export function olderVersion(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return a.length < b.length || (a.length === b.length && a < b);
}

const RV_FIELD = '"resourceVersion":"';
const RV_BYTES = Buffer.from(RV_FIELD);
const QUOTE = 0x22;

/**
 * The resourceVersion of a watch event's object read from its raw JSON line (bytes or text), when
 * the line holds exactly one resourceVersion field (then it is the object's
 * metadata.resourceVersion, which every ADDED/MODIFIED/DELETED event carries); undefined otherwise.
 */
export function lineResourceVersion(line: string | Buffer): string | undefined {
  const bytes = typeof line === 'string' ? Buffer.from(line) : line;
  const at = bytes.indexOf(RV_BYTES);
  if (at < 0 || bytes.indexOf(RV_BYTES, at + RV_BYTES.length) >= 0) return undefined;
  const start = at + RV_BYTES.length;
  const end = bytes.indexOf(QUOTE, start);
  return end > start ? bytes.toString('latin1', start, end) : undefined;
}

export const objectStoreKey = (obj: ObjectLike): string =>
  `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

/** managedFields is often the largest part of an object and never needed by a controller's cache. */
export function stripManagedFields<T extends ObjectLike>(obj: T): T {
  if (obj.metadata && 'managedFields' in obj.metadata) {
    const { managedFields: _drop, ...metadata } = obj.metadata;
    return { ...obj, metadata };
  }
  return obj;
}

interface ListAnswer<T> {
  items: T[];
  metadata: { resourceVersion: string; continue?: string };
}

export class Reflector<T extends ObjectLike = ObjectLike> {
  private readonly store = new Map<string, T>();
  /**
   * Versions the caller wrote through (upsert) whose watch event has not come yet. A resourceVersion
   * names one state of one object, so the event carrying it says what the cache already holds: its
   * line is dropped unparsed. Cleared at each relist (an event it would match may never come).
   */
  private readonly written = new Set<string>();
  private readonly index = new Map<string, Set<string>>();
  private resourceVersion = '';
  private readonly controller = new AbortController();
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private running: Promise<void> | undefined;
  /**
   * Times the watch was (re)established, relists done, own-write events dropped unparsed, events
   * parsed (every other ADDED/MODIFIED/DELETED line), and of those the ones that told the cache
   * nothing new (a version it already held but no longer expected an event for, e.g. after the
   * bounded set of written versions was cleared): for tests and metrics.
   */
  readonly stats = { lists: 0, watches: 0, errors: 0, ownEvents: 0, parsedEvents: 0, staleEvents: 0 };

  constructor(private readonly options: ReflectorOptions<T>) {}

  start(): this {
    this.running ??= this.loop();
    return this;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.running?.catch(() => undefined);
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list is in the store. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  private put(key: string, obj: T): void {
    const previous = this.store.get(key);
    if (previous) this.unindex(key, previous);
    this.store.set(key, obj);
    const value = this.options.indexBy?.(obj);
    if (value !== undefined) {
      let keys = this.index.get(value);
      if (!keys) this.index.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  private drop(key: string): void {
    const previous = this.store.get(key);
    if (!previous) return;
    this.unindex(key, previous);
    this.store.delete(key);
  }

  private unindex(key: string, obj: T): void {
    const value = this.options.indexBy?.(obj);
    if (value === undefined) return;
    const keys = this.index.get(value);
    keys?.delete(key);
    if (keys?.size === 0) this.index.delete(value);
  }

  /** Objects whose indexBy value is `value`. */
  byIndex(value: string): T[] {
    return [...(this.index.get(value) ?? [])].map((k) => this.store.get(k)!).filter(Boolean);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(`${namespace ?? ''}/${name}`);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  get size(): number {
    return this.store.size;
  }

  /**
   * Writes through an object the caller just wrote (the API's answer), so the cache does not lag
   * behind our own writes; a version older than the cached one is ignored.
   */
  upsert(obj: ObjectLike): void {
    const current = this.transform(obj);
    const key = objectStoreKey(current);
    const previous = this.store.get(key);
    const rv = current.metadata?.resourceVersion;
    if (previous && olderVersion(rv, previous.metadata?.resourceVersion)) return;
    // Its event already came when the store holds this very version (the answer was slower than the watch).
    if (rv && previous?.metadata?.resourceVersion !== rv) {
      if (this.written.size >= 10_000) this.written.clear(); // bounded: the events of a lost watch never come
      this.written.add(rv);
    }
    this.put(key, current);
  }

  /** The watch line of a version the caller wrote through: nothing to parse, only its version to note. */
  private ownEvent(line: Buffer): boolean {
    if (this.written.size === 0) return false;
    const rv = lineResourceVersion(line);
    if (rv === undefined || !this.written.delete(rv)) return false;
    this.resourceVersion = rv;
    this.stats.ownEvents++;
    return true;
  }

  /** Forgets an object the caller just deleted. */
  remove(namespace: string | undefined, name: string): void {
    this.drop(`${namespace ?? ''}/${name}`);
  }

  private transform(obj: ObjectLike): T {
    return this.options.transform ? this.options.transform(obj) : (stripManagedFields(obj) as T);
  }

  private async loop(): Promise<void> {
    const signal = this.controller.signal;
    const minBackoff = this.options.minBackoffMs ?? 500;
    const maxBackoff = this.options.maxBackoffMs ?? 30_000;
    let backoff = minBackoff;
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion) await this.relist(signal);
        await this.watch(signal);
        backoff = minBackoff; // a watch that ended normally (server timeout) resumes at once
      } catch (error) {
        if (signal.aborted) break;
        this.stats.errors++;
        if (isGone(error)) {
          this.resourceVersion = ''; // too old: relist
          continue;
        }
        this.options.onError?.(error);
        await sleep(backoff * (0.5 + Math.random()), signal);
        backoff = Math.min(maxBackoff, backoff * 2);
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<void> {
    this.stats.lists++;
    this.written.clear();
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.options.rest.request<ListAnswer<ObjectLike>>('GET', this.options.path, {
        query: {
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
          limit: this.options.pageSize ?? 500,
          continue: cont,
        },
        signal,
      });
      for (const item of page.items) items.push(this.transform(item));
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion;
    } while (cont);
    // A paged list is a snapshot at `rv`; a copy the caller wrote through (upsert) while the pages
    // came is newer than that snapshot and stays: the watch resumes from `rv` and delivers what
    // happened since. Dropping it made the operator re-apply objects it had just created (7
    // Services at 1,000 tenants, after a relist of a quiet kind whose watch version had expired).
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectStoreKey(obj);
      seen.add(key);
      const previous = this.store.get(key);
      if (previous && olderVersion(obj.metadata?.resourceVersion, previous.metadata?.resourceVersion))
        continue;
      this.put(key, obj);
      if (!previous) this.options.onEvent?.('ADDED', obj);
      else if (previous.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
        this.options.onEvent?.('MODIFIED', obj, previous);
    }
    for (const [key, obj] of [...this.store]) {
      if (seen.has(key) || olderVersion(rv, obj.metadata?.resourceVersion)) continue;
      this.drop(key);
      this.options.onEvent?.('DELETED', obj);
    }
    this.resourceVersion = rv;
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private async watch(signal: AbortSignal): Promise<void> {
    this.stats.watches++;
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300;
    // Client-side guard against a connection that dies silently (no FIN): the server would have ended it by then.
    const guard = linkedSignal(signal, (timeoutSeconds + 30) * 1000);
    let gone: unknown;
    try {
      await this.options.rest.watch(
        this.options.path,
        {
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.round(timeoutSeconds * (0.9 + Math.random() * 0.2)),
        },
        (event) => {
          if (event.type === 'ERROR') {
            const status = event.object as { code?: number; message?: string };
            if (status.code === 410)
              gone = Object.assign(new Error(status.message ?? 'resource version too old'), {
                statusCode: 410,
              });
            return;
          }
          const obj = event.object as ObjectLike;
          const rv = obj.metadata?.resourceVersion;
          if (rv && this.written.size > 0) this.written.delete(rv);
          if (event.type === 'BOOKMARK') {
            if (rv) this.resourceVersion = rv;
            return;
          }
          this.stats.parsedEvents++;
          // transform keeps name and namespace: the key and the version check need no copy.
          const key = objectStoreKey(obj);
          const previous = this.store.get(key);
          if (event.type === 'DELETED') {
            this.drop(key);
            this.options.onEvent?.('DELETED', this.transform(obj), previous);
          } else {
            // Our own write-through may already hold this version (the event of our own write:
            // nothing new to tell, and nothing to trim or index) or a newer one.
            if (
              previous &&
              (rv === previous.metadata?.resourceVersion ||
                olderVersion(rv, previous.metadata?.resourceVersion))
            ) {
              this.stats.staleEvents++;
              if (rv) this.resourceVersion = rv;
              return;
            }
            const current = this.transform(obj);
            this.put(key, current);
            this.options.onEvent?.(previous ? 'MODIFIED' : 'ADDED', current, previous);
          }
          if (rv) this.resourceVersion = rv;
        },
        guard.signal,
        (line) => this.ownEvent(line),
      );
    } finally {
      guard.dispose();
    }
    if (gone) {
      this.resourceVersion = '';
      return;
    }
  }
}
