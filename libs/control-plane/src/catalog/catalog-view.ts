/** The catalog as the admin API and the status page show it: plugins plus the plan limits. */
import { PLANS, PLAN_NAMES, type PlanName } from '@cw/tenant-model';
import { PLUGINS_PER_ENGINE, type CatalogView, type PluginCatalog } from './plugin-catalog.js';

export function catalogView(catalog: PluginCatalog): CatalogView {
  const byPlan = (f: (plan: PlanName) => number) =>
    Object.fromEntries(PLAN_NAMES.map((p) => [p, f(p)])) as Record<PlanName, number>;
  return {
    plugins: catalog.entries.map((e) => ({ ...e })),
    limits: {
      pluginsPerEngine: byPlan((p) => PLUGINS_PER_ENGINE[p]),
      engines: byPlan((p) => PLANS[p].quota.engines),
    },
  };
}
