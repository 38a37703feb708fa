/**
 * The Connector Marketplace over HTTP. Customers (signed-in tenant admins): the catalog page and
 * JSON, and choosing plugins per engine — preview first, then apply with the preview's token (form
 * posts and JSON both; CSRF-checked). Support staff: `GET /admin/v1/catalog` in the admin API.
 */
import {
  Body,
  Controller,
  Get,
  Inject,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  ChoosePluginsUseCase,
  PLUGINS_PER_ENGINE,
  catalogView,
  credentialNeeds,
  credentialsUrl,
  sharedPluginCatalog,
  tenantForSession,
} from '@cw/control-plane';
import { Database } from '@cw/db';
import { effectiveQuota } from '@cw/tenant-model';
import { AdminAuthGuard } from '../admin/admin-auth.guard.js';
import { AdminAuditInterceptor, AdminExceptionFilter } from '../admin/admin-http.js';
import { AdminOperation } from '../admin/admin-routes.js';
import { CsrfGuard, CsrfTokens } from '../http/csrf.js';
import { contextOf, wantsHtml } from '../http/request-context.js';
import { Sessions } from '../http/session.js';
import { SignInFilter } from '../status/status.controller.js';
import { APP_CONTEXT } from '../core/tokens.js';
import type { AppContext } from '../core/app-context.js';
import { pluginsPage, previewPage } from './plugins.page.js';

@Controller()
@UseGuards(AdminAuthGuard)
@UseInterceptors(AdminAuditInterceptor)
@UseFilters(AdminExceptionFilter)
export class AdminCatalogController {
  @AdminOperation('getCatalog')
  async getCatalog() {
    return catalogView(await sharedPluginCatalog());
  }
}

interface EngineForm {
  name: string;
  plugins: string[];
  readOnly?: boolean;
  maintenance?: boolean;
  confirm?: string;
}

/**
 * A form post's fields (`plugins` is one string or several) as the use case's body. The switches
 * count only when the form says it carries them (`switches`): an unticked box sends nothing.
 */
function formBody(body: Record<string, unknown>): EngineForm {
  const plugins = body['plugins'];
  return {
    name: typeof body['name'] === 'string' ? body['name'] : '',
    plugins: Array.isArray(plugins) ? plugins.map(String) : typeof plugins === 'string' ? [plugins] : [],
    ...(body['switches'] !== undefined && {
      readOnly: body['readOnly'] === 'on',
      maintenance: body['maintenance'] === 'on',
    }),
    ...(typeof body['confirm'] === 'string' && body['confirm'] ? { confirm: body['confirm'] } : {}),
  };
}

@Controller()
@UseFilters(SignInFilter)
export class CustomerCatalogController {
  constructor(
    @Inject(ChoosePluginsUseCase) private readonly choose: ChoosePluginsUseCase,
    @Inject(Sessions) private readonly sessions: Sessions,
    @Inject(CsrfTokens) private readonly csrf: CsrfTokens,
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONTEXT) private readonly ctx: AppContext,
  ) {}

  @Get('/api/catalog')
  async catalog() {
    return catalogView(await sharedPluginCatalog());
  }

  @Get('/status/plugins')
  async page(@Req() req: Request, @Res() res: Response): Promise<void> {
    const tenant = await tenantForSession(this.db, this.sessions.read(req));
    const catalog = await sharedPluginCatalog();
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(
      pluginsPage({
        tenant,
        catalog: catalog.entries,
        limit: PLUGINS_PER_ENGINE[tenant.spec.plan],
        maxEngines: effectiveQuota(tenant.spec).engines,
        needs: credentialNeeds(tenant.spec, catalog),
        credentialsUrl: credentialsUrl(this.ctx.workspaceUrl(tenant)),
        csrf: this.csrf.issue(req, res),
      }),
    );
  }

  /** JSON: `{engines: [{name, plugins}], confirm?}`; a form post: one engine's fields. */
  @Post(['/api/plugins', '/status/plugins'])
  @UseGuards(CsrfGuard)
  async choosePlugins(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const session = this.sessions.read(req);
    if (!wantsHtml(req)) {
      res.status(200).json(await this.choose.execute(session, body, contextOf(req)));
      return;
    }
    const form = formBody((body ?? {}) as Record<string, unknown>);
    const result = await this.choose.execute(
      session,
      {
        engines: [
          {
            name: form.name,
            plugins: form.plugins,
            ...(form.readOnly !== undefined && { readOnly: form.readOnly, maintenance: form.maintenance }),
          },
        ],
        ...(form.confirm ? { confirm: form.confirm } : {}),
      },
      contextOf(req),
    );
    res.setHeader('Cache-Control', 'no-store');
    res
      .status(200)
      .type('html')
      .send(previewPage(result, form, this.csrf.issue(req, res)));
  }
}
