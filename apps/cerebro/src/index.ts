export { createCerebroApp, SESSION_COOKIE, type CerebroApp } from './app.factory.js';
export { bootCerebro, listen, type BootOptions, type BootedCerebro } from './boot.js';
export type { CerebroDeps } from './deps.js';
export { userIdOf } from './deps.js';
export type { Session, SessionSource } from './http/session.js';
export { sessionOf, userIdOfRequest } from './http/session.js';
export { RouteTable, type RouteSpec, type Access } from './http/route-table.js';
export type { HubHost } from './hub-host.js';
