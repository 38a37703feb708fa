/**
 * The knowledge use cases: ingest (extract → chunk → embed → index, atomic per source),
 * delete, list, and the ACL-filtered five-level search. Every ingest and delete — refused ones
 * too — is reported to the audit port with hashed user ids.
 */
import { createHash } from 'node:crypto';
import { createGuardedFetch, type OutboundPolicy } from '@cw/outbound';
import type { KnowledgeActor, SearchPrincipal } from './acl.js';
import { aclFor, mayWrite, principalsOf, scopeOf } from './acl.js';
import type { AclViolation } from './cascade.js';
import { applyCascade, recheck } from './cascade.js';
import type { KnowledgeChunk, KnowledgeScope, Level, SourceRecord } from './chunk.model.js';
import { chunkText } from './chunker.js';
import type { Embedder } from './embedders/embedder.port.js';
import { KnowledgeForbiddenError, KnowledgeInputError, SourceRejectedError } from './errors.js';
import type { KnowledgeIndex, SourceFilter } from './backends/index.port.js';
import type { ExtractLimits, SourceFetch, SourceInput } from './sources/extract-text.js';
import { extractText, sourceLabel } from './sources/extract-text.js';

export interface KnowledgeAuditEvent {
  readonly action: 'ingest' | 'delete';
  readonly decision: 'allow' | 'deny' | 'error';
  readonly reason: string;
  readonly tenant: string;
  /** sha256(tenant salt + user id) */
  readonly actor: string;
  readonly level: Level;
  /** hashed for P5 (a user id), plain for group/plugin/engine names. */
  readonly scope: string;
  readonly sourceId?: string;
  readonly chunks?: number;
  readonly at: string;
}

export type KnowledgeAudit = (event: KnowledgeAuditEvent) => void | Promise<void>;

export interface KnowledgeDeps {
  readonly tenant: string;
  readonly index: KnowledgeIndex;
  readonly embedder: Embedder;
  readonly audit?: KnowledgeAudit;
  /** Salt for hashed user ids in audit events. @default '' */
  readonly tenantSalt?: string;
  /** Fetch for URL sources. @default createGuardedFetch(outboundPolicy): no loopback/private/metadata hops */
  readonly fetch?: SourceFetch;
  /** Policy of the default guarded fetch (tests allow a 127.0.0.1 port here). */
  readonly outboundPolicy?: OutboundPolicy;
  readonly limits?: ExtractLimits & { maxChunkChars?: number };
  /** Called when a hit fails the in-code ACL re-check (the backend's filter let it through). */
  readonly onAclViolation?: (v: AclViolation) => void;
  readonly now?: () => Date;
}

export interface IngestRequest {
  readonly scope: KnowledgeScope;
  readonly source: SourceInput;
  /** Topic this source speaks to; sources with the same key override by level. */
  readonly policyKey?: string;
  /** Identity of the source for re-ingest. @default the title, file name or URL */
  readonly key?: string;
}

export interface IngestResult {
  readonly sourceId: string;
  readonly chunks: number;
  readonly unchanged: boolean;
  readonly level: Level;
}

export interface KnowledgeResult {
  readonly level: Level;
  readonly text: string;
  readonly source: { readonly id: string; readonly title: string };
  readonly policyKey: string | null;
  readonly chunkId: string;
  readonly score: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const POLICY_KEY = /^[a-z0-9][a-z0-9._:-]{0,127}$/;

export class Knowledge {
  private readonly now: () => Date;
  private readonly fetch: SourceFetch;
  constructor(private readonly deps: KnowledgeDeps) {
    this.now = deps.now ?? (() => new Date());
    this.fetch =
      deps.fetch ??
      createGuardedFetch({
        maxResponseBytes: deps.limits?.maxBytes ?? 10 * 1024 * 1024,
        ...deps.outboundPolicy,
      });
  }

  get tenant(): string {
    return this.deps.tenant;
  }

