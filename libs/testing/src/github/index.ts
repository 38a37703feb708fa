export {
  startGithubServer,
  type GithubServerOptions,
  type GithubRepoSeed,
  type GithubRecordedRequest,
  type GithubTestServer,
} from './github-server.js';
