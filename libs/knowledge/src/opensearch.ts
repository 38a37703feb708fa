/** `@cw/knowledge/opensearch`: the OpenSearch/Elasticsearch backend, kept out of the main entry so its SDK loads only when used. */
export * from './backends/opensearch.index.js';
export * from './backends/opensearch-client.js';
