/**
 * The OpenAPI 3.1 document of the admin API, generated from ADMIN_ROUTES and the zod schemas of
 * libs/control-plane (JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Built once per process.
 */
import { z } from 'zod';
import { errorResponseSchema } from '@cw/control-plane';
import { ADMIN_ROUTES, type AdminRoute } from './admin-routes.js';
import { ADMIN_SESSION_COOKIE } from './admin-session.js';

export type OpenApiDocument = Record<string, unknown> & {
  openapi: string;
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: {
    schemas: Record<string, unknown>;
    responses: Record<string, unknown>;
    securitySchemes: Record<string, unknown>;
  };
};

const SCHEMA_REF = (id: string) => `#/components/schemas/${id}`;
const JSON_MEDIA = 'application/json';

const ERROR_RESPONSES: Record<
  number,
  { name: string; description: string; headers?: Record<string, unknown> }
> = {
  400: {
    name: 'BadRequest',
    description: 'Invalid input (each problem named by its field) or a confirmation that does not match.',
  },
  401: {
    name: 'Unauthorized',
    description:
      'No valid credential: missing, malformed, expired, forged, wrong issuer/audience/identity tenant, or a disallowed algorithm. Audited.',
    headers: {
      'WWW-Authenticate': {
        description: 'RFC 6750 Bearer challenge with the reason.',
        schema: { type: 'string' },
      },
    },
  },
  403: {
    name: 'Forbidden',
    description:
      'Authenticated, but the role is too low (or the CSRF token is missing on a cookie call). Audited.',
  },
  404: { name: 'NotFound', description: 'No tenant with that id or slug.' },
  409: {
    name: 'Conflict',
    description:
      'Not possible in the tenant’s current state (the state machine refuses), or nothing to retry.',
  },
  502: {
    name: 'BadGateway',
    description: 'Stripe did not accept or answer the change; nothing was changed.',
  },
  503: {
    name: 'Unavailable',
    description:
      'Admin API not configured (ADMIN_OIDC_ISSUER unset), or the identity provider cannot be reached.',
    headers: { 'Retry-After': { schema: { type: 'string' } } },
  },
};

/** Every schema that has an `id`, as components; `$schema`/`$id` dropped (the document's dialect applies). */
function componentSchemas(): Record<string, unknown> {
  // Referencing the schemas makes sure their modules registered them before the registry is read.
  void errorResponseSchema;
  for (const r of ADMIN_ROUTES) void [r.body, r.response.schema];
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    uri: SCHEMA_REF,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    io: 'output',
  }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]),
  );
}

const idOf = (schema: z.ZodType): string => {
  const id = z.globalRegistry.get(schema)?.id;
  if (typeof id !== 'string') throw new Error('admin API schemas used in routes need .meta({ id })');
  return id;
};

function parameters(route: AdminRoute): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const name of route.path.match(/\{(\w+)\}/g) ?? []) {
    out.push({
      name: name.slice(1, -1),
      in: 'path',
      required: true,
      description: 'Tenant id (uuid) or slug.',
      schema: { type: 'string', maxLength: 100 },
    });
  }
  for (const [name, field] of Object.entries(route.query?.shape ?? {})) {
    const {
      $schema: _s,
      description,
      ...schema
    } = z.toJSONSchema(field as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >;
    out.push({
      name,
      in: 'query',
      required: false,
      ...(description ? { description } : {}),
      schema: Object.keys(schema).length ? schema : { type: 'string' },
    });
  }
  return out;
}

function operation(route: AdminRoute): Record<string, unknown> {
  const media = route.response.mediaType ?? JSON_MEDIA;
  const responses: Record<string, unknown> = {
    [route.response.status]: {
      description: route.summary,
      content: {
        [media]: {
          schema:
            media === JSON_MEDIA ? { $ref: SCHEMA_REF(idOf(route.response.schema)) } : { type: 'string' },
        },
      },
    },
  };
  for (const status of [...route.errors, 401, 403, 503].sort((a, b) => a - b))
    responses[status] = { $ref: `#/components/responses/${ERROR_RESPONSES[status]!.name}` };
  const bodyRequired = route.body ? !route.body.safeParse({}).success : false;
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: `${route.description}\n\nRequires the **${route.minRole}** role or higher.${route.method === 'POST' ? ' Audited. With the session cookie, send the CSRF token as `X-CSRF-Token`.' : ''}`,
    tags: [route.tag],
    'x-min-role': route.minRole,
    security: [{ bearer: [] }, { session: [] }],
    parameters: parameters(route),
    ...(route.body
      ? {
          requestBody: {
            required: bodyRequired,
            content: { [JSON_MEDIA]: { schema: { $ref: SCHEMA_REF(idOf(route.body)) } } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(serverUrl: string): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of ADMIN_ROUTES) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  const responses = Object.fromEntries(
    Object.values(ERROR_RESPONSES).map(({ name, description, headers }) => [
      name,
      {
        description,
        ...(headers ? { headers } : {}),
        content: { [JSON_MEDIA]: { schema: { $ref: SCHEMA_REF(idOf(errorResponseSchema)) } } },
      },
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'ContextWeaver admin API',
      version: '1.0.0',
      description:
        'For support staff: find a tenant, see its whole history, suspend, resume, retry, re-sync, change plan, offboard. Every state change and every refused attempt is audited. Authenticate with an OIDC access token (`Authorization: Bearer …`) or, in a browser, the session from /admin/login.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: serverUrl }],
    tags: [
      { name: 'tenants', description: 'Tenants and what can be done to them.' },
      { name: 'audit', description: 'Who did what, and who was refused.' },
      { name: 'meta', description: 'This API itself.' },
    ],
    security: [{ bearer: [] }, { session: [] }],
    paths,
    components: {
      schemas: componentSchemas(),
      responses,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'OIDC access token of the configured issuer, for the configured audience.',
        },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: ADMIN_SESSION_COOKIE,
          description: 'Browser session from /admin/login (authorization code + PKCE).',
        },
      },
    },
  };
}
