/**
 * Turns one source (pasted text, an uploaded file, a URL) into plain text, or refuses it with
 * a SourceRejectedError naming the source and the reason. Nothing is written before this
 * succeeds, which is half of why ingest is atomic per source.
 */
import { findRefusal } from '@cw/outbound';
import { SourceRejectedError } from '../errors.js';
import { checkZip, sniff } from './archive-guard.js';
import { htmlToText } from './html-to-text.js';

export type SourceInput =
  | { readonly kind: 'text'; readonly title: string; readonly text: string }
  | {
      readonly kind: 'file';
      readonly filename: string;
      readonly bytes: Uint8Array;
      readonly contentType?: string;
    }
  | { readonly kind: 'url'; readonly url: string };

export interface ExtractLimits {
  /** @default 10 MiB */
  readonly maxBytes?: number;
  /** @default 2,000,000 characters of extracted text */
  readonly maxChars?: number;
}

export interface Extracted {
  readonly title: string;
  /** 'text' | 'markdown' | 'html' | 'pdf' | 'docx' */
  readonly kind: string;
  readonly text: string;
}

/** Fetch used for URL sources: the platform's outbound guard (no loopback/private/metadata hops). */
export type SourceFetch = (url: string, init?: RequestInit) => Promise<Response>;

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_MAX_CHARS = 2_000_000;

const TYPE_BY_EXT: Record<string, string> = {
  md: 'markdown',
  markdown: 'markdown',
  txt: 'text',
  text: 'text',
  html: 'html',
  htm: 'html',
  pdf: 'pdf',
  docx: 'docx',
};
const TYPE_BY_MIME: Record<string, string> = {
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
};
const ARCHIVE_EXT = /\.(zip|gz|tgz|tar|bz2|xz|7z|rar|zst|jar)$/i;

export function sourceLabel(input: SourceInput): string {
  return input.kind === 'text' ? input.title : input.kind === 'file' ? input.filename : input.url;
}

export async function extractText(
  input: SourceInput,
  limits: ExtractLimits = {},
  fetchFn?: SourceFetch,
): Promise<Extracted> {
  const label = sourceLabel(input);
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  let out: Extracted;
  if (input.kind === 'text') {
    if (input.text.length > (limits.maxChars ?? DEFAULT_MAX_CHARS))
      throw new SourceRejectedError(
        label,
        'too-large',
        `more than ${limits.maxChars ?? DEFAULT_MAX_CHARS} characters`,
      );
    out = { title: input.title, kind: 'text', text: input.text };
  } else if (input.kind === 'file') {
    const ext = /\.([a-z0-9]+)$/i.exec(input.filename)?.[1]?.toLowerCase() ?? '';
    const type = TYPE_BY_EXT[ext] ?? TYPE_BY_MIME[mime(input.contentType)];
    out = await fromBytes(
      label,
      input.filename,
      input.bytes,
      type,
      maxBytes,
      ARCHIVE_EXT.test(input.filename),
    );
  } else {
    out = await fromUrl(input.url, maxBytes, fetchFn);
  }
  const text = out.text.replaceAll('\u0000', '').trim();
  if (text.length === 0) throw new SourceRejectedError(label, 'empty', 'no text could be extracted');
  if (text.length > (limits.maxChars ?? DEFAULT_MAX_CHARS))
    throw new SourceRejectedError(
      label,
      'too-large',
      `more than ${limits.maxChars ?? DEFAULT_MAX_CHARS} characters of text`,
    );
  return { ...out, text };
}

const mime = (contentType?: string) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

async function fromBytes(
  label: string,
  title: string,
  bytes: Uint8Array,
  declared: string | undefined,
  maxBytes: number,
  archiveName: boolean,
  charset?: string,
): Promise<Extracted> {
  if (bytes.byteLength > maxBytes)
    throw new SourceRejectedError(label, 'too-large', `${bytes.byteLength} bytes (limit ${maxBytes})`);
  const sniffed = sniff(bytes);
  if (sniffed === 'archive' || archiveName || (sniffed === 'zip' && declared !== 'docx'))
    throw new SourceRejectedError(
      label,
      'archive',
      'archives are not ingested; upload the documents themselves',
    );
  if (sniffed === 'pdf' || declared === 'pdf') {
    if (sniffed !== 'pdf') throw new SourceRejectedError(label, 'corrupt', 'not a PDF (no %PDF- header)');
    return { title, kind: 'pdf', text: await pdfText(label, bytes) };
  }
  if (declared === 'docx') {
    if (sniffed !== 'zip')
      throw new SourceRejectedError(label, 'corrupt', 'not a .docx (not a ZIP container)');
    const problem = checkZip(bytes, { maxEntries: 2000, maxUncompressedBytes: maxBytes * 10, maxRatio: 200 });
    if (problem)
      throw new SourceRejectedError(label, problem.includes('bomb') ? 'archive' : 'corrupt', problem);
    return { title, kind: 'docx', text: await docxText(label, bytes) };
  }
  if (declared !== 'text' && declared !== 'markdown' && declared !== 'html')
    throw new SourceRejectedError(label, 'unsupported-type', 'accepted: .md, .txt, .html, .pdf, .docx');
  const text = decodeText(label, bytes, charset);
  if (declared === 'html') {
    const html = htmlToText(text);
    return { title: html.title ?? title, kind: 'html', text: html.text };
  }
  return { title, kind: declared, text };
}