  async ingest(actor: KnowledgeActor, request: IngestRequest): Promise<IngestResult> {
    this.checkTenant('actor.tenant', actor.tenant);
    if (request.policyKey !== undefined && !POLICY_KEY.test(request.policyKey))
      throw new KnowledgeInputError(
        'policyKey',
        'must be 1..128 of a-z 0-9 . _ : - starting with a letter or digit',
      );
    const { level, scopeId, acl } = aclFor(request.scope);
    const key = request.key ?? sourceLabel(request.source);
    if (!key || key.length > 2048) throw new KnowledgeInputError('key', 'must be 1..2048 characters');
    const sourceId = sha256(`${this.tenant}\u0000${level}\u0000${scopeId}\u0000${key}`).slice(0, 32);
    const base = {
      action: 'ingest' as const,
      tenant: this.tenant,
      actor: this.hash(actor.userId),
      level,
      scope: this.scopeLabel(level, scopeId),
      sourceId,
    };
    const decision = mayWrite(actor, request.scope);
    if (decision.decision === 'deny') {
      await this.audit({ ...base, decision: 'deny', reason: decision.reason });
      throw new KnowledgeForbiddenError(decision.reason);
    }
    try {
      const extracted = await extractText(request.source, this.deps.limits, this.fetch);
      const policyKey = request.policyKey ?? null;
      const contentHash = sha256(
        JSON.stringify([extracted.title, extracted.text, policyKey, this.deps.embedder.id]),
      );
      const previous = await this.deps.index.getSource(this.tenant, sourceId);
      if (previous?.contentHash === contentHash) {
        await this.audit({ ...base, decision: 'allow', reason: 'unchanged', chunks: previous.chunks });
        return { sourceId, chunks: previous.chunks, unchanged: true, level };
      }
      const texts = chunkText(extracted.text, { maxChars: this.deps.limits?.maxChunkChars ?? 1000 });
      const embeddings = await this.embedAll(texts);
      const version = contentHash.slice(0, 12);
      const chunks: KnowledgeChunk[] = texts.map((text, ordinal) => ({
        id: `${sourceId}_${version}_${ordinal}`,
        tenant: this.tenant,
        level,
        scopeId,
        acl,
        policyKey,
        sourceId,
        sourceTitle: extracted.title,
        version,
        ordinal,
        text,
        embedding: embeddings[ordinal]!,
      }));
      const record: SourceRecord = {
        sourceId,
        tenant: this.tenant,
        level,
        scopeId,
        acl,
        policyKey,
        title: extracted.title,
        kind: extracted.kind,
        version,
        contentHash,
        chunks: chunks.length,
        ingestedAt: this.now().toISOString(),
      };
      await this.deps.index.replaceSource(record, chunks);
      await this.audit({ ...base, decision: 'allow', reason: decision.reason, chunks: chunks.length });
      return { sourceId, chunks: chunks.length, unchanged: false, level };
    } catch (error) {
      const reason =
        error instanceof SourceRejectedError
          ? `rejected: ${error.reason}`
          : `failed: ${(error as Error).name}`;
      await this.audit({ ...base, decision: 'error', reason });
      throw error;
    }
  }

  async delete(actor: KnowledgeActor, sourceId: string): Promise<number> {
    this.checkTenant('actor.tenant', actor.tenant);
    const source = await this.deps.index.getSource(this.tenant, sourceId);
    if (!source) throw new KnowledgeInputError('sourceId', 'no such source');
    const scope = scopeOf(source.level, source.scopeId);
    const base = {
      action: 'delete' as const,
      tenant: this.tenant,
      actor: this.hash(actor.userId),
      level: source.level,
      scope: this.scopeLabel(source.level, source.scopeId),
      sourceId,
    };
    const decision = mayWrite(actor, scope);
    if (decision.decision === 'deny') {
      await this.audit({ ...base, decision: 'deny', reason: decision.reason });
      throw new KnowledgeForbiddenError(decision.reason);
    }
    const removed = await this.deps.index.deleteSource(this.tenant, sourceId);
    await this.audit({ ...base, decision: 'allow', reason: decision.reason, chunks: removed });
    return removed;
  }

