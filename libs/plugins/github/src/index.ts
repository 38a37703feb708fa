export { plugin, manifest } from './github.plugin.js';
export { GithubRateLimitedError, DEFAULT_GITHUB_API } from './github-client.js';
