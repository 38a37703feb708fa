/**
 * One short-lived MCP client session to the upstream per use: the credential is the caller's
 * (user, group or org by the cascade), so sessions are never shared between callers. Every
 * request goes through the fetch it is given (the gate's guarded fetch: address rules, size
 * and time limits) and the whole use is bounded by `timeoutMs` and the call's abort signal.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { findRefusal } from '@cw/outbound';

export interface UpstreamTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

export interface UpstreamSession {
  listTools(): Promise<UpstreamTool[]>;
  callTool(name: string, args: Record<string, unknown>): Promise<unknown>;
}

const MAX_TOOLS = 500;

export async function withUpstream<T>(
  opts: { url: string; token?: string; fetch: typeof fetch; signal?: AbortSignal; timeoutMs: number },
  work: (session: UpstreamSession) => Promise<T>,
): Promise<T> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  // The SDK reads response streams in the background and does not surface why one broke: the
  // guard's refusal (size limit) is caught here and fails the use at once instead of at timeout.
  const watch = (error: unknown) => {
    const refusal = findRefusal(error);
    if (refusal) failFast(refusal);
    return error;
  };
  const fetchWithSignal: typeof fetch = async (input, init) => {
    const response = await opts
      .fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal })
      .catch((error: unknown) => Promise.reject(watch(error)));
    if (!response.body) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(watch(error));
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  let failFast: (error: Error) => void = () => {};
  const client = new Client({ name: 'contextweaver-mcp-engine', version: '0.1.0' });
  const transport = new StreamableHTTPClientTransport(new URL(opts.url), {
    fetch: fetchWithSignal,
    ...(opts.token ? { authProvider: { token: async () => opts.token } } : {}),
    // Redirects stay on the upstream's origin (the guard re-checks each hop as well).
    redirectPolicy: 'same-origin',
    reconnectionOptions: {
      maxRetries: 0,
      initialReconnectionDelay: 1000,
      maxReconnectionDelay: 1000,
      reconnectionDelayGrowFactor: 1,
    },
  });
  const requestOptions = { signal, timeout: opts.timeoutMs, maxTotalTimeout: opts.timeoutMs };
  const aborted = new Promise<never>((_, reject) => {
    failFast = reject;
    const fail = () => reject(new UpstreamTimeoutError(opts.timeoutMs, deadline.aborted));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => {});
  // The SDK reports a response stream that broke (e.g. the guard's size limit) only here; without
  // this the call would wait for its timeout instead of failing with the guard's reason.
  transport.onerror = (error) => {
    const refusal = findRefusal(error);
    if (refusal) failFast(refusal);
  };
  try {
    await Promise.race([client.connect(transport, requestOptions), aborted]);
    const session: UpstreamSession = {
      async listTools() {
        const tools: UpstreamTool[] = [];
        let cursor: string | undefined;
        do {
          const page = await Promise.race([
            client.listTools(cursor ? { cursor } : {}, requestOptions),
            aborted,
          ]);
          tools.push(...(page.tools as UpstreamTool[]));
          cursor = page.nextCursor;
        } while (cursor && tools.length < MAX_TOOLS);
        return tools.slice(0, MAX_TOOLS);
      },
      callTool: (name, args) =>
        Promise.race([client.callTool({ name, arguments: args }, requestOptions), aborted]),
    };
    return await work(session);
  } finally {
    await client.close().catch(() => {});
  }
}

export class UpstreamTimeoutError extends Error {
  constructor(timeoutMs: number, timedOut: boolean) {
    super(
      timedOut ? `the upstream MCP server did not answer within ${timeoutMs} ms` : 'the call was cancelled',
    );
  }
}
