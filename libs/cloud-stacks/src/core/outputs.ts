import { TerraformOutput, type TerraformStack } from 'cdktf';
import { OUTPUTS, type OutputName } from './bindings.js';
import type { PlatformConfig } from './platform-config.js';

/**
 * Declares the binding outputs of a tenant stack under their fixed names (see OUTPUTS). Values
 * that are plain strings stay literal in the JSON, which is what lets expected bindings be
 * computed before apply; values Terraform learns only at apply time are references.
 */
export function addBindingOutputs(
  stack: TerraformStack,
  config: PlatformConfig,
  values: Partial<Record<OutputName, string>>,
): void {
  const all: Partial<Record<OutputName, string>> = {
    ...values,
    ...(config.llm && { [OUTPUTS.llmEndpoint]: config.llm.endpoint }),
    ...(config.llm?.deployment && { [OUTPUTS.llmDeployment]: config.llm.deployment }),
  };
  for (const name of Object.values(OUTPUTS)) {
    const value = all[name];
    if (value === undefined) continue;
    const output = new TerraformOutput(stack, name, { value, sensitive: false });
    output.overrideLogicalId(name);
  }
}
