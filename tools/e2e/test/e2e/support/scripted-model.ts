/**
 * The journeys' scripted OpenAI-compatible model: offered a tool named `tool`, it calls it (no
 * arguments); given the tool's result, it answers `answer` in text (streamed when asked); with
 * nothing on offer it says so. Every request stays readable on the server for the leak scans.
 */
import { startScriptedLlmServer, type ChatRequestBody, type ScriptedLlmServer } from '@cw/testing/llm';

export function startToolCallingModel(tool: string, answer: string): Promise<ScriptedLlmServer> {
  return startScriptedLlmServer({
    script: (req: ChatRequestBody) => {
      const last = req.messages[req.messages.length - 1];
      if (last?.role === 'tool') return { text: answer, chunkDelayMs: 5 };
      if (req.tools?.some((t) => t.function.name === tool))
        return { toolCalls: [{ name: tool, arguments: '{}' }] };
      return { text: 'No tool is on offer.' };
    },
  });
}
