/**
 * Principals and the write rules. Principal ids are URI-encoded inside the prefixed strings so
 * no id can carry a delimiter or quote into a backend's filter syntax.
 */
import type { KnowledgeChunk, KnowledgeScope, Level } from './chunk.model.js';
import { KnowledgeInputError } from './errors.js';

/** Who is searching. plugins/engines: those the user may use on the engine the agent runs on. */
export interface SearchPrincipal {
  readonly tenant: string;
  readonly userId: string;
  readonly groups: readonly string[];
  readonly plugins?: readonly string[];
  readonly engines?: readonly string[];
}

/** Who is writing. groupAdminOf: groups this user administers. */
export interface KnowledgeActor {
  readonly tenant: string;
  readonly userId: string;
  readonly roles: readonly string[];
  readonly groups: readonly string[];
  readonly groupAdminOf?: readonly string[];
}

export interface Decision {
  readonly decision: 'allow' | 'deny';
  readonly reason: string;
}

/** RFC 3986 unreserved characters only: no quote, comma, bracket or space reaches a filter. */
const enc = (id: string): string =>
  encodeURIComponent(id).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const ID_MAX = 256;

function checkId(field: string, id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > ID_MAX)
    throw new KnowledgeInputError(field, `must be 1..${ID_MAX} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are what we refuse
  if (/[\u0000-\u001f\u007f]/.test(id))
    throw new KnowledgeInputError(field, 'must not contain control characters');
}

export const principal = {
  user: (id: string) => `user:${enc(id)}`,
  group: (id: string) => `group:${enc(id)}`,
  tenant: () => 'tenant',
  plugin: (name: string) => `plugin:${enc(name)}`,
  engine: (name: string) => `engine:${enc(name)}`,
};

/** Every principal string the searcher holds; the backends filter on exactly this list. */
export function principalsOf(p: SearchPrincipal): string[] {
  checkId('principal.userId', p.userId);
  p.groups.forEach((g, i) => checkId(`principal.groups[${i}]`, g));
  (p.plugins ?? []).forEach((g, i) => checkId(`principal.plugins[${i}]`, g));
  (p.engines ?? []).forEach((g, i) => checkId(`principal.engines[${i}]`, g));
  return [
    principal.user(p.userId),
    ...p.groups.map(principal.group),
    principal.tenant(),
    ...(p.plugins ?? []).map(principal.plugin),
    ...(p.engines ?? []).map(principal.engine),
  ];
}

/**
 * The level whose chunks a principal string can open (the inverse of aclFor: `user:` → P5,
 * `group:` → P4, `tenant` → P3, `plugin:` → P2, `engine:` → P1); undefined for anything else,
 * which opens no chunk.
 */
export function principalLevel(p: string): Level | undefined {
  if (p === 'tenant') return 'P3';
  const kind = p.slice(0, p.indexOf(':') + 1);
  return kind === 'user:'
    ? 'P5'
    : kind === 'group:'
      ? 'P4'
      : kind === 'plugin:'
        ? 'P2'
        : kind === 'engine:'
          ? 'P1'
          : undefined;
}

/** The one ACL entry and scope id a level's chunks carry. */
export function aclFor(scope: KnowledgeScope): { level: Level; scopeId: string; acl: string[] } {
  switch (scope.level) {
    case 'P5':
      checkId('scope.userId', scope.userId);
      return { level: 'P5', scopeId: scope.userId, acl: [principal.user(scope.userId)] };
    case 'P4':
      checkId('scope.groupId', scope.groupId);
      return { level: 'P4', scopeId: scope.groupId, acl: [principal.group(scope.groupId)] };
    case 'P3':
      return { level: 'P3', scopeId: '', acl: [principal.tenant()] };
    case 'P2':
      checkId('scope.plugin', scope.plugin);
      return { level: 'P2', scopeId: scope.plugin, acl: [principal.plugin(scope.plugin)] };
    case 'P1':
      checkId('scope.engine', scope.engine);
      return { level: 'P1', scopeId: scope.engine, acl: [principal.engine(scope.engine)] };
    default:
      throw new KnowledgeInputError('scope.level', 'must be one of P5, P4, P3, P2, P1');
  }
}

/**
 * The in-code re-check of every hit, after the backend's filter: tenant equal, and the ACL the
 * level implies (recomputed from level + scopeId, not trusted from the record) held by the
 * searcher. Anything malformed is denied.
 */
export function mayRead(
  searcher: SearchPrincipal,
  held: ReadonlySet<string>,
  chunk: Pick<KnowledgeChunk, 'tenant' | 'level' | 'scopeId' | 'acl'>,
): Decision {
  if (chunk.tenant !== searcher.tenant) return { decision: 'deny', reason: 'other tenant' };
  let expected: string;
  try {
    expected = aclFor(scopeOf(chunk.level, chunk.scopeId)).acl[0]!;
  } catch {
    return { decision: 'deny', reason: 'malformed level or scope' };
  }
  if (!Array.isArray(chunk.acl) || chunk.acl.length !== 1 || chunk.acl[0] !== expected)
    return { decision: 'deny', reason: 'acl does not match level' };
  if (!held.has(expected)) return { decision: 'deny', reason: 'principal not in acl' };
  return { decision: 'allow', reason: `holds ${expected.split(':')[0]}` };
}

export function scopeOf(level: Level, scopeId: string): KnowledgeScope {
  switch (level) {
    case 'P5':
      return { level, userId: scopeId };
    case 'P4':
      return { level, groupId: scopeId };
    case 'P3':
      return { level };
    case 'P2':
      return { level, plugin: scopeId };
    case 'P1':
      return { level, engine: scopeId };
    default:
      throw new KnowledgeInputError('level', 'unknown level');
  }
}

/** Users write P5 for themselves; group admins P4 for their group; managers P3, P2, P1. */
export function mayWrite(actor: KnowledgeActor, scope: KnowledgeScope): Decision {
  const manager = actor.roles.includes('manager');
  switch (scope.level) {
    case 'P5':
      return scope.userId === actor.userId
        ? { decision: 'allow', reason: 'own preferences' }
        : { decision: 'deny', reason: 'a user writes only their own P5 preferences' };
    case 'P4':
      return (actor.groupAdminOf ?? []).includes(scope.groupId)
        ? { decision: 'allow', reason: 'group admin' }
        : { decision: 'deny', reason: 'only an admin of that group writes its P4 policy' };
    case 'P3':
    case 'P2':
    case 'P1':
      return manager
        ? { decision: 'allow', reason: 'manager' }
        : { decision: 'deny', reason: `only a manager writes ${scope.level}` };
  }
}
