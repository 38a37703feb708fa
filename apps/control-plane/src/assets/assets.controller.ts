/** Static assets: the browser scripts and stylesheet (browser-assets.ts says where they come from). */
import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { browserAssets, type AssetName } from './browser-assets.js';

const TYPES: Record<AssetName, string> = {
  'signup.js': 'text/javascript',
  'status.js': 'text/javascript',
  'app.css': 'text/css',
};

const send = async (res: Response, name: AssetName) => {
  const body = (await browserAssets())[name];
  res.setHeader('Cache-Control', 'public, max-age=300');
  res.type(TYPES[name]).send(body);
};

@Controller('assets')
export class AssetsController {
  @Get('app.css')
  css(@Res() res: Response): Promise<void> {
    return send(res, 'app.css');
  }

  @Get('signup.js')
  signup(@Res() res: Response): Promise<void> {
    return send(res, 'signup.js');
  }

  @Get('status.js')
  status(@Res() res: Response): Promise<void> {
    return send(res, 'status.js');
  }
}
