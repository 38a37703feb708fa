// List-then-watch with resume from the last resourceVersion, bookmarks, and a relist when the
// server answers 410 Gone — the client-go reflector loop, reduced to what the harness needs.
import { KubeHttpError, type KubeHttp, type WatchEventType } from './kube-http.js';

export interface KubeObjectLike {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface ListWatchOptions<T extends KubeObjectLike> {
  /** Collection path, e.g. `/api/v1/pods`. */
  readonly path: string;
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
  /** Called with the full list after every (re)list, before the watch events that follow it. */
  readonly onList: (items: T[]) => void;
  readonly onEvent: (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T) => void;
  readonly onError?: (err: unknown) => void;
}

export interface ListWatch {
  /** Resolves after the first successful list. */
  readonly synced: Promise<void>;
  stop(): void;
}

export function listWatch<T extends KubeObjectLike>(http: KubeHttp, options: ListWatchOptions<T>): ListWatch {
  const abort = new AbortController();
  let resolveSynced!: () => void;
  const synced = new Promise<void>((resolve) => (resolveSynced = resolve));
  const selectors = new URLSearchParams();
  if (options.fieldSelector) selectors.set('fieldSelector', options.fieldSelector);
  if (options.labelSelector) selectors.set('labelSelector', options.labelSelector);

  const loop = async (): Promise<void> => {
    let resourceVersion: string | undefined;
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          const list = await http.get<{ items: T[]; metadata: { resourceVersion: string } }>(
            `${options.path}?${selectors.toString()}`,
          );
          resourceVersion = list.metadata.resourceVersion;
          options.onList(list.items);
          resolveSynced();
        }
        const q = new URLSearchParams(selectors);
        q.set('watch', 'true');
        q.set('allowWatchBookmarks', 'true');
        q.set('resourceVersion', resourceVersion);
        q.set('timeoutSeconds', String(240 + Math.floor(Math.random() * 120)));
        let gone = false;
        await http.watch(
          `${options.path}?${q.toString()}`,
          (type: WatchEventType, object) => {
            const rv = (object as KubeObjectLike).metadata?.resourceVersion;
            if (type === 'ERROR') {
              gone = (object as { code?: number }).code === 410;
              return;
            }
            if (rv) resourceVersion = rv;
            if (type !== 'BOOKMARK') options.onEvent(type, object as T);
          },
          abort.signal,
        );
        if (gone) resourceVersion = undefined;
        failures = 0;
      } catch (err) {
        if (abort.signal.aborted) return;
        if (err instanceof KubeHttpError && err.statusCode === 410) resourceVersion = undefined;
        options.onError?.(err);
        failures++;
        await sleep(Math.min(100 * 2 ** failures, 5_000), abort.signal);
      }
    }
  };
  void loop();
  return { synced, stop: () => abort.abort() };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
