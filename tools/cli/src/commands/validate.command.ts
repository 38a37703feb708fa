import { Command } from 'commander';
import { formatIssue, validateTenant } from '@cw/tenant-model';
import { documentLabel, loadDocuments } from '../documents.js';
import { CliError, type Io } from '../io.js';

export interface ValidateSummary {
  files: number;
  documents: number;
  invalid: number;
  problems: number;
}

/** Validates every Tenant in the files, printing each problem as `FILE: path: message`. */
export async function validateFiles(files: string[], io: Io): Promise<ValidateSummary> {
  const summary: ValidateSummary = { files: files.length, documents: 0, invalid: 0, problems: 0 };
  for (const file of files) {
    const { docs, problems } = await loadDocuments(file);
    for (const problem of problems) io.err(`${problem.file}: ${problem.message}`);
    summary.problems += problems.length;
    if (problems.length > 0) {
      summary.invalid += 1;
      summary.documents += 1; // an unreadable file counts as one document that failed
    }
    for (const doc of docs) {
      summary.documents += 1;
      const result = validateTenant(doc.value);
      if (result.ok) continue;
      summary.invalid += 1;
      summary.problems += result.issues.length;
      for (const issue of result.issues) io.err(`${documentLabel(doc)}: ${formatIssue(issue)}`);
    }
  }
  return summary;
}

export const validateCommand = (io: Io): Command =>
  new Command('validate')
    .description(
      'Check Tenant manifests (YAML or JSON, several documents per file) and explain every invalid field',
    )
    .argument('<files...>', 'Tenant manifest files')
    .addHelpText(
      'after',
      '\nExit status: 0 when every Tenant is valid, 1 otherwise.\n\nExample:\n  npx cw validate tenants/examples/*.yaml',
    )
    .action(async (files: string[]) => {
      const s = await validateFiles(files, io);
      const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
      const fileWord = plural(s.files, 'file');
      if (s.problems > 0) {
        throw new CliError(
          `${plural(s.problems, 'problem')} in ${s.invalid} of ${plural(s.documents, 'document')} (${fileWord})`,
        );
      }
      io.out(`ok: ${plural(s.documents, 'Tenant')} valid in ${fileWord}`);
    });
