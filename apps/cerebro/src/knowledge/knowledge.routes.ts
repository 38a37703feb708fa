/**
 * The Knowledge pages: search as the signed-in person (the five-level, ACL-filtered cascade,
 * each hit with its level and source), add knowledge (paste or upload) at a level the person may
 * write, and list/delete the sources they manage. Registered once from app.factory with the
 * knowledge base the AI hub opened, so the tenant's index is opened exactly once.
 */
import type { Request, Response } from 'express';
import { LEVEL_NAMES, type Knowledge, type KnowledgeResult, type SourceRecord } from '@cw/knowledge';
import type { CerebroDeps } from '../deps.js';
import type { HubHost } from '../hub-host.js';
import { actorOf, formBody } from '../http/actor.js';
import { InputError } from '../http/errors.js';
import type { RouteSpec } from '../http/route-table.js';
import type { Services } from '../services.js';
import { html, type Html } from '../views/html.js';
import { csrfField, fmtTime, postForm, sendPage } from '../views/layout.js';
import { KnowledgeUseCases, type WritableScope } from './knowledge.use-cases.js';
import { multipartUpload, uploadedFile } from './multipart-upload.js';

export function registerKnowledge(
  host: HubHost,
  deps: CerebroDeps,
  services: Services,
  knowledge: Knowledge | undefined,
): void {
  const uc = new KnowledgeUseCases(deps, services, knowledge);
  // Mounted before the route rows: the guard must find the upload form's _csrf in req.body.
  host.express.use('/knowledge/upload', multipartUpload());
  host.routes.add(...knowledgeRoutes(uc));
  host.nav.push({ href: '/knowledge', label: 'Knowledge' });
}

const TITLE_MAX = 200;
const TEXT_MAX = 60_000;

function knowledgeRoutes(uc: KnowledgeUseCases): RouteSpec[] {
  const done = (res: Response, note: string) =>
    res.redirect(303, `/knowledge?done=${encodeURIComponent(note)}`);
  return [
    {
      method: 'GET',
      path: '/knowledge',
      access: 'signed-in',
      handler: async (req, res) => {
        const me = actorOf(req);
        const q = typeof req.query.q === 'string' ? req.query.q.trim() : '';
        if (!uc.enabled) {
          sendPage(req, res, {
            title: 'Knowledge',
            body: html`<h1>Knowledge</h1>
              <p>No knowledge base is configured for this organisation (the config file has no <code>knowledge</code> section).</p>`,
          });
          return;
        }
        const hits = q ? await uc.search(me, q) : undefined;
        const [scopes, sources] = await Promise.all([uc.writableScopes(me), uc.sources(me)]);
        const note = typeof req.query.done === 'string' ? req.query.done.slice(0, 200) : '';
        sendPage(req, res, {
          title: 'Knowledge',
          body: html`<h1>Knowledge</h1>
            <p>What the assistant knows for you: your own notes (P5), your groups’ policies (P4), the organisation’s (P3), plugin (P2) and engine (P1) knowledge. Where two speak to the same policy key, the more specific level wins.</p>
            ${note ? html`<p role="status">${note}</p>` : ''}
            <form method="get" action="/knowledge" role="search">
              <label for="kq">Search</label>
              <input id="kq" name="q" type="search" value="${q}" maxlength="4000" required />
              <button type="submit">Search</button>
            </form>
            ${hits ? resultsSection(q, hits) : ''}
            ${addSection(req, scopes)}
            ${sourcesSection(req, sources)}`,
        });
      },
    },
    {
      method: 'POST',
      path: '/knowledge/text',
      access: 'signed-in',
      handler: async (req, res) => {
        const b = formBody(req);
        const title = requiredText(b.title, 'title', TITLE_MAX);
        const text = requiredText(b.text, 'text', TEXT_MAX);
        const r = await uc.ingest(actorOf(req), {
          scope: b.scope,
          policyKey: b.policyKey,
          source: { kind: 'text', title, text },
        });
        done(res, `Saved “${title}” at ${r.level} (${r.chunks} chunks${r.unchanged ? ', unchanged' : ''}).`);
      },
    },
    {
      method: 'POST',
      path: '/knowledge/upload',
      access: 'signed-in',
      handler: async (req, res) => {
        const b = formBody(req);
        const file = uploadedFile(req);
        if (!file || file.size === 0 || !file.name) throw new InputError('file', 'choose a file to upload');
        const filename = file.name.slice(0, TITLE_MAX);
        const r = await uc.ingest(actorOf(req), {
          scope: b.scope,
          policyKey: b.policyKey,
          source: {
            kind: 'file',
            filename,
            bytes: new Uint8Array(await file.arrayBuffer()),
            ...(file.type ? { contentType: file.type } : {}),
          },
        });
        done(
          res,
          `Saved “${filename}” at ${r.level} (${r.chunks} chunks${r.unchanged ? ', unchanged' : ''}).`,
        );
      },
    },
    {
      method: 'POST',
      path: '/knowledge/delete',
      access: 'signed-in',
      handler: async (req, res) => {
        const removed = await uc.delete(actorOf(req), formBody(req).sourceId);
        done(res, `Deleted the source (${removed} chunks).`);
      },
    },
  ];
}

