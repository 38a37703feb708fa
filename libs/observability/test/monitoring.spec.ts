/**
 * Monitoring as code is only worth something if it reads metrics that exist. Every PromQL
 * expression of the PrometheusRule and of the dashboards is parsed, and each metric it names
 * must be registered by one of the processes (control plane, provisioner, operator, MCP engine, cerebro) (their own metrics classes, built here as
 * the processes build them), by a collector of this library that a process is to wire (listed
 * below with the line to add), or be an external metric with its source. The checked-in files
 * must equal the generator's output, and every runbook link must land on a section.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  Registry,
  createAdminMetrics,
  createRegistry,
  metricNames,
  registerQueueMetrics,
} from '../src/index.js';
import {
  ALERT_GROUPS,
  EXTERNAL_METRICS,
  RUNBOOK_BASE_URL,
  baseMetricName,
  builtDashboards,
  dashboardExpressions,
  monitoringFiles,
  parsePromQL,
} from '../src/monitoring/index.js';
import { formattedMonitoringFile } from '../src/monitoring/format.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

// The processes' metrics live in apps (which no project may import, and which depend on this
// library): they are loaded by path at run time, so the check reads the real declarations
// without adding a build-graph edge from this library to the apps.
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(root, path)).href)) as T;

async function processMetrics(): Promise<Record<string, string[]>> {
  const { MetricsService } = await load<{ MetricsService: new (db: unknown) => { registry: Registry } }>(
    'apps/control-plane/src/metrics/metrics.service.ts',
  );
  const controlPlane = new MetricsService({ tenants: { countByState: async () => ({}) } }).registry;

  // As apps/provisioner/src/bootstrap.ts builds it: createRegistry + createProvisioningMetrics.
  const { createProvisioningMetrics } = await load<{ createProvisioningMetrics: (r: Registry) => unknown }>(
    'libs/provisioning/src/metrics.ts',
  );
  const provisioner = createRegistry('provisioner');
  createProvisioningMetrics(provisioner);

  const { OperatorMetrics } = await load<{
    OperatorMetrics: new (s: {
      queueDepth(): number;
      tenantPhases(): string[];
      isLeader(): boolean;
      watchEvents(): Array<{ kind: string; own: number; parsed: number; stale: number }>;
    }) => { registry: Registry };
  }>('operators/tenant-operator/src/metrics.ts');
  const operator = new OperatorMetrics({
    queueDepth: () => 0,
    tenantPhases: () => [],
    isLeader: () => false,
    watchEvents: () => [],
  }).registry;

  const data = await dataPlaneRegistries();
  return {
    'mcp-engine': await metricNames(data['mcp-engine']),
    cerebro: await metricNames(data.cerebro),
    'control-plane': await metricNames(controlPlane),
    provisioner: await metricNames(provisioner),
    'tenant-operator': await metricNames(operator),
  };
}

/** The data plane's registries, built as the engine and cerebro build them. */
async function dataPlaneRegistries(): Promise<Record<'mcp-engine' | 'cerebro', Registry>> {
  const { EngineMetrics } = await load<{
    EngineMetrics: new (
      tools: Set<string>,
      pending: () => Promise<number>,
      sessions: () => number,
    ) => {
      registry: Registry;
    };
  }>('apps/mcp-engine/src/engine.metrics.ts');
  const engine = new EngineMetrics(
    new Set(),
    async () => 0,
    () => 0,
  ).registry;
  // As apps/cerebro builds it: boot.ts createRegistry, app.factory createHttpMetrics, services.ts
  // createSignInMetrics, hub.service.ts createUsageRecorder (libs/llm) + createHubMetrics.
  const http = await load<{
    createHttpMetrics(r: Registry): unknown;
    createSignInMetrics(r: Registry): unknown;
  }>('apps/cerebro/src/ops/http-metrics.ts');
  const hub = await load<{ createHubMetrics(r: Registry, tenant: string): unknown }>(
    'apps/cerebro/src/ops/hub-metrics.ts',
  );
  const llm = await load<{ createUsageRecorder(r: Registry, tenant: string): unknown }>(
    'libs/llm/src/usage.metrics.ts',
  );
  const cerebro = createRegistry('cerebro');
  http.createHttpMetrics(cerebro);
  http.createSignInMetrics(cerebro);
  hub.createHubMetrics(cerebro, 'acme');
  llm.createUsageRecorder(cerebro, 'acme');
  return { 'mcp-engine': engine, cerebro };
}

/** A label or PromQL token that would name a person. */
const PERSON = /(?<![a-z_])(user|users|user_?id|email|e_?mail|sub|subject|actor|principal|person)(?![a-z_])/i;

