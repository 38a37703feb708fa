/**
 * The chat port on the Vercel AI SDK. Tools are declared without `execute`, so one `stream()` is
 * one model step and the SDK never runs anything by itself; the agent decides what runs.
 */
import { jsonSchema, streamText, tool, type LanguageModel, type ModelMessage, type ToolSet } from 'ai';
import {
  LlmCallError,
  type ChatEvent,
  type ChatMessage,
  type ChatModelPort,
  type ChatRequest,
  type ChatUsage,
} from './chat.port.js';
import type { UsageRecorder } from './usage.metrics.js';

export class AiSdkChatModel implements ChatModelPort {
  constructor(
    private readonly languageModel: LanguageModel,
    readonly provider: string,
    readonly model: string,
    private readonly usage?: UsageRecorder,
  ) {}

  async *stream(request: ChatRequest): AsyncIterable<ChatEvent> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = request.timeoutMs
      ? setTimeout(
          () => controller.abort(new LlmCallError('The model did not answer in time.', 'timeout')),
          request.timeoutMs,
        )
      : undefined;
    const tools: ToolSet = {};
    for (const t of request.tools) {
      tools[t.name] = tool({ description: t.description, inputSchema: jsonSchema(t.inputSchema as never) });
    }
    let failure: unknown;
    const started = performance.now();
    try {
      const result = streamText({
        model: this.languageModel,
        // The SDK takes instructions apart from the conversation (system messages inside it are refused).
        ...systemOf(request.messages),
        messages: toModelMessages(request.messages.filter((m) => m.role !== 'system')),
        ...(request.tools.length ? { tools } : {}),
        abortSignal: controller.signal,
        maxRetries: 1,
        ...(request.maxOutputTokens ? { maxOutputTokens: request.maxOutputTokens } : {}),
        onError: ({ error }) => {
          failure = error;
        },
      });
      let usage: ChatUsage = { inputTokens: 0, outputTokens: 0 };
      let reason = 'stop';
      const calls = new Set<string>();
      for await (const part of result.fullStream as AsyncIterable<
        Record<string, unknown> & { type: string }
      >) {
        switch (part.type) {
          case 'text-delta':
            if (typeof part.text === 'string' && part.text) yield { type: 'text', delta: part.text };
            break;
          case 'tool-call':
          case 'tool-error': {
            // An invalid call (arguments not JSON, or failing the schema) still reaches the agent,
            // which answers the model in words; it never runs.
            const input = part.input;
            if (calls.has(String(part.toolCallId))) break;
            calls.add(String(part.toolCallId));
            yield {
              type: 'tool-call',
              call: {
                id: String(part.toolCallId),
                name: String(part.toolName),
                rawArguments: typeof input === 'string' ? input : JSON.stringify(input ?? {}),
              },
            };
            break;
          }
          case 'finish': {
            const total = (part.totalUsage ?? part.usage) as
              { inputTokens?: number; outputTokens?: number } | undefined;
            usage = { inputTokens: total?.inputTokens ?? 0, outputTokens: total?.outputTokens ?? 0 };
            reason = String(part.finishReason ?? 'stop');
            break;
          }
          case 'error':
            failure = part.error;
            break;
          case 'abort':
            failure ??= controller.signal.reason ?? new LlmCallError('The request was cancelled.', 'aborted');
            break;
        }
      }
      if (failure) throw failure;
      this.usage?.record(this.provider, this.model, usage);
      this.usage?.call?.(this.provider, this.model, (performance.now() - started) / 1000, 'ok');
      yield { type: 'finish', reason, usage };
    } catch (error) {
      const callError = toCallError(error ?? failure, controller.signal);
      this.usage?.call?.(this.provider, this.model, (performance.now() - started) / 1000, callError.kind);
      throw callError;
    } finally {
      if (timer) clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    }
  }
}

function systemOf(messages: readonly ChatMessage[]): { system?: string } {
  const system = messages.flatMap((m) => (m.role === 'system' ? [m.content] : [])).join('\n\n');
  return system ? { system } : {};
}

function toCallError(error: unknown, signal: AbortSignal): LlmCallError {
  if (error instanceof LlmCallError) return error;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof LlmCallError) return reason;
    return new LlmCallError('The request was cancelled.', 'aborted', { cause: error });
  }
  const status = (error as { statusCode?: number } | undefined)?.statusCode;
  if (status && status >= 400 && status < 500) {
    return new LlmCallError(`The model refused the request (HTTP ${status}).`, 'rejected', { cause: error });
  }
  return new LlmCallError('The model is unavailable right now.', 'unavailable', { cause: error });
}

export function toModelMessages(messages: readonly ChatMessage[]): ModelMessage[] {
  return messages.map((m): ModelMessage => {
    switch (m.role) {
      case 'system':
      case 'user':
        return { role: m.role, content: m.content };
      case 'assistant':
        return {
          role: 'assistant',
          content: [
            ...(m.content ? [{ type: 'text' as const, text: m.content }] : []),
            ...(m.toolCalls ?? []).map((c) => ({
              type: 'tool-call' as const,
              toolCallId: c.id,
              toolName: c.name,
              input: parseOr(c.rawArguments),
            })),
          ],
        };
      case 'tool':
        return {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: m.toolCallId,
              toolName: m.toolName,
              output: { type: 'text', value: m.content },
            },
          ],
        };
    }
  });
}

function parseOr(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return {};
  }
}
