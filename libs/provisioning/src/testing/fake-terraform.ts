/**
 * A fake terraform binary for tests: a shell script that records every invocation (cwd + args)
 * in a log and prints canned `output -json`; `plan` reports changes (exit 2) until an apply has
 * happened in that directory, like the real CLI with -detailed-exitcode.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeTerraform {
  /** Directory to put first on PATH. */
  readonly binDir: string;
  /** Absolute path of the script (named `terraform`). */
  readonly bin: string;
  /** Invocations so far: `{ cwd, args }`. */
  calls(): { cwd: string; args: string[] }[];
}

export function fakeTerraform(
  outputs: Record<string, { value: unknown; type?: string; sensitive?: boolean }>,
): FakeTerraform {
  const binDir = mkdtempSync(join(tmpdir(), 'cw-fake-tf-'));
  const log = join(binDir, 'calls.log');
  const outFile = join(binDir, 'outputs.json');
  writeFileSync(outFile, JSON.stringify(outputs));
  writeFileSync(log, '');
  const bin = join(binDir, 'terraform');
  writeFileSync(
    bin,
    `#!/bin/sh
printf '%s\\t%s\\n' "$PWD" "$*" >> '${log}'
case "$1" in
  plan) if [ -f .fake-applied ]; then echo "No changes."; exit 0; fi; echo "Plan: 3 to add, 0 to change, 0 to destroy."; exit 2 ;;
  apply) touch .fake-applied; echo "Apply complete! Resources: 3 added, 0 changed, 0 destroyed." ;;
  destroy) rm -f .fake-applied; echo "Destroy complete! Resources: 3 destroyed." ;;
  output) cat '${outFile}' ;;
  *) echo "ok" ;;
esac
`,
  );
  chmodSync(bin, 0o755);
  return {
    binDir,
    bin,
    calls: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [cwd, args] = line.split('\t');
          return { cwd: cwd!, args: (args ?? '').split(' ') };
        }),
  };
}
