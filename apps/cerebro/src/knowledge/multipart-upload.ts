/**
 * multipart/form-data for the one upload form, without a new dependency: the body is read with a
 * byte cap and handed to the platform's WHATWG `Response.formData()` parser (undici). It runs
 * before the route guard so the guard finds the form's `_csrf` in `req.body` like any other form;
 * it parses only for a signed-in session (anonymous posts go straight to the guard's 401).
 */
import type { NextFunction, Request, Response } from 'express';
import { asyncHandler } from '../http/route-table.js';
import { InputError } from '../http/errors.js';
import { requestState } from '../http/session.js';

/** The library's default extract limit (10 MiB) plus room for the form's other fields. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024;

const uploads = new WeakMap<Request, File>();

/** The uploaded file of this request, if the middleware parsed one. */
export const uploadedFile = (req: Request): File | undefined => uploads.get(req);

export function multipartUpload() {
  return asyncHandler(async (req: Request, _res: Response, next: NextFunction) => {
    const type = req.headers['content-type'] ?? '';
    if (req.method !== 'POST' || !type.startsWith('multipart/form-data') || !requestState(req).session) {
      next();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) throw new InputError('file', 'is larger than 10 MiB');
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new InputError('file', 'is larger than 10 MiB');
      parts.push(chunk);
    }
    let form: FormData;
    try {
      form = await new Response(Buffer.concat(parts), { headers: { 'content-type': type } }).formData();
    } catch {
      throw new InputError('file', 'the upload is not a readable multipart form');
    }
    const fields: Record<string, string> = {};
    for (const [name, value] of form) {
      if (typeof value === 'string') fields[name] = value;
      else if (name === 'file') uploads.set(req, value);
    }
    req.body = fields;
    next();
  });
}
