/**
 * /status/identity: the customer admin (magic-link session) connects the workspace's identity
 * provider. Form posts get the page back with problems next to the fields, JSON calls get
 * `{error: {fields}}`; either way nothing is stored until the provider checks out.
 */
import { Body, Controller, Get, Inject, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ConnectCustomerIdpUseCase, ValidationFailedError, type IdpFormValues } from '@cw/control-plane';
import { CsrfGuard, CsrfTokens } from '../http/csrf.js';
import { contextOf, wantsHtml } from '../http/request-context.js';
import { Sessions } from '../http/session.js';
import { SignInFilter } from '../status/status.controller.js';
import { identityPage } from './customer-idp.page.js';

const asText = (value: unknown): string | undefined =>
  typeof value === 'string' ? value.slice(0, 2100) : undefined;

@Controller()
@UseFilters(SignInFilter)
export class CustomerIdpController {
  constructor(
    @Inject(ConnectCustomerIdpUseCase) private readonly connect: ConnectCustomerIdpUseCase,
    @Inject(Sessions) private readonly sessions: Sessions,
    @Inject(CsrfTokens) private readonly csrf: CsrfTokens,
  ) {}

  @Get('/status/identity')
  async page(
    @Query('connected') connected: unknown,
    @Query('tenant') tenantId: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const tenant = await this.connect.current(this.sessions.read(req), asText(tenantId));
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(
      identityPage({
        csrfToken: this.csrf.issue(req, res),
        tenant,
        notice:
          connected === '1'
            ? 'Connected: your identity provider checked out and your workspace is being updated.'
            : undefined,
      }),
    );
  }

  @Post('/status/identity')
  @UseGuards(CsrfGuard)
  async submit(
    @Body() body: Record<string, unknown> | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const session = this.sessions.read(req);
    try {
      const result = await this.connect.execute(session, body ?? {}, contextOf(req));
      if (wantsHtml(req)) return res.redirect(303, `/status/identity?connected=1&tenant=${result.tenantId}`);
      res.json(result);
    } catch (error) {
      if (!(error instanceof ValidationFailedError) || !wantsHtml(req)) throw error;
      const tenant = await this.connect.current(session, asText(body?.tenantId));
      const values: IdpFormValues = { issuer: asText(body?.issuer), clientId: asText(body?.clientId) };
      res
        .status(400)
        .type('html')
        .send(identityPage({ csrfToken: this.csrf.issue(req, res), tenant, values, errors: error.fields }));
    }
  }
}
