/**
 * The chat pages. Without JavaScript a message is a form post: the turn runs on the server and
 * the page comes back with the answer. With JavaScript (assets/hub.js) the same post asks for
 * `text/event-stream` and the answer, tool calls and notices stream in as they happen; the stop
 * button aborts the request, which cancels the turn (what was said is kept).
 */
import type { Request, Response } from 'express';
import { actorOf, formBody, param } from '../http/actor.js';
import { InputError, NotFoundError } from '../http/errors.js';
import type { RouteSpec } from '../http/route-table.js';
import { html, type Html } from '../views/html.js';
import { actionButton, fmtTime, postForm, sendPage } from '../views/layout.js';
import {
  MessageTooLongError,
  runAgentTurn,
  DEFAULT_AGENT_LIMITS,
  type AgentEvent,
  type KnowledgeItem,
} from './agent.js';
import type { DisplayItem } from './conversations.repository.js';
import type { Hub } from './hub.service.js';

export function chatRoutes(hub: Hub): RouteSpec[] {
  const now = () => hub.deps.now();
  return [
    {
      method: 'GET',
      path: '/chat',
      access: 'signed-in',
      handler: async (req, res) => {
        const list = await hub.conversations.list(actorOf(req).userId);
        sendPage(req, res, {
          title: 'Chat',
          body: html`<h1>Chat</h1>
            ${noLlmBanner(hub)}
            ${postForm(
              req,
              '/chat',
              html`<label for="first">Ask something</label>
                <textarea id="first" name="message" rows="3" maxlength="${DEFAULT_AGENT_LIMITS.maxMessageChars}"></textarea>
                <button type="submit">Start a conversation</button>`,
            )}
            <h2>Your conversations</h2>
            ${
              list.length
                ? html`<ul class="conversations">
                  ${list.map((c) => html`<li><a href="/chat/${c.id}">${c.title}</a> <small>${fmtTime(c.updatedAt)}</small></li>`)}
                </ul>`
                : html`<p>No conversations yet.</p>`
            }`,
        });
      },
    },
    {
      method: 'POST',
      path: '/chat',
      access: 'signed-in',
      handler: async (req, res) => {
        const message = messageOf(req, true);
        const id = await hub.conversations.create(actorOf(req).userId, message.split('\n')[0] ?? '', now());
        if (message) await runTurn(hub, req, id, message, () => undefined);
        res.redirect(303, `/chat/${id}`);
      },
    },
    {
      method: 'GET',
      path: '/chat/:id',
      access: 'signed-in',
      handler: async (req, res) => {
        const id = param(req, 'id');
        const conv = await hub.conversations.get(actorOf(req).userId, id);
        if (!conv) throw new NotFoundError('conversation');
        sendPage(req, res, {
          title: conv.value.title,
          scripts: ['hub.js'],
          body: html`<h1>${conv.value.title}</h1>
            ${noLlmBanner(hub)}
            <ol id="transcript" class="transcript" aria-live="polite">
              ${conv.value.items.map((item) => renderItem(req, id, item))}
            </ol>
            ${postForm(
              req,
              `/chat/${id}/messages`,
              html`<label for="message">Message</label>
                <textarea id="message" name="message" rows="3" required maxlength="${DEFAULT_AGENT_LIMITS.maxMessageChars}"></textarea>
                <button type="submit" id="send">Send</button>
                <button type="button" id="stop" hidden>Stop</button>`,
              `id="composer" data-stream="/chat/${id}/messages"`,
            )}
            <p><a href="/chat">All conversations</a> · <a href="/tools">Run a tool directly</a></p>
            ${actionButton(req, `/chat/${id}/delete`, 'Delete this conversation')}`,
        });
      },
    },
    {
      method: 'POST',
      path: '/chat/:id/messages',
      access: 'signed-in',
      handler: async (req, res) => {
        const id = param(req, 'id');
        if (!(await hub.conversations.get(actorOf(req).userId, id))) throw new NotFoundError('conversation');
        const message = messageOf(req, false);
        if (!String(req.headers.accept ?? '').includes('text/event-stream')) {
          await runTurn(hub, req, id, message, () => undefined);
          return res.redirect(303, `/chat/${id}#composer`);
        }
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-store',
          'x-accel-buffering': 'no',
        });
        const ac = new AbortController();
        res.on('close', () => ac.abort());
        await runTurn(hub, req, id, message, (e) => res.write(`data: ${JSON.stringify(e)}\n\n`), ac.signal);
        res.end('data: {"type":"done"}\n\n');
      },
    },
    {
      method: 'POST',
      path: '/chat/:id/delete',
      access: 'signed-in',
      handler: async (req, res) => {
        await hub.conversations.delete(actorOf(req).userId, param(req, 'id'));
        res.redirect(303, '/chat');
      },
    },
    {
      method: 'POST',
      path: '/chat/:id/approvals/:approvalId/run',
      access: 'signed-in',
      handler: async (req, res) => {
        const id = param(req, 'id');
        const me = actorOf(req);
        const conv = await hub.conversations.get(me.userId, id);
        const approvalId = param(req, 'approvalId');
        const item = conv?.value.items.find((i) => i.kind === 'tool' && i.approvalId === approvalId);
        if (!conv || !item || item.kind !== 'tool') throw new NotFoundError('approval');
        const toolbox = hub.toolboxFor(req);
        try {
          const tools = await toolbox.list();
          const runner = tools.find(
            (t) => t.name === `${item.engine ?? item.tool.split('__')[0]}__approvals_run`,
          );
          if (!runner)
            throw new InputError('approvalId', 'the engine of this call does not run approved calls');
          const result = await toolbox.call(runner.name, { approvalId });
          const at = now().toISOString();
          await hub.conversations.append(
            me.userId,
            id,
            [
              {
                role: 'user',
                content: `<tool-result tool="${item.tool}" approval="${approvalId}" trust="untrusted">\n${result.outcome}: ${result.text.replace(/[<>]/g, '')}\n</tool-result>`,
              },
            ],
            [
              {
                kind: 'tool',
                tool: item.tool,
                args: item.args,
                outcome: result.outcome,
                text: result.text,
                durationMs: result.durationMs,
                at,
              },
            ],
            now(),
          );
        } finally {
          await toolbox.close();
        }
        res.redirect(303, `/chat/${id}`);
      },
    },
  ];

  function messageOf(req: Request, optional: boolean): string {
    const raw = formBody(req).message;
    const message = typeof raw === 'string' ? raw.trim() : '';
    if (!message && !optional) throw new InputError('message', 'write a message');
    if (message.length > DEFAULT_AGENT_LIMITS.maxMessageChars) {
      throw new InputError(
        'message',
        `longer than the limit of ${DEFAULT_AGENT_LIMITS.maxMessageChars} characters`,
      );
    }
    return message;
  }
}

