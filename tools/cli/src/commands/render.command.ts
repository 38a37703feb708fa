import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { stringify } from 'yaml';
import {
  chooseCapabilities,
  RENDER_ENV_VARS,
  RenderOptionsError,
  renderOptionsFromEnv,
  renderTenantManifest,
  type KubeObject,
  type TenantRenderOptions,
} from '@cw/k8s-charts';
import { formatIssue } from '@cw/tenant-model';
import { documentLabel, loadDocuments } from '../documents.js';
import { CliError, type Io } from '../io.js';

export interface RenderFlags {
  out?: string;
  servedApiVersions?: string;
}

const toYaml = (o: KubeObject): string => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false });

/** `00-namespace-tenant-acme.yaml`: apply order first, then what the object is. */
export const objectFileName = (o: KubeObject, index: number): string =>
  `${String(index).padStart(2, '0')}-${o.kind.toLowerCase()}-${o.metadata.name}.yaml`;

function renderOptions(flags: RenderFlags, env: Record<string, string | undefined>): TenantRenderOptions {
  let options: TenantRenderOptions;
  try {
    options = renderOptionsFromEnv(env);
  } catch (error) {
    if (error instanceof RenderOptionsError) throw new CliError(`invalid environment: ${error.message}`);
    throw error;
  }
  if (flags.servedApiVersions) {
    const served = flags.servedApiVersions
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    options = { ...options, capabilities: chooseCapabilities(served) };
  }
  return options;
}

/**
 * Renders every Tenant in FILE with the function the operator uses. Problems are printed as
 * `cw validate` prints them (`FILE: path: message`) and nothing is rendered for that file.
 */
export async function renderFile(
  file: string,
  flags: RenderFlags,
  io: Io,
  env: Record<string, string | undefined> = process.env,
): Promise<KubeObject[][]> {
  const options = renderOptions(flags, env);
  const { docs, problems } = await loadDocuments(file);
  for (const p of problems) io.err(`${p.file}: ${p.message}`);
  let count = problems.length;
  const rendered: KubeObject[][] = [];
  for (const doc of docs) {
    const result = renderTenantManifest(doc.value, options);
    if (!result.ok) {
      count += result.issues.length;
      for (const issue of result.issues) io.err(`${documentLabel(doc)}: ${formatIssue(issue)}`);
      continue;
    }
    rendered.push(result.objects);
  }
  if (count > 0) throw new CliError(`${count} problem${count === 1 ? '' : 's'} in ${file}; nothing rendered`);
  return rendered;
}

export const renderCommand = (io: Io): Command =>
  new Command('render')
    .description(
      'Print the Kubernetes objects the tenant operator would apply for each Tenant in FILE, as a YAML stream',
    )
    .argument('<file>', 'Tenant manifest (YAML or JSON)')
    .option(
      '--out <dir>',
      'write one file per object into DIR instead of printing (DIR/<tenant>/ when FILE has several Tenants)',
    )
    .option(
      '--served-api-versions <list>',
      'group/versions the target cluster serves, comma-separated (e.g. policy/v1beta1 for Kubernetes 1.20); default: current Kubernetes',
    )
    .addHelpText(
      'after',
      `\nOperator settings come from the same environment variables the operator reads:\n${Object.entries(
        RENDER_ENV_VARS,
      )
        .map(([k, v]) => `  ${k.padEnd(28)} ${v}`)
        .join(
          '\n',
        )}\n\nExamples:\n  npx cw render tenants/examples/azure-shared.yaml\n  npx cw render tenants/examples/local.yaml --out tenants/initech/manifests`,
    )
    .action(async (file: string, flags: RenderFlags) => {
      const tenants = await renderFile(file, flags, io);
      if (!flags.out) {
        io.out(tenants.flat().map(toYaml).join('---\n'));
        return;
      }
      let written = 0;
      for (const objects of tenants) {
        const ns = objects.find((o) => o.kind === 'Namespace')?.metadata.name ?? 'tenant';
        const dir = tenants.length > 1 ? join(flags.out, ns.replace(/^tenant-/, '')) : flags.out;
        await mkdir(dir, { recursive: true });
        for (const [i, o] of objects.entries()) {
          await writeFile(join(dir, objectFileName(o, i)), toYaml(o));
          written++;
        }
      }
      io.out(`wrote ${written} object${written === 1 ? '' : 's'} to ${flags.out}`);
    });
