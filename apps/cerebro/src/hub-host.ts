/** What cerebro hands the AI hub at registration (the hub adds routes and nav items). */
import type { Express } from 'express';
import type { RouteTable } from './http/route-table.js';
import type { SessionService } from './http/session.js';
import type { NavItem } from './views/layout.js';

export interface HubHost {
  /** Add rows: `host.routes.add({ method: 'GET', path: '/chat', access: 'signed-in', handler })`. */
  readonly routes: RouteTable;
  /** Navigation entries (rendered for the role in `minRole`). */
  readonly nav: NavItem[];
  readonly sessions: SessionService;
  /** The raw Express app, for middleware the route table cannot express (mount before routes). */
  readonly express: Express;
  /** Called on shutdown (close MCP clients, timers). */
  onClose(fn: () => Promise<void> | void): void;
}
