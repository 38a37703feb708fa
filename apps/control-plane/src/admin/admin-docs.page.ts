/**
 * /admin/v1/docs: the OpenAPI document as a plain page — operations by tag with their minimum
 * role, parameters, bodies and responses, schemas in disclosure widgets, and GET forms to try the
 * list endpoints with the session cookie. Server-rendered: no script, no CDN, works under the
 * app's Content-Security-Policy.
 */
import { html, type Html } from '../views/html.js';
import { page } from '../views/layout.js';
import type { OpenApiDocument } from './openapi.js';

export interface DocsViewer {
  actorHash: string;
  roles: readonly string[];
  credential: 'bearer' | 'session';
  /** Present for cookie sessions: the sign-out form needs it. */
  csrfToken: string | null;
}

type Operation = {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  'x-min-role': string;
  parameters: {
    name: string;
    in: string;
    required: boolean;
    description?: string;
    schema: Record<string, unknown>;
  }[];
  requestBody?: { required: boolean; content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { $ref?: string; description?: string }>;
};

const refName = (ref: string | undefined) => (ref ? ref.split('/').at(-1)! : '');
/** The descriptions use a little Markdown (`code`, **bold**); shown as plain text here. */
const plain = (text: string) => text.replace(/\*\*|`/g, '');

function schemaBlock(doc: OpenApiDocument, ref: string | undefined): Html | string {
  const name = refName(ref);
  const schema = doc.components.schemas[name];
  if (!schema) return '';
  return html`<details>
    <summary>Schema <code>${name}</code></summary>
    <pre>${JSON.stringify(schema, null, 2)}</pre>
  </details>`;
}

function tryForm(path: string, op: Operation): Html | string {
  const query = op.parameters.filter((p) => p.in === 'query');
  if (op.parameters.some((p) => p.in === 'path') || path.endsWith('/docs')) return '';
  return html`<form method="get" action="${path}" class="inline-form">
    ${query.map((p) => html`<label for="${op.operationId}-${p.name}">${p.name}</label><input type="text" id="${op.operationId}-${p.name}" name="${p.name}" />`)}
    <button type="submit" class="button secondary-button">Try it</button>
  </form>`;
}

function operationSection(doc: OpenApiDocument, path: string, method: string, op: Operation): Html {
  const responses = Object.entries(op.responses).map(([status, r]) => {
    const description = r.$ref
      ? ((doc.components.responses[refName(r.$ref)] as { description?: string } | undefined)?.description ??
        '')
      : (r.description ?? '');
    return html`<li><strong>${status}</strong> ${plain(description)}</li>`;
  });
  const body = op.requestBody ? Object.values(op.requestBody.content)[0]?.schema.$ref : undefined;
  const ok = Object.entries(op.responses).find(([status]) => status.startsWith('2'))?.[1];
  const okRef = (ok as { content?: Record<string, { schema: { $ref?: string } }> } | undefined)?.content?.[
    'application/json'
  ]?.schema.$ref;
  return html`<section id="${op.operationId}">
    <h3><code>${method.toUpperCase()} ${path}</code></h3>
    <p>
      <strong>${op.summary}</strong> · role ≥ <strong>${op['x-min-role']}</strong> ·
      <code>${op.operationId}</code>
    </p>
    <p>${plain(op.description)}</p>
    ${
      op.parameters.length
        ? html`<table>
            <thead>
              <tr>
                <th>Parameter</th>
                <th>In</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              ${op.parameters.map(
                (p) =>
                  html`<tr>
                    <td><code>${p.name}</code>${p.required ? ' (required)' : ''}</td>
                    <td>${p.in}</td>
                    <td>${p.description ?? ''}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : ''
    }
    ${
      body
        ? html`<p>
              Request body${op.requestBody?.required ? ' (required)' : ' (optional)'}:
              <code>${refName(body)}</code>
            </p>
            ${schemaBlock(doc, body)}`
        : ''
    }
    <ul>
      ${responses}
    </ul>
    ${schemaBlock(doc, okRef)} ${method === 'get' ? tryForm(path, op) : ''}
  </section>`;
}

export function docsPage(doc: OpenApiDocument, viewer: DocsViewer): string {
  const info = doc.info as { title: string; version: string; description: string };
  const tags = (doc.tags as { name: string; description: string }[]) ?? [];
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op: op as unknown as Operation })),
  );
  const body = html`<h1>${info.title} <small>${info.version}</small></h1>
    <p>${plain(info.description)}</p>
    <p class="notice">
      Signed in as <code>${viewer.actorHash}</code> with the role${viewer.roles.length > 1 ? 's' : ''}
      <strong>${viewer.roles.join(', ')}</strong>
      (${viewer.credential === 'session' ? 'browser session' : 'bearer token'}). The machine-readable document
      is at <a href="/admin/v1/openapi.json">/admin/v1/openapi.json</a>.
    </p>
    ${
      viewer.csrfToken
        ? html`<form method="post" action="/admin/logout" class="inline-form">
            <input type="hidden" name="_csrf" value="${viewer.csrfToken}" /><button
              type="submit"
              class="button secondary-button"
            >
              Sign out
            </button>
          </form>`
        : ''
    }
    <nav aria-label="Operations">
      <ul>
        ${ops.map(({ op }) => html`<li><a href="#${op.operationId}">${op.summary}</a></li>`)}
      </ul>
    </nav>
    ${tags.map(
      (tag) =>
        html`<h2>${tag.name}</h2>
          <p>${tag.description}</p>
          ${ops.filter(({ op }) => op.tags.includes(tag.name)).map(({ path, method, op }) => operationSection(doc, path, method, op))}`,
    )}`;
  return page({ title: 'Admin API', body });
}
