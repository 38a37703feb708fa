/**
 * The admin API, defined once. Everything else is generated from this table: the Nest routes
 * (the `@AdminOperation(id)` decorator takes method, path and status from here), the guard's
 * role check (it refuses a handler that has no entry), the OpenAPI document, and the role-matrix
 * test. A route added here without a handler stops the app at boot; a handler without an entry
 * cannot exist (the decorator needs one).
 */
import { applyDecorators, Get, HttpCode, Post, SetMetadata } from '@nestjs/common';
import type { z } from 'zod';
import type { Role } from '@cw/identity';
import {
  actionResultSchema,
  auditPageSchema,
  catalogViewSchema,
  changePlanBodySchema,
  dryRunResultSchema,
  adminEnginesBodySchema,
  engineChoiceResultSchema,
  signingKeyActionBodySchema,
  signingKeysViewSchema,
  listAuditQuerySchema,
  listTenantsQuerySchema,
  offboardBodySchema,
  openApiDocumentSchema,
  planChangeResultSchema,
  reasonBodySchema,
  retryResultSchema,
  sessionInfoSchema,
  tenantDetailSchema,
  tenantPageSchema,
} from '@cw/control-plane';

export const ADMIN_BASE = '/admin/v1';

export interface AdminRoute {
  readonly operationId: string;
  readonly method: 'GET' | 'POST';
  /** OpenAPI form, `{tenant}` for parameters. */
  readonly path: string;
  readonly minRole: Role;
  readonly summary: string;
  readonly description: string;
  readonly tag: 'tenants' | 'audit' | 'meta';
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  readonly response: { status: 200; schema: z.ZodType; mediaType?: 'application/json' | 'text/html' };
  /** Statuses besides 401/403/503 (which every route can answer). */
  readonly errors: readonly (400 | 404 | 409 | 502)[];
}

const tenantPath = (suffix = '') => `${ADMIN_BASE}/tenants/{tenant}${suffix}`;
const action = (
  operationId: string,
  suffix: string,
  summary: string,
  description: string,
  body = reasonBodySchema,
): AdminRoute => ({
  operationId,
  method: 'POST',
  path: tenantPath(suffix),
  minRole: 'manager',
  summary,
  description,
  tag: 'tenants',
  body,
  response: { status: 200, schema: actionResultSchema },
  errors: [400, 404, 409],
});

