/**
 * The engine's Prometheus metrics: calls by tool, decision and outcome; gate latency; pending
 * approvals; authentication failures; open sessions. No label ever carries a user, an argument
 * or a token; tool names come only from the catalog (anything else counts as "unknown").
 */
import { Counter, createRegistry, Gauge, Histogram, type Registry } from '@cw/observability';
import type { AuditRow } from '@cw/mcp-gate';

const GATE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class EngineMetrics {
  readonly registry: Registry;
  private readonly calls: Counter<'tool' | 'decision' | 'outcome' | 'reason'>;
  private readonly latency: Histogram<'decision'>;
  readonly authFailures: Counter;

  constructor(
    knownTools: ReadonlySet<string>,
    pendingApprovals: () => Promise<number>,
    sessions: () => number,
  ) {
    this.registry = createRegistry('mcp-engine');
    const tool = (name: string) => (knownTools.has(name) ? name : 'unknown');
    this.calls = new Counter({
      name: 'cw_engine_tool_calls_total',
      help: 'Tool calls by tool, gate decision, refusal reason and outcome',
      labelNames: ['tool', 'decision', 'outcome', 'reason'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'cw_engine_gate_duration_seconds',
      help: 'Time from the call reaching the gate to its answer (including the tool run)',
      labelNames: ['decision'],
      buckets: GATE_BUCKETS,
      registers: [this.registry],
    });
    this.authFailures = new Counter({
      name: 'cw_engine_auth_failures_total',
      help: 'Requests refused with 401 (bad, expired or missing tokens)',
      registers: [this.registry],
    });
    new Gauge({
      name: 'cw_engine_approvals_pending',
      help: 'Parked calls waiting for a manager',
      registers: [this.registry],
      async collect() {
        this.set(await pendingApprovals().catch(() => 0));
      },
    });
    new Gauge({
      name: 'cw_engine_sessions',
      help: 'Open MCP sessions (2025-era clients)',
      registers: [this.registry],
      collect() {
        this.set(sessions());
      },
    });
    this.toolLabel = tool;
  }

  private readonly toolLabel: (name: string) => string;

  record(row: AuditRow): void {
    this.calls.inc({
      tool: this.toolLabel(row.tool),
      decision: row.decision,
      outcome: row.result,
      reason: row.reason,
    });
    this.latency.observe({ decision: row.decision }, row.latencyMs / 1000);
  }
}
