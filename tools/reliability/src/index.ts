export * from './random.js';
export * from './processes.js';
export * from './control-plane.js';
export * from './mutate.js';
export * from './operator.js';