  /** Sources the actor may manage (their P5; P4 of groups they administer; P3/P2/P1 for managers). */
  async listSources(actor: KnowledgeActor, filter: SourceFilter = {}): Promise<SourceRecord[]> {
    this.checkTenant('actor.tenant', actor.tenant);
    const all = await this.deps.index.listSources(this.tenant, filter);
    return all.filter((s) => mayWrite(actor, scopeOf(s.level, s.scopeId)).decision === 'allow');
  }

  /** The cascade: one ACL-filtered hybrid query, re-check in code, most specific level per policyKey. */
  async search(
    searcher: SearchPrincipal,
    query: string,
    options: { k?: number } = {},
  ): Promise<KnowledgeResult[]> {
    this.checkTenant('principal.tenant', searcher.tenant);
    const k = options.k ?? 8;
    if (!Number.isInteger(k) || k < 1 || k > 50)
      throw new KnowledgeInputError('k', 'must be an integer in 1..50');
    if (typeof query !== 'string' || query.trim().length === 0 || query.length > 4000)
      throw new KnowledgeInputError('query', 'must be 1..4000 characters');
    const principals = principalsOf(searcher);
    const held = new Set(principals);
    const [vector] = await this.deps.embedder.embed([query]);
    const violation = this.deps.onAclViolation ?? (() => undefined);
    const raw = await this.deps.index.hybridSearch({
      tenant: this.tenant,
      principals,
      text: query,
      vector: vector!,
      k: k * 2,
    });
    const allowed = new Set(
      recheck(
        searcher,
        held,
        raw.map((h) => h.chunk),
        violation,
      ).map((c) => c.id),
    );
    const hits = raw.filter((h) => allowed.has(h.chunk.id));
    const keys = [...new Set(hits.map((h) => h.chunk.policyKey).filter((x): x is string => !!x))];
    const policy = recheck(
      searcher,
      held,
      await this.deps.index.policyChunks({ tenant: this.tenant, principals, policyKeys: keys, limit: 200 }),
      violation,
    );
    return applyCascade(hits, policy, k).map(({ chunk, score }) => ({
      level: chunk.level,
      text: chunk.text,
      source: { id: chunk.sourceId, title: chunk.sourceTitle },
      policyKey: chunk.policyKey,
      chunkId: chunk.id,
      score,
    }));
  }

  /** What the agent receives: the cascade's results as {level, text, source}; format with formatKnowledgeContext. */
  async searchForAgent(
    query: string,
    searcher: SearchPrincipal,
    options: { k?: number } = {},
  ): Promise<{ level: Level; text: string; source: string }[]> {
    const results = await this.search(searcher, query, options);
    return results.map((r) => ({ level: r.level, text: r.text, source: r.source.title }));
  }

  private async embedAll(texts: readonly string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += 64)
      out.push(...(await this.deps.embedder.embed(texts.slice(i, i + 64))));
    if (out.length !== texts.length || out.some((v) => v.length !== this.deps.embedder.dimensions))
      throw new SourceRejectedError(
        'embedder',
        'corrupt',
        'the embedder returned vectors of the wrong shape',
      );
    return out;
  }

  private checkTenant(field: string, tenant: string): void {
    if (tenant !== this.tenant)
      throw new KnowledgeForbiddenError(`${field} "${tenant}" is not this knowledge base's tenant`);
  }

  private hash(userId: string): string {
    return sha256(`${this.deps.tenantSalt ?? ''}${userId}`);
  }

  private scopeLabel(level: Level, scopeId: string): string {
    return level === 'P5' ? this.hash(scopeId) : level === 'P3' ? 'tenant' : scopeId;
  }

  private async audit(event: Omit<KnowledgeAuditEvent, 'at'>): Promise<void> {
    await this.deps.audit?.({ ...event, at: this.now().toISOString() });
  }
}
