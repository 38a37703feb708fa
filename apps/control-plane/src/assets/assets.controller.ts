/** Static assets, compiled into the app (no files to copy into the image). */
import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { APP_CSS } from './app-css.js';
import { SIGNUP_JS } from './signup-js.js';
import { STATUS_JS } from './status-js.js';

const send = (res: Response, type: string, body: string) => {
  res.setHeader('Cache-Control', 'public, max-age=300');
  res.type(type).send(body);
};

@Controller('assets')
export class AssetsController {
  @Get('app.css')
  css(@Res() res: Response): void {
    send(res, 'text/css', APP_CSS);
  }

  @Get('signup.js')
  signup(@Res() res: Response): void {
    send(res, 'text/javascript', SIGNUP_JS);
  }

  @Get('status.js')
  status(@Res() res: Response): void {
    send(res, 'text/javascript', STATUS_JS);
  }
}
