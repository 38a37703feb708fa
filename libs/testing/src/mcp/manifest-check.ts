/**
 * Checks a plugin's exported manifest against its real tools: the catalog (control plane, My
 * Credentials, the dashboard) reads only the manifest, so it must say exactly what the code
 * does. Returns the problems found (empty = consistent). Typed structurally (no gate import).
 */
import { z } from 'zod';

interface ToolLike {
  name: string;
  title: string;
  description: string;
  input: z.ZodType;
  classification?: string;
  minRole: string;
  approval?: boolean;
  limits?: readonly { argument: string }[];
  credentials?: readonly string[];
}
interface PluginLike {
  id: string;
  version: string;
  credentials: readonly { name: string; description: string }[];
  tools: readonly ToolLike[];
}
interface ManifestLike {
  id: string;
  version: string;
  credentials: readonly { name: string; description: string }[];
  tools: readonly {
    name: string;
    classification: string;
    minRole: string;
    approval: boolean;
    limits: readonly { argument: string }[];
    credentials: readonly string[];
    inputSchema: Record<string, unknown>;
  }[];
}

export function manifestProblems(plugin: PluginLike, manifest: ManifestLike): string[] {
  const problems: string[] = [];
  // The manifest is data: it survives JSON unchanged (no functions, no undefined, no cycles).
  if (JSON.stringify(JSON.parse(JSON.stringify(manifest))) !== JSON.stringify(manifest))
    problems.push('not plain JSON');
  if (manifest.id !== plugin.id || manifest.version !== plugin.version)
    problems.push('id/version differ from the plugin');
  const credNames = new Set(plugin.credentials.map((c) => c.name));
  if (
    JSON.stringify(manifest.credentials) !==
    JSON.stringify(plugin.credentials.map((c) => ({ name: c.name, description: c.description })))
  )
    problems.push('credentials differ from the plugin');
  if (manifest.tools.length !== plugin.tools.length) problems.push('tool count differs');
  for (const tool of plugin.tools) {
    const entry = manifest.tools.find((t) => t.name === tool.name);
    const at = `${plugin.id}.${tool.name}`;
    if (!entry) {
      problems.push(`${at}: missing from the manifest`);
      continue;
    }
    const schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' });
    if (JSON.stringify(entry.inputSchema) !== JSON.stringify(schema))
      problems.push(`${at}: inputSchema differs from the zod input`);
    if (entry.classification !== (tool.classification ?? 'write'))
      problems.push(`${at}: classification differs`);
    if (entry.minRole !== tool.minRole) problems.push(`${at}: minRole differs`);
    if (entry.approval !== (tool.approval ?? false)) problems.push(`${at}: approval differs`);
    if (JSON.stringify(entry.limits) !== JSON.stringify(tool.limits ?? []))
      problems.push(`${at}: limits differ`);
    const props = ((schema as { properties?: Record<string, unknown> }).properties ?? {}) as Record<
      string,
      unknown
    >;
    for (const limit of entry.limits) {
      const top = limit.argument.split('.')[0]!;
      if (!(top in props)) problems.push(`${at}: limit on "${limit.argument}", which is not an argument`);
    }
    for (const name of entry.credentials)
      if (!credNames.has(name)) problems.push(`${at}: uses credential "${name}" the plugin does not declare`);
  }
  return problems;
}
