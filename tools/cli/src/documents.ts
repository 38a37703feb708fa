/**
 * Reads Tenant manifests: YAML or JSON, several documents per file, and `List` objects.
 * Problems (unreadable file, bad YAML with line/column) are reported per file, not thrown,
 * so one bad file does not hide the problems of the others.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';

export interface LoadedDocument {
  file: string;
  /** 1-based index of the document within the file, and of the item within a List. */
  index: number;
  count: number;
  value: unknown;
}
export interface LoadProblem {
  file: string;
  message: string;
}

export async function loadDocuments(
  file: string,
): Promise<{ docs: LoadedDocument[]; problems: LoadProblem[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String(error);
    return { docs: [], problems: [{ file, message: `cannot read file: ${why}` }] };
  }
  const parsed = parseAllDocuments(text, { prettyErrors: true });
  const documents = Array.isArray(parsed) ? parsed : [parsed];
  const problems: LoadProblem[] = [];
  const values: unknown[] = [];
  for (const doc of documents) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const pos = error.linePos?.[0];
        const where = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
        problems.push({
          file,
          message: `invalid YAML at ${where}: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
        });
      }
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue; // empty document (e.g. a trailing ---)
    const list = value as { kind?: unknown; items?: unknown };
    if (typeof list.kind === 'string' && list.kind.endsWith('List') && Array.isArray(list.items))
      values.push(...list.items);
    else values.push(value);
  }
  if (problems.length === 0 && values.length === 0) problems.push({ file, message: 'no documents found' });
  return { docs: values.map((value, i) => ({ file, index: i + 1, count: values.length, value })), problems };
}

export const documentLabel = (doc: LoadedDocument): string =>
  doc.count > 1 ? `${doc.file} (document ${doc.index})` : doc.file;
