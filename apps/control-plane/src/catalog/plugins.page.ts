/**
 * The Connector Marketplace page of the status area: the catalog, one form per engine to pick its
 * plugins (within the plan's limit) and set its switches (read-only, maintenance), the preview of a choice (diff, rollouts, needed credentials)
 * with a confirm button, and which credentials each chosen plugin needs, linking to cerebro's My
 * Credentials. Forms work without scripts (post → preview page → post with the token).
 */
import type { CatalogEntry, ChoosePluginsResult, CredentialNeedView, EngineDiff } from '@cw/control-plane';
import type { TenantRecord } from '@cw/db';
import { html, attrIf, type Html } from '../views/html.js';
import { page } from '../views/layout.js';

const toolLine = (t: CatalogEntry['tools'][number]) =>
  html`<li><code>${t.name}</code> — ${t.title} <small>(${t.classification}, ${t.minRole}+${t.approval ? ', needs approval' : ''})</small></li>`;

function entryCard(e: CatalogEntry): Html {
  return html`<article class="plugin" data-plugin="${e.id}">
    <h3>${e.title} <small><code>${e.id}</code>${e.version ? ` ${e.version}` : ''}</small></h3>
    <p>${e.description}</p>
    ${e.kind === 'configured' ? html`<p><em>Its tools come from the upstream server in the engine's configuration.</em></p>` : html`<ul>${e.tools.map(toolLine)}</ul>`}
    ${e.credentials.length ? html`<p>Needs: ${e.credentials.map((c) => html`<code>${c.name}</code> `)}</p>` : ''}
  </article>`;
}

export function credentialsSection(needs: readonly CredentialNeedView[], url: string): Html {
  if (!needs.length) return html`<p>No chosen plugin needs a credential.</p>`;
  return html`<ul class="credential-needs">
      ${needs.map(
        (n) =>
          html`<li data-engine="${n.engine}" data-plugin="${n.plugin}">
            Engine <code>${n.engine}</code>, <strong>${n.plugin}</strong>:
            ${n.credentials.map((c) => html`<code title="${c.description}">${c.name}</code> `)}
          </li>`,
      )}
    </ul>
    <p>
      Each person sets these in <a href="${url}">My Credentials</a> (or a manager sets them for a group or the
      organisation). The control plane cannot see whether they are set: they never leave your workspace.
    </p>`;
}

interface EngineState {
  name: string;
  plugins: readonly string[];
  readOnly: boolean;
  maintenance: boolean;
}

/** The engine switches as form fields: `switches` says the form carries them (an unticked box sends nothing). */
function switchFields(e: Pick<EngineState, 'readOnly' | 'maintenance'>): Html {
  return html`<div class="engine-switches">
    <input type="hidden" name="switches" value="1" />
    <label
      ><input type="checkbox" name="readOnly" value="on"${attrIf(e.readOnly, 'checked')} />
      <strong>Read-only</strong> <small>— every tool that writes is refused</small></label
    >
    <label
      ><input type="checkbox" name="maintenance" value="on"${attrIf(e.maintenance, 'checked')} />
      <strong>Maintenance</strong> <small>— every tool call is refused</small></label
    >
  </div>`;
}

function engineForm(e: EngineState, catalog: readonly CatalogEntry[], limit: number, csrf: string): Html {
  return html`<form method="post" action="/status/plugins" class="engine-plugins" data-engine="${e.name}">
    <input type="hidden" name="_csrf" value="${csrf}" />
    <fieldset>
      <legend>Engine <input name="name" value="${e.name}" aria-label="Engine name" /></legend>
      ${catalog.map(
        (c) =>
          html`<label
            ><input type="checkbox" name="plugins" value="${c.id}"${attrIf(e.plugins.includes(c.id), 'checked')} />
            ${c.title}</label
          > `,
      )}
      <p><small>At most ${limit} plugins per engine on your plan.</small></p>
      ${switchFields(e)}
      <button type="submit" class="button">Preview</button>
    </fieldset>
  </form>`;
}

export interface PluginsPageInput {
  tenant: TenantRecord;
  catalog: readonly CatalogEntry[];
  limit: number;
  maxEngines: number;
  needs: readonly CredentialNeedView[];
  credentialsUrl: string;
  csrf: string;
}

export function pluginsPage(i: PluginsPageInput): string {
  const engines = i.tenant.spec.engines;
  const body = html`<h1>Plugins for ${i.tenant.spec.displayName}</h1>
    <p><a href="/status">Back to the status</a></p>
    <h2>Your engines</h2>
    ${engines.map((e) => engineForm(e, i.catalog, i.limit, i.csrf))}
    ${
      engines.length < i.maxEngines
        ? engineForm(
            { name: engines.length ? '' : 'main', plugins: [], readOnly: false, maintenance: false },
            i.catalog,
            i.limit,
            i.csrf,
          )
        : ''
    }
    <h2>Credentials the chosen plugins need</h2>
    ${credentialsSection(i.needs, i.credentialsUrl)}
    <h2>Catalog</h2>
    ${i.catalog.map(entryCard)}`;
  return page({ title: 'Plugins', body });
}

const SWITCH_LABEL = { readOnly: 'read-only', maintenance: 'maintenance' } as const;
/** What the gate does once a switch is on / off. */
const SWITCH_EFFECT = {
  readOnly: ['every tool that writes is refused', 'tools that write run again'],
  maintenance: ['every tool call is refused', 'tool calls run again'],
} as const;

const diffLine = (d: EngineDiff) =>
  html`<li data-engine="${d.name}" data-change="${d.change}">
    <code>${d.name}</code>: ${d.change}
    ${d.added.length ? html` — adds ${d.added.join(', ')}` : ''}${d.removed.length ? html` — removes ${d.removed.join(', ')}` : ''}
    ${d.switches.map(
      (c) =>
        html` — <span data-switch="${c.switch}">${SWITCH_LABEL[c.switch]} ${c.after ? 'on' : 'off'}</span>
          <small>(${SWITCH_EFFECT[c.switch][c.after ? 0 : 1]})</small>`,
    )}
    ${d.rollout ? html`<br /><small>${d.rollout}</small>` : ''}
  </li>`;

/** The dry run of a choice, with the button that applies exactly it. */
export function previewPage(
  r: ChoosePluginsResult,
  form: { name: string; plugins: string[]; readOnly?: boolean; maintenance?: boolean },
  csrf: string,
): string {
  const body = html`<h1>${r.applied ? 'Engines changed' : 'Preview of the change'}</h1>
    <p role="status">${r.message}</p>
    <ul class="plugin-diff">${r.diff.map(diffLine)}</ul>
    ${
      !r.applied && r.confirm && r.diff.some((d) => d.change !== 'unchanged')
        ? html`<form method="post" action="/status/plugins">
            <input type="hidden" name="_csrf" value="${csrf}" />
            <input type="hidden" name="name" value="${form.name}" />
            ${form.plugins.map((p) => html`<input type="hidden" name="plugins" value="${p}" />`)}
            ${
              form.readOnly === undefined
                ? ''
                : html`<input type="hidden" name="switches" value="1" />
                    ${form.readOnly ? html`<input type="hidden" name="readOnly" value="on" />` : ''}
                    ${form.maintenance ? html`<input type="hidden" name="maintenance" value="on" />` : ''}`
            }
            <input type="hidden" name="confirm" value="${r.confirm}" />
            <button type="submit" class="button">Apply</button>
          </form>`
        : ''
    }
    <h2>Credentials needed</h2>
    ${credentialsSection(r.credentials, r.credentialsUrl)}
    <p><a href="/status/plugins">Back to plugins</a></p>`;
  return page({ title: 'Plugins', body });
}