/** Runs one turn, streaming events to `emit` and storing the result whatever happens. */
async function runTurn(
  hub: Hub,
  req: Request,
  id: string,
  message: string,
  emit: (e: AgentEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const me = actorOf(req);
  const conv = await hub.conversations.get(me.userId, id);
  if (!conv) throw new NotFoundError('conversation');
  const toolbox = hub.toolboxFor(req, { reuse: true });
  const items: DisplayItem[] = [{ kind: 'user', text: message, at: hub.deps.now().toISOString() }];
  let answer = '';
  const flush = () => {
    if (answer) items.push({ kind: 'assistant', text: answer, at: hub.deps.now().toISOString() });
    answer = '';
  };
  const starts = new Map<string, string>();
  let added: Awaited<ReturnType<typeof drain>> = [];
  async function drain() {
    const knowledge = await knowledgeFor(hub, req, message);
    const gen = runAgentTurn({
      model: hub.model,
      tools: toolbox,
      history: conv!.value.messages,
      userMessage: message,
      knowledge,
      ...(signal ? { signal } : {}),
    });
    for (;;) {
      const next = await gen.next();
      if (next.done) return next.value;
      const e = next.value;
      emit(e);
      if (e.type === 'text') answer += e.delta;
      else if (e.type === 'tool-start') {
        flush();
        starts.set(e.id, e.args);
      } else if (e.type === 'tool-end') {
        items.push({
          kind: 'tool',
          tool: e.tool,
          args: starts.get(e.id) ?? '',
          outcome: e.outcome,
          text: e.text,
          durationMs: e.durationMs,
          ...(e.approvalId
            ? { approvalId: e.approvalId, engine: toolbox.describe(e.tool)?.engine ?? '' }
            : {}),
          at: hub.deps.now().toISOString(),
        });
      } else if (e.type === 'notice') {
        flush();
        items.push({ kind: 'notice', notice: e.kind, text: e.message, at: hub.deps.now().toISOString() });
      }
    }
  }
  try {
    added = await drain();
  } catch (error) {
    if (error instanceof MessageTooLongError) throw new InputError('message', error.message);
    throw error;
  } finally {
    flush();
    await toolbox.close();
    await hub.conversations.append(me.userId, id, added, items, hub.deps.now());
  }
}

/**
 * The person's knowledge for this message: the cascade searched with their principals inside
 * the query's filter (user, groups, the tenant, the engines' plugins and engines), levels kept.
 * A knowledge outage never blocks the chat: the turn goes on without it.
 */
async function knowledgeFor(hub: Hub, req: Request, message: string): Promise<KnowledgeItem[]> {
  if (!hub.knowledge || hub.model.provider === 'none') return [];
  const me = actorOf(req);
  const engines = hub.deps.config.engines;
  try {
    const hits = await hub.knowledge.searchForAgent(
      message,
      {
        tenant: hub.deps.config.tenant,
        userId: me.userId,
        groups: me.groups,
        plugins: [...new Set(engines.flatMap((e) => e.plugins))],
        engines: engines.map((e) => e.name),
      },
      { k: 6 },
    );
    return hits.map((h) => ({ level: h.level, source: h.source, text: h.text }));
  } catch (error) {
    hub.deps.logger.warn(
      { err: (error as Error).name },
      'knowledge search failed; the turn goes on without it',
    );
    return [];
  }
}

function renderItem(req: Request, conversationId: string, item: DisplayItem): Html {
  switch (item.kind) {
    case 'user':
      return html`<li class="msg user"><strong>You</strong><p>${item.text}</p></li>`;
    case 'assistant':
      return html`<li class="msg assistant"><strong>Assistant</strong><p>${item.text}</p></li>`;
    case 'notice':
      return html`<li class="msg notice" role="status">${item.text}</li>`;
    case 'tool':
      return html`<li class="msg tool outcome-${item.outcome}">
        <details>
          <summary>Tool <code>${item.tool}</code>: <strong>${outcomeLabel(item.outcome)}</strong> (${item.durationMs} ms)</summary>
          <p>Arguments: <code>${item.args}</code></p>
          <pre>${item.text}</pre>
        </details>
        ${
          item.outcome === 'pending' && item.approvalId
            ? html`<p>Waiting for a manager's approval (${item.approvalId}).</p>
              ${actionButton(req, `/chat/${conversationId}/approvals/${item.approvalId}/run`, 'Run it now if approved')}`
            : ''
        }
      </li>`;
  }
}

const outcomeLabel = (o: string) =>
  ({
    ok: 'done',
    refused: 'refused by policy',
    pending: 'waiting for approval',
    error: 'failed',
    invalid: 'not run',
  })[o] ?? o;

function noLlmBanner(hub: Hub): Html | string {
  return hub.model.provider === 'none'
    ? html`<p class="banner" role="status">No language model is configured for this workspace yet. You can still <a href="/tools">run a tool directly</a>; every rule of the engines applies the same way.</p>`
    : '';
}

export type { Response };
