/** Test support of the provisioning pipeline (`@cw/provisioning/testing`): for tests only. */
export * from './fake-terraform.js';
