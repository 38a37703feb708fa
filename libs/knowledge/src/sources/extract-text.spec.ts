import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetch } from '@cw/outbound';
import { SourceRejectedError } from '../errors.js';
import { extractText, type SourceInput } from './extract-text.js';

/** A minimal one-page PDF whose content stream draws `text` (offsets computed, so pdf.js reads it). */
export function pdfWith(text: string, extraTrailer = ''): Uint8Array {
  const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${extraTrailer}>>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

async function docx(body: string, extra?: (zip: JSZip) => void): Promise<Uint8Array> {
  const zip = new JSZip();
  zip.file(
    '[Content_Types].xml',
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
  );
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  );
  zip.file(
    'word/document.xml',
    `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>${body}</w:t></w:r></w:p></w:body></w:document>`,
  );
  extra?.(zip);
  return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
}

const file = (filename: string, bytes: Uint8Array): SourceInput => ({ kind: 'file', filename, bytes });
const rejects = async (input: SourceInput, reason: string, limits = {}, fetchFn?: typeof fetch) => {
  const error = await extractText(input, limits, fetchFn).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SourceRejectedError);
  expect(error).toMatchObject({ reason });
  return error as SourceRejectedError;
};

describe('extractText', () => {
  it('reads Markdown, plain text (UTF-8, UTF-16 with BOM) and HTML without scripts', async () => {
    const enc = new TextEncoder();
    expect((await extractText(file('a.md', enc.encode('# Title\n\nBody text')))).text).toBe(
      '# Title\n\nBody text',
    );
    const utf16 = new Uint8Array([0xff, 0xfe, ...[...'Grüße'].flatMap((c) => [c.charCodeAt(0), 0])]);
    expect((await extractText(file('b.txt', utf16))).text).toBe('Grüße');
    const html = await extractText(
      file(
        'c.html',
        enc.encode(
          '<html><head><title>Policy &amp; rules</title><script>alert(1)</script></head><body><p>First &eacute; para</p><div>Second</div><style>x{}</style></body></html>',
        ),
      ),
    );
    expect(html).toMatchObject({ title: 'Policy & rules', kind: 'html' });
    expect(html.text).toContain('Second');
    expect(html.text).not.toContain('alert');
  });

  it('reads a PDF and a .docx', async () => {
    expect((await extractText(file('p.pdf', pdfWith('Refunds within thirty days')))).text).toContain(
      'Refunds within thirty days',
    );
    expect(await extractText(file('d.docx', await docx('Travel policy in a Word file')))).toMatchObject({
      kind: 'docx',
      text: 'Travel policy in a Word file',
    });
  });

  it('refuses corrupt and password-protected PDFs, naming the source', async () => {
    const corrupt = await rejects(
      file('broken.pdf', new TextEncoder().encode('%PDF-1.7\nnot really')),
      'corrupt',
    );
    expect(corrupt.message).toContain('"broken.pdf"');
    const hex = (n: number) => '<' + 'ab'.repeat(n) + '>';
    await rejects(
      file(
        'secret.pdf',
        pdfWith(
          'secret',
          `/Encrypt << /Filter /Standard /V 1 /R 2 /O ${hex(32)} /U ${hex(32)} /P -4 >> /ID [${hex(16)} ${hex(16)}] `,
        ),
      ),
      'encrypted',
    );
  });

  it('refuses archives, decompression bombs, oversize files, unsupported types and bad encodings', async () => {
    const zip = new JSZip();
    zip.file('a.txt', 'hello');
    await rejects(file('docs.zip', await zip.generateAsync({ type: 'uint8array' })), 'archive');
    await rejects(file('docs.tar.gz', new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0])), 'archive');
    const bomb = await docx('tiny', (z) => z.file('word/media/zeros.bin', new Uint8Array(12 * 1024 * 1024)));
    expect(bomb.byteLength).toBeLessThan(200_000);
    const e = await rejects(file('bomb.docx', bomb), 'archive');
    expect(e.message).toMatch(/decompression bomb/);
    await rejects(file('big.txt', new Uint8Array(2048).fill(0x61)), 'too-large', { maxBytes: 1024 });
    await rejects(
      file('image.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a])),
      'unsupported-type',
    );
    await rejects(file('bin.txt', new Uint8Array(64).fill(1)), 'unsupported-type');
    await rejects(file('latin1.txt', new Uint8Array([0x63, 0x61, 0x66, 0xe9])), 'encoding');
    await rejects({ kind: 'text', title: 'empty', text: '   ' }, 'empty');
  });

  describe('URLs through the outbound guard', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === '/page') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end('<title>Handbook</title><p>Expense policy online</p>');
        }
        if (req.url === '/latin') {
          res.writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' });
          return res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
        }
        if (req.url === '/to-metadata') {
          res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
          return res.end();
        }
        res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));
    const guarded = () => createGuardedFetch({ allowHosts: [new URL(base).host] });

    it('fetches an allowed page (declared charset honoured)', async () => {
      expect(await extractText({ kind: 'url', url: `${base}/page` }, {}, guarded())).toMatchObject({
        title: 'Handbook',
        text: 'Expense policy online',
      });
      expect((await extractText({ kind: 'url', url: `${base}/latin` }, {}, guarded())).text).toBe('café');
    });

    it('refuses a redirect to the metadata address, loopback without an exception, and HTTP errors', async () => {
      const e = await rejects({ kind: 'url', url: `${base}/to-metadata` }, 'fetch-refused', {}, guarded());
      expect(e.message).toContain(`${base}/to-metadata`);
      await rejects({ kind: 'url', url: `${base}/page` }, 'fetch-refused', {}, createGuardedFetch());
      await rejects({ kind: 'url', url: `${base}/missing` }, 'fetch-failed', {}, guarded());
    });
  });
});
