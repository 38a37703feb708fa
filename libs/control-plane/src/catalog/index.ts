export * from './plugin-catalog.js';
export * from './catalog-view.js';
export * from './choose-plugins.usecase.js';
