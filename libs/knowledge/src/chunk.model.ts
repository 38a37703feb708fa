/**
 * One chunk record for every level and every backend. The ACL principals are part of the
 * record so every backend can filter on them inside its query.
 */

/** P5 user preference · P4 group policy · P3 org policy · P2 plugin knowledge · P1 engine knowledge. */
export const LEVELS = ['P5', 'P4', 'P3', 'P2', 'P1'] as const;
export type Level = (typeof LEVELS)[number];

export const LEVEL_NAMES: Record<Level, string> = {
  P5: 'USER_PREFERENCE',
  P4: 'GROUP_POLICY',
  P3: 'ORG_POLICY',
  P2: 'PLUGIN_KNOWLEDGE',
  P1: 'ENGINE_KNOWLEDGE',
};

/** Higher is more specific; the most specific level wins per policyKey. */
export const levelRank = (level: Level): number => Number(level.slice(1));

/** Where knowledge is written: the level and the id of its scope. P3 is the tenant itself. */
export type KnowledgeScope =
  | { level: 'P5'; userId: string }
  | { level: 'P4'; groupId: string }
  | { level: 'P3' }
  | { level: 'P2'; plugin: string }
  | { level: 'P1'; engine: string };

export interface KnowledgeChunk {
  /** `<sourceId>_<version>_<ordinal>` (hex and digits: a valid key in every backend) */
  readonly id: string;
  readonly tenant: string;
  readonly level: Level;
  /** user id, group id, plugin name, engine name, or '' for P3. */
  readonly scopeId: string;
  /** Prefixed principals allowed to read: `user:<id>`, `group:<id>`, `tenant`, `plugin:<name>`, `engine:<name>`. */
  readonly acl: readonly string[];
  /** The topic a policy speaks to; chunks with the same key override by level. null: never overridden. */
  readonly policyKey: string | null;
  readonly sourceId: string;
  readonly sourceTitle: string;
  readonly version: string;
  readonly ordinal: number;
  readonly text: string;
  readonly embedding: readonly number[];
}

/** A chunk as a backend returns it from a search (embedding not needed). */
export type StoredChunk = Omit<KnowledgeChunk, 'embedding'>;

export interface SourceRecord {
  readonly sourceId: string;
  readonly tenant: string;
  readonly level: Level;
  readonly scopeId: string;
  readonly acl: readonly string[];
  readonly policyKey: string | null;
  readonly title: string;
  readonly kind: string;
  readonly version: string;
  readonly contentHash: string;
  readonly chunks: number;
  readonly ingestedAt: string;
}
