/** `@cw/knowledge/azure-search`: the Azure AI Search backend, kept out of the main entry so its SDK loads only when used. */
export * from './backends/azure-search.index.js';
