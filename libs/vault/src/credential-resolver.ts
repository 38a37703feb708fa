/**
 * The cascade: the user's own credential, then each of the user's groups (sorted, so the order
 * never depends on token claim order), then the org's, then "configure your credentials". Two
 * groups holding the same credential is a conflict unless the request names one of them. A backend
 * failure at any level stops the resolution (VaultUnavailableError): a lower level is never used
 * because a higher one could not be read.
 */
import { inspect } from 'node:util';
import { checkGroupId, checkName, checkPlugin, checkUserId, refKey } from './credential-ref.js';
import { CredentialConflictError, unavailable, VaultInputError } from './vault.errors.js';
import {
  NOT_CONFIGURED_MESSAGE,
  type CredentialLevel,
  type CredentialRef,
  type ResolveRequest,
  type Resolved,
  type VaultBackend,
} from './vault.port.js';

export type ResolveOutcome = 'found' | 'not-found' | 'conflict' | 'unavailable' | 'bad-input';

/** What the resolver reports after each resolution (for audit and metrics): never a value or a user id. */
export interface ResolveEvent {
  plugin: string;
  name: string;
  outcome: ResolveOutcome;
  level?: CredentialLevel;
  /** Served without a backend read. */
  cached: boolean;
  durationMs: number;
}

export interface CredentialResolverOptions {
  /** How long a read (hit or miss) is reused; 0 disables the cache. Default 10 000 ms. */
  cacheTtlMs?: number;
  /** At most this many cached refs (oldest dropped first). Default 50 000. */
  cacheMaxEntries?: number;
  onResolve?: (event: ResolveEvent) => void;
  /** For tests. */
  now?: () => number;
}

interface CacheEntry {
  expires: number;
  value: string | undefined;
}

const MAX_GROUPS = 256;

function settledValue(r: PromiseSettledResult<string | undefined> | undefined): string | undefined {
  if (!r) return undefined;
  if (r.status === 'rejected') throw r.reason;
  return r.value;
}

/** A found credential: the value is reachable only through reveal(), never through JSON or inspect. */
function found(level: CredentialLevel, value: string, groupId?: string): Resolved {
  const shown = { found: true as const, level, ...(groupId !== undefined && { groupId }) };
  return {
    ...shown,
    reveal: () => value,
    toJSON: () => shown,
    [inspect.custom]: () => shown,
  } as Resolved;
}

export class CredentialResolver {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttl: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly backend: VaultBackend,
    private readonly opts: CredentialResolverOptions = {},
  ) {
    this.ttl = opts.cacheTtlMs ?? 10_000;
    this.maxEntries = opts.cacheMaxEntries ?? 50_000;
    this.now = opts.now ?? (() => performance.now());
  }

  async resolve(r: ResolveRequest): Promise<Resolved> {
    const started = performance.now();
    let cached = true;
    // Only validated names reach events: a value pasted into a name field must not land in metrics.
    let shown = { plugin: '(invalid)', name: '(invalid)' };
    const report = (outcome: ResolveOutcome, level?: CredentialLevel) =>
      this.opts.onResolve?.({
        ...shown,
        outcome,
        ...(level && { level }),
        cached,
        durationMs: performance.now() - started,
      });
    const read = async (ref: CredentialRef) => {
      const hit = this.fromCache(ref);
      if (hit) return hit.value;
      cached = false;
      return this.load(ref);
    };
    try {
      const { userId, plugin, name, groups, group } = this.check(r);
      shown = { plugin, name };
      // The user's own level first (the common hit); then the groups and the org in one round
      // trip. The answer is still taken in cascade order, and a level that failed stops the
      // cascade there: a lower level is never used because a higher one could not be read.
      const user = await read({ plugin, name, scope: { level: 'user', userId } });
      if (user !== undefined) {
        report('found', 'user');
        return found('user', user);
      }
      const candidates = group !== undefined ? [group] : groups;
      const [orgRead, ...groupReads] = await Promise.allSettled([
        read({ plugin, name, scope: { level: 'org' } }),
        ...candidates.map((groupId) => read({ plugin, name, scope: { level: 'group', groupId } })),
      ]);
      const values = groupReads.map(settledValue);
      const holders = candidates.filter((_, i) => values[i] !== undefined);
      if (holders.length > 1) throw new CredentialConflictError(plugin, name, holders);
      const holder = holders[0];
      if (holder !== undefined) {
        report('found', 'group');
        return found('group', values[candidates.indexOf(holder)] as string, holder);
      }
      const org = settledValue(orgRead);
      if (org !== undefined) {
        report('found', 'org');
        return found('org', org);
      }
      report('not-found');
      return { found: false, message: NOT_CONFIGURED_MESSAGE };
    } catch (error) {
      report(
        error instanceof CredentialConflictError
          ? 'conflict'
          : error instanceof VaultInputError
            ? 'bad-input'
            : 'unavailable',
      );
      throw unavailable(this.backendName(), error);
    }
  }

  /** Drops one ref (after a rotate or delete), or everything. */
  invalidate(ref?: CredentialRef): void {
    if (ref) this.cache.delete(refKey(ref));
    else this.cache.clear();
  }

  private check(r: ResolveRequest) {
    if (!r || typeof r !== 'object') throw new VaultInputError('request', 'is required');
    const userId = checkUserId(r.userId);
    const plugin = checkPlugin(r.plugin);
    const name = checkName(r.name);
    if (!Array.isArray(r.groups)) throw new VaultInputError('groups', 'must be a list of group ids');
    if (r.groups.length > MAX_GROUPS) throw new VaultInputError('groups', `more than ${MAX_GROUPS} groups`);
    const groups = [...new Set(r.groups.map((g, i) => checkGroupId(g, `groups[${i}]`)))].sort();
    let group: string | undefined;
    if (r.group !== undefined) {
      group = checkGroupId(r.group, 'group');
      if (!groups.includes(group)) throw new VaultInputError('group', 'is not one of your groups');
    }
    return { userId, plugin, name, groups, group };
  }

  private fromCache(ref: CredentialRef): CacheEntry | undefined {
    if (this.ttl <= 0) return undefined;
    const key = refKey(ref);
    const entry = this.cache.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.cache.delete(key);
      return undefined;
    }
    return entry;
  }

  private async load(ref: CredentialRef): Promise<string | undefined> {
    const value = await this.backend.get(ref);
    if (this.ttl > 0) {
      if (this.cache.size >= this.maxEntries) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(refKey(ref), { expires: this.now() + this.ttl, value });
    }
    return value;
  }

  private backendName(): string {
    return (this.backend as { kind?: string }).kind ?? 'vault';
  }
}
