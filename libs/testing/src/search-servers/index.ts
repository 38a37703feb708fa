export * from './azure-search.server.js';
export * from './opensearch.server.js';
export * from './embeddings.server.js';
export { parseFilter, FilterSyntaxError } from './odata-filter.js';
export { bm25, knn, rrf, cosine } from './ranking.js';
