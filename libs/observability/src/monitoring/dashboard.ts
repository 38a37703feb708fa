/**
 * A small Grafana dashboard builder: the dashboards are written as a list of panels with their
 * PromQL, and this turns them into Grafana's JSON model (schemaVersion 39) with a Prometheus
 * datasource variable and a two-column grid. Rows start a new section.
 */
export interface Target {
  readonly expr: string;
  readonly legend?: string;
}

export type Unit = 's' | 'ms' | 'short' | 'percentunit' | 'reqps' | 'ops' | 'bytes' | 'none';

export interface PanelSpec {
  readonly title: string;
  readonly description?: string;
  readonly targets: readonly Target[];
  /** @default 'timeseries' */
  readonly type?: 'timeseries' | 'stat';
  /** @default 'short' */
  readonly unit?: Unit;
  /** Full width instead of half. */
  readonly wide?: boolean;
  /** Stacked series (counts by state). */
  readonly stacked?: boolean;
  /** Stat panels: value at or above which it turns red. */
  readonly redFrom?: number;
}

export interface RowSpec {
  readonly row: string;
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly panels: ReadonlyArray<PanelSpec | RowSpec>;
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

export function buildDashboard(spec: DashboardSpec): Record<string, unknown> {
  let id = 1;
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  const panels: Record<string, unknown>[] = [];
  const newLine = () => {
    if (x > 0) {
      x = 0;
      y += lineHeight;
      lineHeight = 0;
    }
  };
  for (const item of spec.panels) {
    if ('row' in item) {
      newLine();
      panels.push({
        id: id++,
        type: 'row',
        title: item.row,
        collapsed: false,
        gridPos: { h: 1, w: 24, x: 0, y },
        panels: [],
      });
      y += 1;
      continue;
    }
    const type = item.type ?? 'timeseries';
    const w = item.wide ? 24 : type === 'stat' ? 6 : 12;
    if (x + w > 24) newLine();
    const h = type === 'stat' ? 4 : 8;
    lineHeight = Math.max(lineHeight, h);
    panels.push({
      id: id++,
      type,
      title: item.title,
      ...(item.description ? { description: item.description } : {}),
      datasource: DATASOURCE,
      gridPos: { h, w, x, y },
      targets: item.targets.map((t, i) => ({
        datasource: DATASOURCE,
        expr: t.expr,
        legendFormat: t.legend ?? '__auto',
        refId: String.fromCharCode(65 + i),
      })),
      fieldConfig: {
        defaults: {
          unit: item.unit ?? 'short',
          ...(type === 'timeseries'
            ? {
                custom: {
                  lineWidth: 1,
                  fillOpacity: item.stacked ? 40 : 10,
                  stacking: { mode: item.stacked ? 'normal' : 'none', group: 'A' },
                },
              }
            : {}),
          ...(item.redFrom !== undefined
            ? {
                thresholds: {
                  mode: 'absolute',
                  steps: [
                    { color: 'green', value: null },
                    { color: 'red', value: item.redFrom },
                  ],
                },
              }
            : {}),
        },
        overrides: [],
      },
      options:
        type === 'stat'
          ? {
              reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
              colorMode: 'value',
              graphMode: 'area',
              textMode: 'auto',
            }
          : {
              legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
              tooltip: { mode: 'multi', sort: 'desc' },
            },
    });
    x += w;
    if (x >= 24) newLine();
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['contextweaver'],
    timezone: 'utc',
    editable: false,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Prometheus',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
        },
      ],
    },
    annotations: { list: [] },
    links: [
      { title: 'ContextWeaver dashboards', type: 'dashboards', tags: ['contextweaver'], asDropdown: true },
    ],
    panels,
  };
}

/** Every PromQL expression of a built dashboard, with the panel title (for test messages). */
export function dashboardExpressions(
  dashboard: Record<string, unknown>,
): Array<{ panel: string; expr: string }> {
  const panels = (dashboard.panels ?? []) as Array<{ title: string; targets?: Array<{ expr: string }> }>;
  return panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}