/** Collectors of this library that rules rely on, the process that is to register them, and how. */
export const PENDING_WIRING: ReadonlyArray<{
  process: string;
  file: string;
  call: string;
  line: string;
  collect(r: Registry): void;
}> = [
  {
    process: 'provisioner',
    file: 'apps/provisioner/src/bootstrap.ts',
    call: 'registerQueueMetrics(',
    line: 'registerQueueMetrics(registry, app.get<Queue>(getQueueToken(PROVISIONING_QUEUE))); // after NestFactory.createApplicationContext',
    collect: (r) => void registerQueueMetrics(r, { getJobCounts: async () => ({}), getJobs: async () => [] }),
  },
  {
    process: 'control-plane',
    file: 'apps/control-plane/src/core/app-context.ts',
    call: 'createAdminMetrics(',
    line: "const adminMetrics = createAdminMetrics(metrics.registry); // AdminAuthGuard: res.once('finish', () => adminMetrics.observe(route.operationId, res.statusCode))",
    collect: (r) => void createAdminMetrics(r),
  },
];

function ruleExpressions(): Array<{ where: string; expr: string }> {
  return ALERT_GROUPS.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));
}

function allExpressions(): Array<{ where: string; expr: string }> {
  const fromDashboards = Object.entries(builtDashboards()).flatMap(([name, d]) =>
    dashboardExpressions(d).map((e) => ({ where: `dashboard ${name} / ${e.panel}`, expr: e.expr })),
  );
  return [...ruleExpressions(), ...fromDashboards];
}

