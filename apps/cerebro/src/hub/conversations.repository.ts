/**
 * Conversations live in the tenant store, one partition per person: nobody else's id can reach
 * them (every read is keyed by the signed-in user's id). A conversation keeps the model-facing
 * messages and the items the page shows (tool calls with their decision and duration, notices).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defineCollection, VersionConflictError, type TenantStore } from '@cw/tenant-store';
import type { ChatMessage } from '@cw/llm';

const toolCall = z.object({ id: z.string(), name: z.string(), rawArguments: z.string() });
const chatMessage = z.union([
  z.object({ role: z.literal('system'), content: z.string() }),
  z.object({ role: z.literal('user'), content: z.string() }),
  z.object({ role: z.literal('assistant'), content: z.string(), toolCalls: z.array(toolCall).optional() }),
  z.object({ role: z.literal('tool'), toolCallId: z.string(), toolName: z.string(), content: z.string() }),
]);

const displayItem = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), text: z.string(), at: z.string() }),
  z.object({ kind: z.literal('assistant'), text: z.string(), at: z.string() }),
  z.object({
    kind: z.literal('tool'),
    tool: z.string(),
    args: z.string(),
    outcome: z.string(),
    text: z.string(),
    durationMs: z.number(),
    approvalId: z.string().optional(),
    engine: z.string().optional(),
    at: z.string(),
  }),
  z.object({ kind: z.literal('notice'), notice: z.string(), text: z.string(), at: z.string() }),
]);
export type DisplayItem = z.output<typeof displayItem>;

export const conversationSchema = z.object({
  title: z.string().max(120),
  createdAt: z.string(),
  updatedAt: z.string(),
  messages: z.array(chatMessage),
  items: z.array(displayItem),
});
export type Conversation = z.output<typeof conversationSchema>;

export const CONVERSATIONS = defineCollection('conversations', conversationSchema);
/** Beyond this many messages the oldest are dropped from storage (the model sees fewer anyway). */
const MAX_STORED_MESSAGES = 400;

export class ConversationRepository {
  constructor(private readonly store: TenantStore) {}

  private get col() {
    return this.store.collection(CONVERSATIONS);
  }

  /** Newest first: ids start with a time stamp. */
  async list(userId: string, limit = 50): Promise<{ id: string; title: string; updatedAt: string }[]> {
    const page = await this.col.query(partition(userId), { limit, order: 'desc' });
    return page.items.map((i) => ({ id: i.id, title: i.value.title, updatedAt: i.value.updatedAt }));
  }

  async create(userId: string, title: string, now: Date): Promise<string> {
    const id = `${now.getTime().toString(36).padStart(9, '0')}-${randomBytes(5).toString('hex')}`;
    const at = now.toISOString();
    await this.col.create(partition(userId), id, {
      title: title.slice(0, 120) || 'New conversation',
      createdAt: at,
      updatedAt: at,
      messages: [],
      items: [],
    });
    return id;
  }

  async get(userId: string, id: string): Promise<{ value: Conversation; version: string } | undefined> {
    if (!/^[0-9a-z]{9}-[0-9a-f]{10}$/.test(id)) return undefined;
    const item = await this.col.get(partition(userId), id);
    return item ? { value: item.value, version: item.version } : undefined;
  }

  /** Appends under optimistic concurrency (a second tab's turn is retried on the fresh copy). */
  async append(
    userId: string,
    id: string,
    messages: readonly ChatMessage[],
    items: readonly DisplayItem[],
    now: Date,
  ): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.get(userId, id);
      if (!current) return;
      const next: Conversation = {
        ...current.value,
        updatedAt: now.toISOString(),
        messages: [...current.value.messages, ...messages].slice(
          -MAX_STORED_MESSAGES,
        ) as Conversation['messages'],
        items: [...current.value.items, ...items].slice(-MAX_STORED_MESSAGES),
      };
      try {
        await this.col.put(partition(userId), id, next, { ifVersion: current.version });
        return;
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
      }
    }
    throw new Error('conversation: too many concurrent updates');
  }

  async delete(userId: string, id: string): Promise<boolean> {
    return this.col.delete(partition(userId), id);
  }
}

const partition = (userId: string) => `c:${userId}`;