/** UTF-8 (strict) unless a BOM or a declared charset says UTF-16 or Latin-1; anything else is refused. */
export function decodeText(label: string, bytes: Uint8Array, charset?: string): string {
  const b0 = bytes[0],
    b1 = bytes[1];
  let encoding = (charset ?? 'utf-8').toLowerCase();
  let offset = 0;
  if (b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf) [encoding, offset] = ['utf-8', 3];
  else if (b0 === 0xff && b1 === 0xfe) [encoding, offset] = ['utf-16le', 2];
  else if (b0 === 0xfe && b1 === 0xff) [encoding, offset] = ['utf-16be', 2];
  if (!['utf-8', 'utf8', 'utf-16le', 'utf-16be', 'iso-8859-1', 'latin1', 'windows-1252'].includes(encoding))
    throw new SourceRejectedError(
      label,
      'encoding',
      `charset "${encoding}" is not supported; save the file as UTF-8`,
    );
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes.subarray(offset));
  } catch {
    throw new SourceRejectedError(
      label,
      'encoding',
      `the bytes are not valid ${encoding}; save the file as UTF-8`,
    );
  }
  // Binary content that happens to decode: many NULs or control characters.
  // eslint-disable-next-line no-control-regex -- counting control characters is the point
  const controls = (text.slice(0, 4096).match(/[\u0000-\u0008\u000e-\u001f]/g) ?? []).length;
  if (controls > 8) throw new SourceRejectedError(label, 'unsupported-type', 'binary content, not text');
  return text;
}

async function pdfText(label: string, bytes: Uint8Array): Promise<string> {
  const { extractText: pdfExtract, getDocumentProxy } = await import('unpdf');
  try {
    const doc = await getDocumentProxy(new Uint8Array(bytes));
    const { text } = await pdfExtract(doc, { mergePages: true });
    return text;
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (name === 'PasswordException' || /password/i.test(String((error as Error).message)))
      throw new SourceRejectedError(label, 'encrypted', 'the PDF is password-protected');
    throw new SourceRejectedError(label, 'corrupt', `the PDF cannot be read (${name || 'parse error'})`);
  }
}

async function docxText(label: string, bytes: Uint8Array): Promise<string> {
  const mammoth = (await import('mammoth')).default;
  try {
    const { value } = await mammoth.extractRawText({ buffer: Buffer.from(bytes) });
    return value;
  } catch {
    throw new SourceRejectedError(label, 'corrupt', 'the .docx cannot be read');
  }
}

async function fromUrl(url: string, maxBytes: number, fetchFn?: SourceFetch): Promise<Extracted> {
  if (!fetchFn) throw new SourceRejectedError(url, 'fetch-refused', 'URL sources need the outbound guard');
  let response: Response;
  try {
    response = await fetchFn(url, {
      headers: { accept: 'text/html, text/markdown, text/plain, application/pdf;q=0.9, */*;q=0.1' },
    });
  } catch (error) {
    const refusal = findRefusal(error);
    if (refusal?.reason === 'too-large')
      throw new SourceRejectedError(url, 'too-large', 'the response exceeds the size limit');
    if (refusal && refusal.reason !== 'unreachable' && refusal.reason !== 'timeout')
      throw new SourceRejectedError(url, 'fetch-refused', `outbound request refused: ${refusal.reason}`);
    throw new SourceRejectedError(
      url,
      'fetch-failed',
      refusal ? `fetch failed: ${refusal.reason}` : 'fetch failed',
    );
  }
  if (!response.ok) throw new SourceRejectedError(url, 'fetch-failed', `HTTP ${response.status}`);
  const declaredLength = Number(response.headers.get('content-length') ?? 0);
  if (declaredLength > maxBytes)
    throw new SourceRejectedError(url, 'too-large', `${declaredLength} bytes (limit ${maxBytes})`);
  const bytes = await readCapped(url, response, maxBytes);
  const contentType = response.headers.get('content-type') ?? '';
  const path = new URL(url).pathname;
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? '';
  const type = TYPE_BY_MIME[mime(contentType)] ?? TYPE_BY_EXT[ext];
  const charset = /charset=([^;]+)/i.exec(contentType)?.[1]?.trim().replace(/"/g, '');
  return fromBytes(url, url, bytes, type, maxBytes, ARCHIVE_EXT.test(path), charset);
}

async function readCapped(url: string, response: Response, maxBytes: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += part.byteLength;
    if (size > maxBytes) throw new SourceRejectedError(url, 'too-large', `more than ${maxBytes} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts);
}
