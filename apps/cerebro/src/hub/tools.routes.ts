/**
 * "Run a tool": the gate without a model. Lists the tools the engines offer this person (their
 * `tools/list` as this person) and calls one with JSON arguments — the same gate, the same audit.
 */
import { formBody } from '../http/actor.js';
import { InputError } from '../http/errors.js';
import type { RouteSpec } from '../http/route-table.js';
import { html } from '../views/html.js';
import { postForm, sendPage } from '../views/layout.js';
import type { Hub } from './hub.service.js';

const MAX_ARGS_CHARS = 16_000;

/**
 * Why tools may be missing: the engines whose switches (set by the workspace's admin where the
 * plugins are chosen) refuse writes or every call. The engine's gate enforces them; this only says so.
 */
function switchNotices(hub: Hub) {
  return hub.deps.config.engines
    .filter((e) => e.readOnly || e.maintenance)
    .map(
      (e) =>
        html`<p class="banner" role="status" data-engine-switch="${e.name}">
          Engine ${e.name}
          ${
            e.maintenance
              ? "is in maintenance: its tools don't run until your workspace's admin turns maintenance off."
              : "is read-only: its tools that write are not offered until your workspace's admin turns read-only off."
          }
        </p>`,
    );
}

export function toolRoutes(hub: Hub): RouteSpec[] {
  return [
    {
      method: 'GET',
      path: '/tools',
      access: 'signed-in',
      handler: async (req, res) => {
        const toolbox = hub.toolboxFor(req);
        try {
          const tools = await toolbox.list();
          sendPage(req, res, {
            title: 'Run a tool',
            body: html`<h1>Run a tool</h1>
              <p>Only the tools you may call are listed. Every call passes the engine's gate and is audited.</p>
              ${switchNotices(hub)}
              ${toolbox.unavailable.map((u) => html`<p class="banner" role="status">Engine ${u.engine}: ${u.reason}.</p>`)}
              ${
                tools.length
                  ? postForm(
                      req,
                      '/tools/run',
                      html`<label for="tool">Tool</label>
                      <select id="tool" name="tool">
                        ${tools.map((t) => html`<option value="${t.name}">${t.name} — ${t.description}</option>`)}
                      </select>
                      <label for="args">Arguments (JSON object)</label>
                      <textarea id="args" name="args" rows="4">{}</textarea>
                      <button type="submit">Run</button>`,
                    )
                  : html`<p>No tools are available to you.</p>`
              }`,
          });
        } finally {
          await toolbox.close();
        }
      },
    },
    {
      method: 'POST',
      path: '/tools/run',
      access: 'signed-in',
      handler: async (req, res) => {
        const body = formBody(req);
        const name = typeof body.tool === 'string' ? body.tool : '';
        const rawArgs = typeof body.args === 'string' ? body.args : '{}';
        if (!name) throw new InputError('tool', 'choose a tool');
        if (rawArgs.length > MAX_ARGS_CHARS)
          throw new InputError('args', `longer than ${MAX_ARGS_CHARS} characters`);
        let args: unknown;
        try {
          args = JSON.parse(rawArgs || '{}');
        } catch {
          throw new InputError('args', 'must be a JSON object, e.g. {"amount": 5}');
        }
        if (!args || typeof args !== 'object' || Array.isArray(args))
          throw new InputError('args', 'must be a JSON object');
        const toolbox = hub.toolboxFor(req);
        try {
          await toolbox.list();
          if (!toolbox.has(name)) throw new InputError('tool', 'not a tool you may call');
          const result = await toolbox.call(name, args as Record<string, unknown>);
          sendPage(req, res, {
            title: 'Tool result',
            body: html`<h1>Tool result</h1>
              <p>Tool <code>${name}</code>: <strong id="outcome">${result.outcome}</strong> in ${result.durationMs} ms</p>
              <pre id="result">${result.text}</pre>
              <p><a href="/tools">Run another tool</a></p>`,
          });
        } finally {
          await toolbox.close();
        }
      },
    },
  ];
}
