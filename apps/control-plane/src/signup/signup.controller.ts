/**
 * Sign-up: the page, the sign-up API (JSON or form post), the live slug check, resend. Thin:
 * each handler parses the request, calls one use case and maps the result to JSON or HTML.
 */
import {
  ArgumentsHost,
  Body,
  Catch,
  Controller,
  Get,
  Inject,
  Post,
  Query,
  Req,
  Res,
  UnsupportedMediaTypeException,
  UseFilters,
  UseGuards,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  ConflictError,
  CsrfError,
  RateLimitedError,
  ResendLinkUseCase,
  SignupRejectedError,
  SignupUseCase,
  SlugAvailabilityUseCase,
  type SignupValues,
} from '@cw/control-plane';
import type { Logger } from '@cw/observability';
import { CONFIG, LOGGER } from '../core/tokens.js';
import type { ControlPlaneConfig } from '../config/config.js';
import { CsrfGuard, CsrfTokens } from '../http/csrf.js';
import { writeError } from '../http/global-exception.filter.js';
import { contextOf, isFormPost, wantsHtml } from '../http/request-context.js';
import { checkEmailPage, signupPage } from './signup.page.js';

const SLUG_SHAPE = /^[a-z][-a-z0-9]{0,39}$/;

/** JSON and form bodies only; anything else has no fields to name. */
function bodyOf(req: Request, body: unknown): unknown {
  const type = req.headers['content-type'] ?? '';
  if (!type.includes('json') && !isFormPost(req)) {
    throw new UnsupportedMediaTypeException('send application/json or application/x-www-form-urlencoded');
  }
  return body ?? {};
}

/** Form posts that fail validation get the form back with errors next to the fields. */
@Catch()
export class SignupFormFilter implements ExceptionFilter {
  constructor(
    @Inject(CsrfTokens) private readonly csrf: CsrfTokens,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const formError =
      error instanceof RateLimitedError
        ? `Too many attempts; try again in ${error.retryAfterSeconds} seconds.`
        : error instanceof CsrfError
          ? error.message
          : undefined;
    const known = error instanceof SignupRejectedError || error instanceof ConflictError || formError;
    if (!wantsHtml(req) || !known) return writeError(req, res, error, this.logger);
    const status =
      error instanceof RateLimitedError
        ? 429
        : error instanceof CsrfError
          ? 403
          : error instanceof ConflictError
            ? 409
            : 400;
    if (error instanceof RateLimitedError) res.setHeader('Retry-After', String(error.retryAfterSeconds));
    const values = (error as { values?: SignupValues }).values ?? valuesFrom(req.body);
    const errors = error instanceof SignupRejectedError || error instanceof ConflictError ? error.fields : [];
    res
      .status(status)
      .type('html')
      .send(
        signupPage({
          csrfToken: this.csrf.issue(req, res),
          billingEnabled: !!this.config.stripe,
          baseDomain: this.config.baseDomain,
          values,
          errors,
          formError,
        }),
      );
  }
}

const valuesFrom = (body: unknown): SignupValues =>
  Object.fromEntries(
    Object.entries(typeof body === 'object' && body ? body : {}).filter(
      ([k, v]) => typeof v === 'string' && !k.startsWith('_') && k !== 'website',
    ),
  );

@Controller()
export class SignupController {
  constructor(
    @Inject(SignupUseCase) private readonly signup: SignupUseCase,
    @Inject(SlugAvailabilityUseCase) private readonly slugs: SlugAvailabilityUseCase,
    @Inject(ResendLinkUseCase) private readonly resend: ResendLinkUseCase,
    @Inject(CsrfTokens) private readonly csrf: CsrfTokens,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  @Get('/')
  page(@Req() req: Request, @Res() res: Response): void {
    res.type('html').send(
      signupPage({
        csrfToken: this.csrf.issue(req, res),
        billingEnabled: !!this.config.stripe,
        baseDomain: this.config.baseDomain,
      }),
    );
  }

  /** For API clients: the CSRF token to send as X-CSRF-Token (with the cookie this sets). */
  @Get('/api/csrf')
  token(@Req() req: Request, @Res() res: Response): void {
    res.json({ token: this.csrf.issue(req, res) });
  }

  @Get('/api/slug')
  checkSlug(@Query() query: Record<string, unknown>) {
    return this.slugs.execute(query);
  }

  @Post('/api/signup')
  @UseGuards(CsrfGuard)
  @UseFilters(SignupFormFilter)
  async create(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const result = await this.signup.execute(
      bodyOf(req, body),
      isFormPost(req) ? 'form' : 'json',
      contextOf(req),
    );
    if (wantsHtml(req)) return res.redirect(303, `/check-email?slug=${encodeURIComponent(result.slug)}`);
    res.status(201).json(result);
  }

  @Post('/api/signup/resend')
  @UseGuards(CsrfGuard)
  async resendLink(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const result = await this.resend.execute(bodyOf(req, body), contextOf(req));
    if (wantsHtml(req)) return res.redirect(303, '/check-email?resent=1');
    res.status(202).json(result);
  }

  @Get('/check-email')
  checkEmail(
    @Query('slug') slug: unknown,
    @Query('resent') resent: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): void {
    const shownSlug = typeof slug === 'string' && SLUG_SHAPE.test(slug) ? slug : undefined;
    res.type('html').send(
      checkEmailPage({
        slug: shownSlug,
        resent: resent === '1',
        csrfToken: this.csrf.issue(req, res),
        trial: !this.config.stripe,
      }),
    );
  }
}
