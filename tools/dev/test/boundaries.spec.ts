/**
 * The module-boundary lint must fail on a forbidden import (and not be silently skipped, as
 * @nx/enforce-module-boundaries is when no project graph is cached: `npm run lint` computes it first).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** nx's CLI entry, from its package.json (it moved from bin/ to dist/bin/ in nx 22.7). */
const nxBin = (): string => {
  const pkg = JSON.parse(readFileSync(`${root}node_modules/nx/package.json`, 'utf8')) as {
    bin: Record<string, string>;
  };
  return `${root}node_modules/nx/${pkg.bin.nx}`;
};
const lint = async (filePath: string, code: string) => {
  const [result] = await new ESLint({ cwd: root }).lintText(code, { filePath: `${root}${filePath}` });
  return result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
};

describe('module boundaries', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [nxBin(), 'show', 'projects'], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false' },
      stdio: 'ignore',
    });
  }, 60_000);

  it('refuses a model importing a lib', async () => {
    // Every lib depends on the model, so the rule may report the cycle before the tag constraint.
    const found = await lint(
      'libs/tenant-model/src/probe.ts',
      "import { hashId } from '@cw/observability';\nexport const x = hashId('a');\n",
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /type:model" can only depend on libs tagged with "type:model"|Circular dependency between "tenant-model" and "observability"/,
    );
  });

  it('refuses production code importing test harnesses', async () => {
    const found = await lint(
      'libs/observability/src/probe.ts',
      "import * as t from '@cw/testing';\nexport const x = t;\n",
    );
    expect(found.join()).toMatch(/type:lib" can only depend on libs tagged with "type:model", "type:lib"/);
  });

  it('refuses operator code importing control-plane code', async () => {
    const found = await lint(
      'operators/tenant-operator/src/probe.ts',
      "import * as cp from '@cw/control-plane';\nexport const x = cp;\n",
    );
    expect(found).toEqual([
      'A project tagged with "scope:operator" can only depend on libs tagged with "scope:shared", "scope:operator"',
    ]);
  });

  it('refuses an app importing a test harness by sub-path', async () => {
    const found = await lint(
      'apps/control-plane/src/probe.ts',
      "import { startStripeServer } from '@cw/testing/stripe';\nexport const x = startStripeServer;\n",
    );
    expect(found.join()).toMatch(/type:app" can only depend on libs tagged with "type:model", "type:lib"/);
  });

  it('allows a lib importing the model', async () => {
    expect(
      await lint(
        'libs/observability/src/probe.ts',
        "import { PLANS } from '@cw/tenant-model';\nexport const x = PLANS;\n",
      ),
    ).toEqual([]);
  });
});
