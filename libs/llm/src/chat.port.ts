/**
 * One port for chat with tool calling and streaming. The agent drives the loop itself: each
 * `stream()` is exactly one model step (the model may answer text, tool calls, or both), so the
 * caller — not the SDK — decides whether a tool runs, through the gate, as the signed-in person.
 */

/** A tool the model may call: name (`^[a-zA-Z0-9_-]{1,64}$`), description and JSON Schema. */
export interface ChatTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
}

export interface ChatToolCall {
  readonly id: string;
  readonly name: string;
  /** The arguments exactly as the model sent them (may not be JSON). */
  readonly rawArguments: string;
}

export type ChatMessage =
  | { readonly role: 'system'; readonly content: string }
  | { readonly role: 'user'; readonly content: string }
  | { readonly role: 'assistant'; readonly content: string; readonly toolCalls?: readonly ChatToolCall[] }
  | {
      readonly role: 'tool';
      readonly toolCallId: string;
      readonly toolName: string;
      readonly content: string;
    };

export interface ChatUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export type ChatEvent =
  | { readonly type: 'text'; readonly delta: string }
  | { readonly type: 'tool-call'; readonly call: ChatToolCall }
  | { readonly type: 'finish'; readonly reason: string; readonly usage: ChatUsage };

export interface ChatRequest {
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly ChatTool[];
  readonly signal?: AbortSignal;
  /** The whole step must finish within this (the model's own latency included). */
  readonly timeoutMs?: number;
  readonly maxOutputTokens?: number;
}

export interface ChatModelPort {
  /** `none` when no LLM is configured (then `stream` throws LlmNotConfiguredError). */
  readonly provider: string;
  readonly model: string;
  stream(request: ChatRequest): AsyncIterable<ChatEvent>;
}

export class LlmNotConfiguredError extends Error {
  constructor() {
    super('No language model is configured for this workspace.');
    this.name = 'LlmNotConfiguredError';
  }
}

/** The model failed (HTTP error, timeout, broken stream): the message is safe to show. */
export class LlmCallError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'unavailable' | 'rejected' | 'aborted',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LlmCallError';
  }
}
