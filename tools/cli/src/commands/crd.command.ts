import { Command } from 'commander';
import { generateTenantCrdYaml } from '@cw/tenant-model';
import type { Io } from '../io.js';

export const crdCommand = (io: Io): Command =>
  new Command('crd')
    .description('Print the Tenant CustomResourceDefinition (generated from libs/tenant-model) as YAML')
    .addHelpText('after', '\nExample:\n  npx cw crd | kubectl apply -f -')
    .action(() => io.out(generateTenantCrdYaml()));
