/**
 * Cerebro's side of the knowledge base: who the signed-in person is to @cw/knowledge (search
 * principals, write actor), which levels they may write, and every ingest/delete written to
 * cerebro's audit trail — allowed, refused and failed alike. Library errors become cerebro's
 * domain errors here, so the one error handler answers 400/403/404 instead of 500.
 */
import {
  KnowledgeForbiddenError,
  KnowledgeInputError,
  LEVELS,
  SourceRejectedError,
  type IngestResult,
  type Knowledge,
  type KnowledgeActor,
  type KnowledgeResult,
  type KnowledgeScope,
  type SearchPrincipal,
  type SourceInput,
  type SourceRecord,
} from '@cw/knowledge';
import type { CerebroDeps } from '../deps.js';
import { audit } from '../audit/audit.js';
import { ForbiddenError, InputError, NotFoundError } from '../http/errors.js';
import type { Services } from '../services.js';

export interface Person {
  readonly userId: string;
  readonly roles: readonly string[];
  readonly groups: readonly string[];
}

/** One level/scope the person may write, as the form offers it. */
export interface WritableScope {
  /** Form value: `P5`, `P4:<groupId>`, `P3`, `P2:<plugin>`, `P1:<engine>`. */
  readonly value: string;
  readonly label: string;
}

export class KnowledgeUseCases {
  constructor(
    private readonly deps: CerebroDeps,
    private readonly services: Services,
    private readonly knowledge: Knowledge | undefined,
  ) {}

  get enabled(): boolean {
    return this.knowledge !== undefined;
  }

  /** Principals: the user, their groups, the tenant, every plugin and engine the config names. */
  principalOf(me: Person): SearchPrincipal {
    const engines = this.deps.config.engines;
    return {
      tenant: this.deps.config.tenant,
      userId: me.userId,
      groups: [...me.groups],
      plugins: [...new Set(engines.flatMap((e) => e.plugins))],
      engines: engines.map((e) => e.name),
    };
  }

  async actorOf(me: Person): Promise<KnowledgeActor> {
    const mine = await this.services.groups.mine(me.userId);
    return {
      tenant: this.deps.config.tenant,
      userId: me.userId,
      roles: me.roles,
      groups: me.groups,
      groupAdminOf: mine.filter((g) => this.services.groups.isAdmin(g, me.userId)).map((g) => g.groupId),
    };
  }

  /** The scopes the write form offers; the library's mayWrite still decides on submit. */
  async writableScopes(me: Person): Promise<WritableScope[]> {
    const mine = await this.services.groups.mine(me.userId);
    const out: WritableScope[] = [{ value: 'P5', label: 'P5 · only me (my preferences)' }];
    for (const g of mine.filter((x) => this.services.groups.isAdmin(x, me.userId)))
      out.push({ value: `P4:${g.groupId}`, label: `P4 · group ${g.name}` });
    if (me.roles.includes('manager')) {
      out.push({ value: 'P3', label: 'P3 · everyone in the organisation' });
      const engines = this.deps.config.engines;
      for (const p of [...new Set(engines.flatMap((e) => e.plugins))])
        out.push({ value: `P2:${p}`, label: `P2 · users of plugin ${p}` });
      for (const e of engines)
        out.push({ value: `P1:${e.name}`, label: `P1 · everyone on engine ${e.name}` });
    }
    return out;
  }

  async search(me: Person, query: string): Promise<KnowledgeResult[]> {
    return this.translate(() => this.base().search(this.principalOf(me), query, { k: 10 }));
  }

  async sources(me: Person): Promise<SourceRecord[]> {
    return this.base().listSources(await this.actorOf(me));
  }

  async ingest(
    me: Person,
    input: { scope: unknown; policyKey: unknown; source: SourceInput },
  ): Promise<IngestResult> {
    const scope = parseScope(input.scope, me.userId);
    const policyKey =
      typeof input.policyKey === 'string' && input.policyKey.trim() ? input.policyKey.trim() : undefined;
    const target = `${scope.level}${scopeSuffix(scope)}`;
    try {
      const result = await this.translate(async () =>
        this.base().ingest(await this.actorOf(me), {
          scope,
          source: input.source,
          ...(policyKey ? { policyKey } : {}),
        }),
      );
      await this.audit(
        'knowledge.ingest',
        me,
        'ok',
        `${target}:${result.sourceId}`,
        `${result.chunks} chunks`,
      );
      return result;
    } catch (error) {
      await this.auditFailure('knowledge.ingest', me, target, error);
      throw error;
    }
  }

  async delete(me: Person, sourceId: unknown): Promise<number> {
    if (typeof sourceId !== 'string' || !/^[a-f0-9]{1,64}$/.test(sourceId))
      throw new InputError('sourceId', 'must be a source id from the list');
    try {
      const removed = await this.translate(async () => this.base().delete(await this.actorOf(me), sourceId));
      await this.audit('knowledge.delete', me, 'ok', sourceId, `${removed} chunks`);
      return removed;
    } catch (error) {
      await this.auditFailure('knowledge.delete', me, sourceId, error);
      throw error;
    }
  }

  private base(): Knowledge {
    if (!this.knowledge) throw new NotFoundError('A knowledge base for this organisation');
    return this.knowledge;
  }

  private async translate<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof KnowledgeForbiddenError) throw new ForbiddenError(`Refused: ${error.reason}.`);
      if (error instanceof KnowledgeInputError && error.field === 'sourceId')
        throw new NotFoundError('That source');
      if (error instanceof KnowledgeInputError) throw new InputError(error.field, error.message);
      if (error instanceof SourceRejectedError) throw new InputError('file', error.message);
      throw error;
    }
  }

  private async auditFailure(action: string, me: Person, target: string, error: unknown): Promise<void> {
    const outcome = error instanceof ForbiddenError ? 'refused' : 'error';
    await this.audit(action, me, outcome, target, (error as Error).name);
  }

  private async audit(
    action: string,
    me: Person,
    outcome: 'ok' | 'refused' | 'error',
    target: string,
    reason: string,
  ): Promise<void> {
    await audit(this.deps, { action, actor: me.userId, outcome, target, reason });
  }
}

/** The form's scope value → a KnowledgeScope. P5 is always the person themselves. */
export function parseScope(value: unknown, userId: string): KnowledgeScope {
  if (typeof value !== 'string' || value.length > 300)
    throw new InputError('scope', 'choose where the knowledge goes');
  const [level, ...rest] = value.split(':');
  const id = rest.join(':');
  if (!(LEVELS as readonly string[]).includes(level ?? ''))
    throw new InputError('scope', 'must be one of P5, P4:<group>, P3, P2:<plugin>, P1:<engine>');
  const needId = (field: string) => {
    if (!id) throw new InputError('scope', `${level} needs a ${field}`);
    return id;
  };
  switch (level) {
    case 'P5':
      return { level: 'P5', userId };
    case 'P4':
      return { level: 'P4', groupId: needId('group') };
    case 'P3':
      return { level: 'P3' };
    case 'P2':
      return { level: 'P2', plugin: needId('plugin') };
    default:
      return { level: 'P1', engine: needId('engine') };
  }
}

/** Audit target suffix: group/plugin/engine names; never the (hashed) user id twice. */
const scopeSuffix = (scope: KnowledgeScope): string =>
  scope.level === 'P4'
    ? `:${scope.groupId}`
    : scope.level === 'P2'
      ? `:${scope.plugin}`
      : scope.level === 'P1'
        ? `:${scope.engine}`
        : '';
