/**
 * The AI hub's seam (issue 20 replaces this file and owns apps/cerebro/src/hub/**). Cerebro calls
 * `registerHub` once at boot, after its own routes and before the 404 handler.
 * See apps/cerebro/README-dev.md for what `HubHost` offers.
 */
import type { CerebroDeps } from '../deps.js';
import type { HubHost } from '../hub-host.js';

export async function registerHub(host: HubHost, deps: CerebroDeps): Promise<void> {
  void host;
  void deps;
}