function requiredText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || !value.trim()) throw new InputError(field, 'is required');
  if (value.length > max) throw new InputError(field, `must be at most ${max} characters`);
  return value.trim();
}

function resultsSection(q: string, hits: KnowledgeResult[]): Html {
  return html`<section aria-labelledby="k-results">
    <h2 id="k-results">Results for “${q}”</h2>
    ${
      hits.length === 0
        ? html`<p>Nothing you may read matches.</p>`
        : html`<ol class="knowledge-hits">
          ${hits.map(
            (h) => html`<li class="card">
              <p><strong>${h.level}</strong> · ${LEVEL_NAMES[h.level]} · source “${h.source.title}”${h.policyKey ? html` · policy key <code>${h.policyKey}</code>` : ''}</p>
              <p>${h.text}</p>
            </li>`,
          )}
        </ol>`
    }
  </section>`;
}

function addSection(req: Request, scopes: WritableScope[]): Html {
  const select = (id: string) => html`<label for="${id}">Level</label>
    <select id="${id}" name="scope" required>
      ${scopes.map((s) => html`<option value="${s.value}">${s.label}</option>`)}
    </select>`;
  const policy = (id: string) => html`<label for="${id}">Policy key (optional)</label>
    <input id="${id}" name="policyKey" maxlength="128" pattern="[a-z0-9][a-z0-9._:\\-]{0,127}" />
    <p class="hint">The topic this speaks to, e.g. <code>email.signature</code>: a more specific level with the same key overrides this one.</p>`;
  return html`<section class="card" aria-labelledby="k-add">
    <h2 id="k-add">Add knowledge</h2>
    <p class="hint">You may write: ${scopes.map((s) => s.value.split(':')[0]).join(', ')}.</p>
    <h3>Paste text</h3>
    ${postForm(
      req,
      '/knowledge/text',
      html`${select('k-scope-text')}
        <label for="k-title">Title</label><input id="k-title" name="title" maxlength="${TITLE_MAX}" required />
        <label for="k-text">Text</label><textarea id="k-text" name="text" rows="6" maxlength="${TEXT_MAX}" required></textarea>
        ${policy('k-policy-text')}
        <button type="submit">Save</button>`,
    )}
    <h3>Upload a file</h3>
    <form method="post" action="/knowledge/upload" enctype="multipart/form-data">${csrfField(req)}
      ${select('k-scope-file')}
      <label for="k-file">File (Markdown, text, HTML, PDF or Word .docx; up to 10 MiB)</label>
      <input id="k-file" name="file" type="file" accept=".md,.markdown,.txt,.html,.htm,.pdf,.docx" required />
      ${policy('k-policy-file')}
      <button type="submit">Upload</button>
    </form>
  </section>`;
}

function sourcesSection(req: Request, sources: SourceRecord[]): Html {
  return html`<section aria-labelledby="k-sources">
    <h2 id="k-sources">Sources you manage</h2>
    ${
      sources.length === 0
        ? html`<p>None yet.</p>`
        : html`<div class="table-wrap"><table>
          <thead><tr><th scope="col">Title</th><th scope="col">Level</th><th scope="col">Kind</th><th scope="col">Chunks</th><th scope="col">Added</th><th scope="col">Delete</th></tr></thead>
          <tbody>${sources.map(
            (
              s,
            ) => html`<tr><th scope="row">${s.title}</th><td>${s.level}</td><td>${s.kind}</td><td>${s.chunks}</td><td>${fmtTime(s.ingestedAt)}</td>
              <td>${postForm(req, '/knowledge/delete', html`<input type="hidden" name="sourceId" value="${s.sourceId}" /><button type="submit" class="danger">Delete ${s.title}</button>`, 'class="inline"')}</td></tr>`,
          )}</tbody></table></div>`
    }
  </section>`;
}
