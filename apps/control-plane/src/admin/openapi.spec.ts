// Structural validation of the admin OpenAPI document: version, operations (id, responses,
// security), parameters, the table ↔ document correspondence both ways, and that every $ref
// resolves. Plus the docs page renders every operation without scripts.
import { describe, expect, it } from 'vitest';
import { ADMIN_ROUTES } from './admin-routes.js';
import { docsPage } from './admin-docs.page.js';
import { buildOpenApiDocument } from './openapi.js';

const doc = buildOpenApiDocument('https://platform.example.com');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
type Op = {
  operationId?: string;
  responses?: Record<string, unknown>;
  security?: Record<string, unknown>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
};
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => ({ path, method, op: op as Op })),
);

/** JSON pointer (RFC 6901) inside the document. */
function resolve(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`external $ref ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>(
      (node, part) =>
        node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined,
      doc,
    );
}

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else refsIn(value, out);
    }
  }
  return out;
}

describe('admin OpenAPI document', () => {
  it('is OpenAPI 3.1 with info, servers and security schemes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.servers).toEqual([{ url: 'https://platform.example.com' }]);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearer', 'session']);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc); // plain JSON, nothing lost when served
  });

  it('gives every operation a unique operationId, responses with a 2xx, and security from the declared schemes', () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[A-Za-z][A-Za-z0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys(op.responses ?? {});
      expect(
        statuses.some((s) => /^2\d\d$/.test(s)),
        where,
      ).toBe(true);
      expect(
        statuses.every((s) => /^[1-5]\d\d$/.test(s)),
        where,
      ).toBe(true);
      expect(statuses, where).toEqual(expect.arrayContaining(['401', '403', '503']));
      expect(op.security?.length, where).toBeGreaterThan(0);
      for (const requirement of op.security!)
        for (const scheme of Object.keys(requirement))
          expect(doc.components.securitySchemes, where).toHaveProperty(scheme);
    }
  });

  it('declares every path parameter as required and nothing else in the path', () => {
    for (const { path, op } of operations) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name)).toEqual(inPath);
      expect(declared.every((p) => p.required === true && p.schema)).toBe(true);
      for (const p of op.parameters ?? []) expect(['path', 'query', 'header', 'cookie']).toContain(p.in);
    }
  });

  it('documents exactly the routes of the table (and the table exactly the document)', () => {
    const fromTable = ADMIN_ROUTES.map((r) => `${r.method} ${r.path} ${r.operationId} ${r.minRole}`).sort();
    const fromDoc = operations
      .map(
        (o) =>
          `${o.method.toUpperCase()} ${o.path} ${o.op.operationId} ${(o.op as { 'x-min-role'?: string })['x-min-role']}`,
      )
      .sort();
    expect(fromDoc).toEqual(fromTable);
    for (const route of ADMIN_ROUTES) {
      const query = operations
        .find((o) => o.op.operationId === route.operationId)!
        .op.parameters!.filter((p) => p.in === 'query')
        .map((p) => p.name);
      expect(query).toEqual(Object.keys(route.query?.shape ?? {}));
    }
  });

  it('resolves every $ref, and every schema reference points at a schema object', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) {
      const target = resolve(ref);
      expect(target, ref).toBeTypeOf('object');
      if (ref.startsWith('#/components/schemas/'))
        expect(
          Object.keys(target as object).some((k) => ['type', 'anyOf', 'oneOf', 'allOf', '$ref'].includes(k)),
          ref,
        ).toBe(true);
    }
    for (const name of Object.keys(doc.components.schemas)) expect(name).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it('renders as a page: every operation, its role, no script', () => {
    const page = docsPage(doc, {
      actorHash: 'sha256:0123456789abcdef',
      roles: ['viewer'],
      credential: 'bearer',
      csrfToken: null,
    });
    for (const route of ADMIN_ROUTES) {
      expect(page).toContain(`id="${route.operationId}"`);
      expect(page).toContain(`${route.method} ${route.path}`);
    }
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/https?:\/\/(?!platform\.example\.com|json-schema\.org)[a-z]/i);
  });
});
