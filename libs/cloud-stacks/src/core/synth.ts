/**
 * In-memory synthesis. `App.synth()` writes a manifest and one directory per stack; a tenant
 * stack is one stack and the provisioner wants the JSON, so we run the steps the stack
 * synthesizer runs (backend, validations, toTerraform) and keep the result in memory. Files are
 * written only when asked, as `<outDir>/cdk.tf.json`, ready for `terraform -chdir=<outDir> init`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack } from 'cdktf';

/** Terraform JSON configuration (the `cdk.tf.json` shape). */
export interface TerraformJson {
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown[]>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown; sensitive?: boolean; description?: string }>;
  [key: string]: unknown;
}

export const STACK_FILE = 'cdk.tf.json';

/**
 * A fresh stack in its own app. The app's outdir is the OS temp directory, which exists, so
 * constructing an app touches no file; stack traces are off because capturing one per construct
 * is the slowest part of building a stack.
 */
export function newStack(name: string): TerraformStack {
  const app = new App({ outdir: tmpdir(), stackTraces: false });
  return new TerraformStack(app, name);
}

/**
 * Runs a synchronous build-and-synthesize without the stack trace cdktf captures for every token
 * (`creationStack`, shown only when a token fails to resolve). Capturing and formatting those
 * traces, through source maps under tsx, was over half the per-tenant time. The code is
 * synchronous, so nothing else runs while the hook is off; `CW_SYNTH_STACK_TRACES=1` keeps them
 * for debugging a synthesis error.
 */
export function withoutTokenStackTraces<T>(fn: () => T): T {
  if (process.env.CW_SYNTH_STACK_TRACES === '1') return fn();
  const capture = Error.captureStackTrace;
  Error.captureStackTrace = () => undefined;
  try {
    return fn();
  } finally {
    Error.captureStackTrace = capture;
  }
}

export function synthStack(stack: TerraformStack): TerraformJson {
  // One stack, no cross-stack references: the "preparing" resolve pass of prepareStack() (which
  // only registers those) would resolve every token twice; a backend is all it adds otherwise.
  stack.ensureBackendExists();
  stack.runAllValidations();
  return stack.toTerraform() as TerraformJson;
}

export const countResources = (json: TerraformJson): number =>
  Object.values(json.resource ?? {}).reduce((sum, byName) => sum + Object.keys(byName).length, 0);

/** Writes `<outDir>/cdk.tf.json` and returns the paths written. */
export function writeStack(json: TerraformJson, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, STACK_FILE);
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  return [file];
}
