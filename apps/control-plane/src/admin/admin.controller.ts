/**
 * The admin API's handlers, one line each: the route, status and required role come from
 * ADMIN_ROUTES through `@AdminOperation`; the guard authenticates and authorizes, the interceptor
 * audits, the filter maps errors. Handlers only hand the request to a use case.
 */
import {
  Body,
  Controller,
  Inject,
  Param,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  AdminAuditLogUseCase,
  ChangePlanUseCase,
  ChoosePluginsUseCase,
  DryRunTenantUseCase,
  ListTenantsUseCase,
  OffboardTenantUseCase,
  ResumeTenantUseCase,
  ResyncTenantUseCase,
  RetryTenantUseCase,
  SigningKeysUseCase,
  SuspendTenantUseCase,
  TenantDetailUseCase,
  type SessionInfo,
} from '@cw/control-plane';
import { AdminAuthGuard, adminContextOf, type AdminRequest } from './admin-auth.guard.js';
import { docsPage } from './admin-docs.page.js';
import { AdminAuditInterceptor, AdminExceptionFilter } from './admin-http.js';
import { AdminOperation } from './admin-routes.js';
import { AdminCookies } from './admin-session.js';
import { OPENAPI_DOCUMENT } from './admin.tokens.js';
import type { OpenApiDocument } from './openapi.js';

@Controller()
@UseGuards(AdminAuthGuard)
@UseInterceptors(AdminAuditInterceptor)
@UseFilters(AdminExceptionFilter)
export class AdminTenantsController {
  constructor(
    @Inject(ListTenantsUseCase) private readonly list: ListTenantsUseCase,
    @Inject(TenantDetailUseCase) private readonly detail: TenantDetailUseCase,
    @Inject(DryRunTenantUseCase) private readonly preview: DryRunTenantUseCase,
    @Inject(SuspendTenantUseCase) private readonly suspension: SuspendTenantUseCase,
    @Inject(ResumeTenantUseCase) private readonly resumption: ResumeTenantUseCase,
    @Inject(RetryTenantUseCase) private readonly retries: RetryTenantUseCase,
    @Inject(ResyncTenantUseCase) private readonly resyncs: ResyncTenantUseCase,
    @Inject(ChangePlanUseCase) private readonly plans: ChangePlanUseCase,
    @Inject(OffboardTenantUseCase) private readonly offboarding: OffboardTenantUseCase,
    @Inject(AdminAuditLogUseCase) private readonly audit: AdminAuditLogUseCase,
    @Inject(ChoosePluginsUseCase) private readonly engines: ChoosePluginsUseCase,
    @Inject(SigningKeysUseCase) private readonly signingKeys: SigningKeysUseCase,
  ) {}

  @AdminOperation('listTenants')
  listTenants(@Query() query: unknown) {
    return this.list.execute(query);
  }

  @AdminOperation('getTenant')
  getTenant(@Param('tenant') tenant: string) {
    return this.detail.execute(tenant);
  }

  @AdminOperation('dryRunTenant')
  dryRunTenant(@Param('tenant') tenant: string) {
    return this.preview.execute(tenant);
  }

  @AdminOperation('suspendTenant')
  suspendTenant(@Param('tenant') tenant: string, @Body() body: unknown, @Req() req: Request) {
    return this.suspension.execute(tenant, body, adminContextOf(req));
  }

  @AdminOperation('resumeTenant')
  resumeTenant(@Param('tenant') tenant: string, @Body() body: unknown, @Req() req: Request) {
    return this.resumption.execute(tenant, body, adminContextOf(req));
  }

  @AdminOperation('retryTenant')
  retryTenant(@Param('tenant') tenant: string, @Req() req: Request) {
    return this.retries.execute(tenant, adminContextOf(req));
  }

  @AdminOperation('resyncTenant')
  resyncTenant(@Param('tenant') tenant: string, @Body() body: unknown, @Req() req: Request) {
    return this.resyncs.execute(tenant, body, adminContextOf(req));
  }

  @AdminOperation('changeTenantPlan')
  changeTenantPlan(@Param('tenant') tenant: string, @Body() body: unknown, @Req() req: Request) {
    return this.plans.execute(tenant, body, adminContextOf(req));
  }

  @AdminOperation('offboardTenant')
  offboardTenant(@Param('tenant') tenant: string, @Body() body: unknown, @Req() req: Request) {
    return this.offboarding.execute(tenant, body, adminContextOf(req));
  }

  @AdminOperation('configureEngines')
  configureEngines(@Param('tenant') tenant: string, @Body() body: unknown, @Req() req: Request) {
    return this.engines.executeAsAdmin(tenant, body, adminContextOf(req));
  }

  @AdminOperation('getSigningKeys')
  getSigningKeys(@Param('tenant') tenant: string) {
    return this.signingKeys.view(tenant);
  }

  @AdminOperation('rotateSigningKey')
  rotateSigningKey(@Param('tenant') tenant: string, @Body() body: unknown, @Req() req: Request) {
    return this.signingKeys.rotate(tenant, body, adminContextOf(req));
  }

  @AdminOperation('retireSigningKey')
  retireSigningKey(@Param('tenant') tenant: string, @Body() body: unknown, @Req() req: Request) {
    return this.signingKeys.retire(tenant, body, adminContextOf(req));
  }

  @AdminOperation('listAudit')
  listAudit(@Query() query: unknown) {
    return this.audit.list(query);
  }
}

@Controller()
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
export class AdminMetaController {
  constructor(
    @Inject(OPENAPI_DOCUMENT) private readonly document: OpenApiDocument,
    @Inject(AdminCookies) private readonly cookies: AdminCookies,
  ) {}

  @AdminOperation('getSession')
  getSession(@Req() req: AdminRequest): SessionInfo {
    const admin = req.admin!;
    return {
      actor: admin.actorHash,
      roles: [...admin.roles],
      credential: admin.credential,
      csrfToken: admin.session ? this.cookies.csrfToken(admin.session) : null,
    };
  }

  @AdminOperation('getOpenApi')
  getOpenApi() {
    return this.document;
  }

  @AdminOperation('getDocs')
  getDocs(@Req() req: AdminRequest, @Res() res: Response): void {
    res.setHeader('Cache-Control', 'no-store');
    res
      .type('html')
      .send(docsPage(this.document, { ...this.getSession(req), actorHash: req.admin!.actorHash }));
  }
}