describe('monitoring as code', () => {
  it('parses every PromQL expression and reads only metrics that exist', async () => {
    const byProcess = await processMetrics();
    const pending = new Registry();
    for (const w of PENDING_WIRING) w.collect(pending);
    const known = new Set([
      ...Object.values(byProcess).flat(),
      ...(await metricNames(pending)),
      ...Object.keys(EXTERNAL_METRICS),
    ]);
    const unknown: string[] = [];
    let checked = 0;
    for (const { where, expr } of allExpressions()) {
      let metrics: string[];
      try {
        metrics = parsePromQL(expr).metrics;
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}\n  ${expr}`);
      }
      expect(metrics.length, `${where} reads no metric: ${expr}`).toBeGreaterThan(0);
      for (const m of metrics) {
        checked++;
        if (!known.has(m) && !known.has(baseMetricName(m))) unknown.push(`${where}: ${m}`);
      }
    }
    expect(unknown, `metrics no process registers:\n${unknown.join('\n')}`).toEqual([]);
    expect(checked).toBeGreaterThan(80);
    // The processes really register what the core panels rely on.
    expect(byProcess['control-plane']).toEqual(
      expect.arrayContaining([
        'cw_http_request_duration_seconds',
        'cw_stripe_webhook_events_total',
        'cw_tenants',
      ]),
    );
    expect(byProcess['mcp-engine']).toEqual(
      expect.arrayContaining(['cw_engine_tool_calls_total', 'cw_engine_approvals_pending']),
    );
    expect(byProcess.cerebro).toEqual(
      expect.arrayContaining([
        'cw_cerebro_sign_ins_total',
        'cw_cerebro_engine_token_mints_total',
        'cw_cerebro_active_users',
        'cw_knowledge_search_duration_seconds',
        'cw_llm_request_duration_seconds',
        'cw_llm_tokens_total',
      ]),
    );
    expect(byProcess.provisioner).toContain('cw_provisioning_step_duration_seconds');
    expect(byProcess['tenant-operator']).toEqual(
      expect.arrayContaining(['cw_operator_leader', 'cw_operator_reconcile_total', 'cw_operator_tenants']),
    );
  });

  it('has no user label anywhere: not in any registry of the data plane, not in any rule or panel', async () => {
    const registries = await dataPlaneRegistries();
    let labels = 0;
    for (const [process, registry] of Object.entries(registries))
      for (const metric of registry.getMetricsAsArray()) {
        const names = ((metric as unknown as { labelNames?: string[] }).labelNames ?? []) as string[];
        labels += names.length;
        for (const label of names)
          expect(PERSON.test(label), `${process} ${metric.name} has label ${label}`).toBe(false);
      }
    expect(labels).toBeGreaterThan(10);
    for (const { where, expr } of allExpressions())
      expect(PERSON.test(expr), `${where}: ${expr}`).toBe(false);
    // The check itself recognises a person label.
    expect(PERSON.test('sum by (user_id) (x)')).toBe(true);
    expect(PERSON.test('sum(cw_cerebro_active_users{window="1h"})')).toBe(false);
  });

  it('reports which collectors still wait for their one-line wiring', () => {
    const unwired = PENDING_WIRING.filter((w) => !readFileSync(join(root, w.file), 'utf8').includes(w.call));
    for (const w of unwired)
      console.warn(
        `[monitoring] ${w.process} does not register ${w.call}…) yet — add to ${w.file}: ${w.line}`,
      );
    expect(PENDING_WIRING.every((w) => w.line.includes(w.call))).toBe(true);
  });

  it('covers the failure modes we page on, each with severity, summary, description and a runbook section', () => {
    const alerts = ALERT_GROUPS.flatMap((g) => g.rules);
    const names = alerts.map((a) => a.alert);
    expect(names).toEqual(
      expect.arrayContaining([
        'CwApiLatencyHigh',
        'CwApiErrorRateHigh',
        'CwStripeWebhookFailures',
        'CwProvisioningFailures',
        'CwProvisioningStepStuck',
        'CwOperatorReconcileErrors',
        'CwTenantsDegraded',
        'CwProvisioningQueueBacklog',
        'CwOperatorLeaderLost',
        'CwPodRestarting',
        'CwMcpToolErrorRateHigh',
        'CwGateRefusalSpike',
        'CwApprovalsWaitingTooLong',
        'CwKnowledgeRetrievalSlow',
        'CwKnowledgeIngestDelayed',
        'CwSignInFailures',
        'CwLlmErrors',
        'CwLlmLatencyHigh',
        'CwEngineTokenMintFailures',
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
    const doc = readFileSync(join(root, 'docs/observability.md'), 'utf8');
    // GitHub heading anchors: lower-case, spaces to '-', punctuation dropped.
    const anchors = new Set(
      [...doc.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
        m[1]!
          .trim()
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const rule = parse(readFileSync(join(root, 'infra/k8s/monitoring/prometheus-rules.yaml'), 'utf8')) as {
      apiVersion: string;
      kind: string;
      spec: {
        groups: Array<{
          rules: Array<{ alert: string; labels: { severity: string }; annotations: Record<string, string> }>;
        }>;
      };
    };
    expect(rule).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' });
    const rules = rule.spec.groups.flatMap((g) => g.rules);
    expect(rules).toHaveLength(alerts.length);
    for (const r of rules) {
      expect(['critical', 'warning'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
      expect(r.annotations.description, r.alert).toBeTruthy();
      expect(r.annotations.runbook_url, r.alert).toMatch(
        new RegExp(`^${RUNBOOK_BASE_URL.replace(/[.]/g, '\\.')}#`),
      );
      const anchor = r.annotations.runbook_url!.split('#')[1]!;
      expect(anchors.has(anchor), `docs/observability.md has no section #${anchor} for ${r.alert}`).toBe(
        true,
      );
    }
  });

  it('has the platform and data-plane dashboards, and the checked-in files are the generator output', async () => {
    expect(Object.keys(builtDashboards()).sort()).toEqual([
      'billing',
      'data-plane-security',
      'knowledge',
      'mcp-engine',
      'operator',
      'overview',
      'provisioning',
      'security',
      'users',
    ]);
    for (const [path, content] of Object.entries(monitoringFiles())) {
      let onDisk = '';
      try {
        onDisk = readFileSync(join(root, path), 'utf8');
      } catch {
        // reported below
      }
      expect(
        onDisk,
        `${path} is stale: run node --import tsx libs/observability/src/monitoring/generate.ts`,
      ).toBe(await formattedMonitoringFile(join(root, path), content));
    }
  });
});

describe('parsePromQL', () => {
  it('finds metric names, not functions, labels, keywords or Grafana variables', () => {
    expect(
      parsePromQL(
        'histogram_quantile(0.99, sum by (le, route) (rate(a_seconds_bucket{route!~"/x|/y"}[$__rate_interval]))) > 1 and on (pod) b offset 5m',
      ).metrics,
    ).toEqual(['a_seconds_bucket', 'b']);
    expect(parsePromQL('sum(x) without (pod) / ignoring(state) group_left(phase) y').metrics).toEqual([
      'x',
      'y',
    ]);
    expect(parsePromQL('max_over_time(z[1h:5m])').metrics).toEqual(['z']);
  });

  it('rejects what Prometheus would reject', () => {
    expect(() => parsePromQL('sum(rate(x[5m])')).toThrow(/unclosed/);
    expect(() => parsePromQL('rate(x[5 minutes])')).toThrow(/duration/);
    expect(() => parsePromQL('x{a=b}')).toThrow(/label matcher/);
    expect(() => parsePromQL('x{a=~"("}')).toThrow(/regular expression/);
    expect(() => parsePromQL('rat(x[5m])')).toThrow(/unknown function/);
    expect(() => parsePromQL('x{a="b"')).toThrow(/unclosed/);
  });
});
