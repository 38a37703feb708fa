/**
 * The gate's switch and access checks, in the order, as pure functions of the settings,
 * the tool's metadata, the access rules and the verified user. Each returns a decision value.
 */
import { allow, refuse, type GateDecision } from './decision.js';
import { roleRank, type Classification, type Role, type ToolDefinition, type ToolUser } from './plugin.js';
import type { AccessRule } from './policy.repository.js';

export interface GateSwitches {
  readonly plugins: readonly string[];
  readonly readOnly: boolean;
  readonly maintenance: boolean;
}

/** A tool without a classification counts as a write; upstream annotations are never read. */
export const classificationOf = (tool: Pick<ToolDefinition, 'classification'>): Classification =>
  tool.classification ?? 'write';

export function checkAccess(
  s: GateSwitches,
  plugin: string,
  tool: Pick<ToolDefinition, 'name' | 'classification' | 'minRole'>,
  rules: readonly AccessRule[],
  user: ToolUser,
): GateDecision {
  const name = `${plugin}.${tool.name}`;
  if (s.maintenance) return refuse('maintenance', 'the engine is in maintenance; no tool runs until it ends');
  if (!s.plugins.includes(plugin))
    return refuse('plugin-disabled', `plugin ${plugin} is not enabled on this engine`);
  let minRole: Role = tool.minRole;
  for (const r of rules) if (r.minRole && roleRank(r.minRole) > roleRank(minRole)) minRole = r.minRole;
  if (roleRank(user.role) < roleRank(minRole))
    return refuse('role', `${name} needs role ${minRole} or higher (you have ${user.role})`);
  for (const r of rules) {
    if (r.groups.length > 0 && !r.groups.some((g) => user.groups.includes(g)))
      return refuse('group', `${r.target} is limited to members of specific groups`);
  }
  const classification = classificationOf(tool);
  if (s.readOnly && classification !== 'read')
    return refuse('read-only', `the engine is read-only and ${name} is classified ${classification}`);
  return allow();
}