export const ADMIN_ROUTES: readonly AdminRoute[] = [
  {
    operationId: 'listTenants',
    method: 'GET',
    path: `${ADMIN_BASE}/tenants`,
    minRole: 'viewer',
    summary: 'List and search tenants',
    description:
      'Newest first, ordered by (createdAt, id). Filters combine with AND; pass `nextCursor` as `cursor` for the next page.',
    tag: 'tenants',
    query: listTenantsQuerySchema,
    response: { status: 200, schema: tenantPageSchema },
    errors: [400],
  },
  {
    operationId: 'getTenant',
    method: 'GET',
    path: tenantPath(),
    minRole: 'viewer',
    summary: 'A tenant in full',
    description:
      'Spec, state, lifecycle events, provisioning runs with their steps, billing (stored and, when billing is on, as Stripe has it now), and the Tenant status from the cluster. `{tenant}` is an id or a slug.',
    tag: 'tenants',
    response: { status: 200, schema: tenantDetailSchema },
    errors: [404],
  },
  {
    operationId: 'dryRunTenant',
    method: 'GET',
    path: tenantPath('/dry-run'),
    minRole: 'viewer',
    summary: 'Preview what re-applying the tenant would change',
    description:
      'Diffs the current desired spec against the last applied artifacts (cloud resources, Kubernetes objects). Writes nothing.',
    tag: 'tenants',
    response: { status: 200, schema: dryRunResultSchema },
    errors: [404],
  },
  action(
    'suspendTenant',
    '/suspend',
    'Suspend a tenant',
    'active or failed → suspended: workloads scale to zero, data is kept. Starts a `suspend` run.',
  ),
  action(
    'resumeTenant',
    '/resume',
    'Resume a suspended tenant',
    'suspended → active (also when it was suspended for non-payment: the invoice stays open). Starts a `resume` run.',
  ),
  {
    ...action(
      'retryTenant',
      '/retry',
      'Retry from the failed step',
      "Queues the failed step of the tenant's latest run again; earlier steps are not repeated. A failed tenant goes back to provisioning.",
    ),
    body: undefined,
    response: { status: 200, schema: retryResultSchema },
  },
  action(
    'resyncTenant',
    '/resync',
    'Re-apply the tenant',
    'Starts a `resync` run (render + apply) for an active or suspended tenant: corrects drift in the cluster.',
  ),
  {
    ...action(
      'changeTenantPlan',
      '/plan',
      'Change plan and/or seats',
      "Billing on and a Stripe subscription: the subscription item is changed and the tenant follows when Stripe's webhook arrives (`via: stripe`). Otherwise the spec changes now and an `update` run starts (`via: direct`).",
      changePlanBodySchema,
    ),
    response: { status: 200, schema: planChangeResultSchema },
    errors: [400, 404, 409, 502],
  },
  action(
    'offboardTenant',
    '/offboard',
    'Offboard a tenant',
    'Removes the tenant: `confirm` must equal its slug (a mismatch is refused and audited). Starts an `offboard` run and cancels the Stripe subscription when billing is on.',
    offboardBodySchema,
  ),
  {
    ...action(
      'configureEngines',
      '/engines',
      "Preview, then apply, a tenant's engine plugins and switches",
      "The Connector Marketplace for support staff, same rules as the customer's status page: per engine `plugins` (within the plan's limits), `readOnly` (the gate refuses every write/destructive tool) and `maintenance` (the gate refuses every tool call); a field left out is unchanged. Without `confirm` a preview (diff, rollouts, credentials needed, a `confirm` token; nothing written); with the preview's token the change is applied (new spec version, `update` run; the engines roll). A stale token answers 409 `confirm`.",
      adminEnginesBodySchema,
    ),
    response: { status: 200, schema: engineChoiceResultSchema },
  },
  {
    operationId: 'getSigningKeys',
    method: 'GET',
    path: tenantPath('/signing-keys'),
    minRole: 'viewer',
    summary: "The tenant's engine signing keys",
    description:
      'The keys cerebro mounts (names only; the last one signs engine tokens), and a rotation waiting to be retired: when it was rolled out and from when the old key may be retired.',
    tag: 'tenants',
    response: { status: 200, schema: signingKeysViewSchema },
    errors: [404],
  },
  {
    ...action(
      'rotateSigningKey',
      '/signing-keys/rotate',
      'Rotate the engine signing key',
      'Adds the next `engine-signing-NNNN`: the desired spec lists old and new (`spec.bindings.vault.signingKeys`), an `update` run creates the new key in the tenant vault and rolls cerebro out mounting both; cerebro publishes both in its JWKS and signs with the new one after its grace period. 409 when the tenant has no vault binding, is not provisioned, or a rotation waits to be retired.',
      signingKeyActionBodySchema,
    ),
    response: { status: 200, schema: signingKeysViewSchema },
  },
  {
    ...action(
      'retireSigningKey',
      '/signing-keys/retire',
      'Retire the previous engine signing key',
      'Only once the rotation was rolled out (a run at its spec version succeeded) and the longest engine-token life after the new key started signing has passed (660 s); earlier 409 says from when. The desired spec lists the new key only; the `update` run applies that, waits for Ready, then deletes the old key from the vault (step retire-signing-keys).',
      signingKeyActionBodySchema,
    ),
    response: { status: 200, schema: signingKeysViewSchema },
  },
  {
    operationId: 'listAudit',
    method: 'GET',
    path: `${ADMIN_BASE}/audit`,
    minRole: 'viewer',
    summary: 'Query the audit log',
    description:
      'Every state-changing admin request and every refused attempt, newest first. Actors are pseudonyms (`sha256:<hex16>`).',
    tag: 'audit',
    query: listAuditQuerySchema,
    response: { status: 200, schema: auditPageSchema },
    errors: [400],
  },
  {
    operationId: 'getCatalog',
    method: 'GET',
    path: `${ADMIN_BASE}/catalog`,
    minRole: 'viewer',
    summary: 'The plugin catalog (Connector Marketplace)',
    description:
      "The plugins the platform offers, from the plugin packages' own manifests (tools with classification, minimum role and approval; credentials needed), and the plan limits on engines and plugins per engine.",
    tag: 'meta',
    response: { status: 200, schema: catalogViewSchema },
    errors: [],
  },
  {
    operationId: 'getSession',
    method: 'GET',
    path: `${ADMIN_BASE}/session`,
    minRole: 'viewer',
    summary: 'Who you are to this API',
    description:
      'Your audit pseudonym and roles, and — with the browser session cookie — the CSRF token for state-changing calls.',
    tag: 'meta',
    response: { status: 200, schema: sessionInfoSchema },
    errors: [],
  },
  {
    operationId: 'getOpenApi',
    method: 'GET',
    path: `${ADMIN_BASE}/openapi.json`,
    minRole: 'viewer',
    summary: 'This API as an OpenAPI 3.1 document',
    description: 'Generated from the route table the server itself runs on.',
    tag: 'meta',
    response: { status: 200, schema: openApiDocumentSchema },
    errors: [],
  },
  {
    operationId: 'getDocs',
    method: 'GET',
    path: `${ADMIN_BASE}/docs`,
    minRole: 'viewer',
    summary: 'This API as a page',
    description:
      'The OpenAPI document rendered as HTML (no scripts, no network). Browsers without a session are sent to the sign-in.',
    tag: 'meta',
    response: { status: 200, schema: openApiDocumentSchema, mediaType: 'text/html' },
    errors: [],
  },
];

export const ROUTE_BY_ID: ReadonlyMap<string, AdminRoute> = new Map(
  ADMIN_ROUTES.map((r) => [r.operationId, r]),
);

/** `/admin/v1/tenants/{tenant}` → `/admin/v1/tenants/:tenant` (Express). */
export const expressPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

export const ADMIN_OPERATION = 'cw:admin-operation';
/** operationIds that have a handler; checked against the table at boot. */
export const IMPLEMENTED_OPERATIONS = new Set<string>();

/** Route + status + guard metadata of a handler, all from the table entry `operationId`. */
export function AdminOperation(operationId: string): MethodDecorator {
  const route = ROUTE_BY_ID.get(operationId);
  if (!route) throw new Error(`admin route "${operationId}" is not in ADMIN_ROUTES`);
  IMPLEMENTED_OPERATIONS.add(operationId);
  const verb = route.method === 'GET' ? Get : Post;
  return applyDecorators(
    verb(expressPath(route.path)),
    HttpCode(route.response.status),
    SetMetadata(ADMIN_OPERATION, route),
  );
}

/** Refuses to start when a table entry has no handler (it would be documented but answer 404). */
export function assertEveryRouteImplemented(): void {
  const missing = ADMIN_ROUTES.filter((r) => !IMPLEMENTED_OPERATIONS.has(r.operationId)).map(
    (r) => r.operationId,
  );
  if (missing.length) throw new Error(`admin routes without a handler: ${missing.join(', ')}`);
}
