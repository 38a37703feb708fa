export { bootstrapProvisioner, type Provisioner, type BootstrapOptions } from './bootstrap.js';
export { ProvisionerModule } from './provisioner.module.js';
