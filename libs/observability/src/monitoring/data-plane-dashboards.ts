/**
 * Dashboards of the data plane: MCP engine, Knowledge, Security (gate refusals, sign-in
 * failures, approvals, token problems) and Users. Series are per tenant (`namespace`); people
 * appear only as counts (cerebro counts distinct hashed ids in memory and exports the number).
 */
import type { DashboardSpec } from './dashboard.js';

const R = '$__rate_interval';
const CALLS = 'cw_engine_tool_calls_total';
const GATE = 'cw_engine_gate_duration_seconds';
const LLM = 'cw_llm_request_duration_seconds';
const quantile = (q: number, metric: string, by: string, selector = '') =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket${selector ? `{${selector}}` : ''}[${R}])))`;

export const mcpEngine: DashboardSpec = {
  uid: 'cw-mcp-engine',
  title: 'ContextWeaver / MCP engine',
  description:
    'Tool calls through the gate per tenant: volume, decisions, failures, gate latency and sessions.',
  panels: [
    { title: 'Tool calls/s', type: 'stat', unit: 'reqps', targets: [{ expr: `sum(rate(${CALLS}[${R}]))` }] },
    {
      title: 'Failed allowed calls',
      type: 'stat',
      unit: 'percentunit',
      redFrom: 0.1,
      targets: [
        {
          expr: `sum(rate(${CALLS}{outcome="error"}[${R}])) / clamp_min(sum(rate(${CALLS}{decision="allow"}[${R}])), 1e-9)`,
        },
      ],
    },
    { title: 'Open MCP sessions', type: 'stat', targets: [{ expr: 'sum(cw_engine_sessions)' }] },
    { row: 'Calls' },
    {
      title: 'Calls by tool and outcome',
      unit: 'reqps',
      wide: true,
      stacked: true,
      targets: [{ expr: `sum by (tool, outcome) (rate(${CALLS}[${R}]))`, legend: '{{tool}} {{outcome}}' }],
    },
    {
      title: 'Calls by tenant and decision',
      unit: 'reqps',
      targets: [
        { expr: `sum by (namespace, decision) (rate(${CALLS}[${R}]))`, legend: '{{namespace}} {{decision}}' },
      ],
    },
    {
      title: 'Gate latency p50 / p99 (including the tool run)',
      unit: 's',
      targets: [
        { expr: quantile(0.5, GATE, 'decision'), legend: 'p50 {{decision}}' },
        { expr: quantile(0.99, GATE, 'decision'), legend: 'p99 {{decision}}' },
      ],
    },
  ],
};

export const knowledge: DashboardSpec = {
  uid: 'cw-knowledge',
  title: 'ContextWeaver / Knowledge',
  description:
    'Retrieval latency and ingest time per tenant, and the model calls that use the retrieved context.',
  panels: [
    {
      title: 'Searches/s',
      type: 'stat',
      unit: 'reqps',
      targets: [{ expr: `sum(rate(cw_knowledge_search_duration_seconds_count[${R}]))` }],
    },
    {
      title: 'Retrieval p95',
      type: 'stat',
      unit: 's',
      redFrom: 2,
      targets: [{ expr: quantile(0.95, 'cw_knowledge_search_duration_seconds', 'namespace') }],
    },
    {
      title: 'Ingest p95',
      type: 'stat',
      unit: 's',
      redFrom: 120,
      targets: [{ expr: quantile(0.95, 'cw_knowledge_ingest_duration_seconds', 'namespace') }],
    },
    { row: 'Retrieval and ingest' },
    {
      title: 'Retrieval p50 / p95 by tenant',
      unit: 's',
      targets: [
        {
          expr: quantile(0.5, 'cw_knowledge_search_duration_seconds', 'namespace'),
          legend: 'p50 {{namespace}}',
        },
        {
          expr: quantile(0.95, 'cw_knowledge_search_duration_seconds', 'namespace'),
          legend: 'p95 {{namespace}}',
        },
      ],
    },
    {
      title: 'Ingests by outcome',
      unit: 'ops',
      targets: [
        {
          expr: `sum by (namespace, outcome) (rate(cw_knowledge_ingest_duration_seconds_count[${R}]))`,
          legend: '{{namespace}} {{outcome}}',
        },
      ],
    },
    { row: 'Language model' },
    {
      title: 'Model calls by outcome',
      unit: 'ops',
      targets: [
        { expr: `sum by (provider, outcome) (rate(${LLM}_count[${R}]))`, legend: '{{provider}} {{outcome}}' },
      ],
    },
    {
      title: 'Model answer p50 / p95',
      unit: 's',
      targets: [
        { expr: quantile(0.5, LLM, 'provider', 'outcome="ok"'), legend: 'p50 {{provider}}' },
        { expr: quantile(0.95, LLM, 'provider', 'outcome="ok"'), legend: 'p95 {{provider}}' },
      ],
    },
    {
      title: 'Tokens/s by direction',
      unit: 'short',
      targets: [
        {
          expr: `sum by (tenant, direction) (rate(cw_llm_tokens_total[${R}]))`,
          legend: '{{tenant}} {{direction}}',
        },
      ],
    },
  ],
};

export const dataPlaneSecurity: DashboardSpec = {
  uid: 'cw-data-plane-security',
  title: 'ContextWeaver / Security (data plane)',
  description:
    'Gate refusals by reason, approvals waiting, sign-in failures, refused engine tokens and mint failures, per tenant.',
  panels: [
    {
      title: 'Refusals/s',
      type: 'stat',
      unit: 'reqps',
      targets: [{ expr: `sum(rate(${CALLS}{decision="refuse"}[${R}]))` }],
    },
    { title: 'Approvals waiting', type: 'stat', targets: [{ expr: 'sum(cw_engine_approvals_pending)' }] },
    {
      title: 'Token mint failures (1h)',
      type: 'stat',
      redFrom: 1,
      targets: [{ expr: 'sum(increase(cw_cerebro_engine_token_mints_total{outcome="failed"}[1h]))' }],
    },
    { row: 'Gate' },
    {
      title: 'Refusals by reason',
      unit: 'reqps',
      stacked: true,
      targets: [{ expr: `sum by (reason) (rate(${CALLS}{decision="refuse"}[${R}]))`, legend: '{{reason}}' }],
    },
    {
      title: 'Approvals waiting by tenant',
      targets: [{ expr: 'sum by (namespace) (cw_engine_approvals_pending)', legend: '{{namespace}}' }],
    },
    { row: 'Identity' },
    {
      title: 'Sign-ins by plane and outcome',
      unit: 'ops',
      targets: [
        {
          expr: `sum by (source, outcome) (rate(cw_cerebro_sign_ins_total[${R}]))`,
          legend: '{{source}} {{outcome}}',
        },
      ],
    },
    {
      title: 'Engine tokens refused (401) and mints by outcome',
      unit: 'ops',
      targets: [
        {
          expr: `sum by (namespace) (rate(cw_engine_auth_failures_total[${R}]))`,
          legend: 'refused {{namespace}}',
        },
        {
          expr: `sum by (outcome) (rate(cw_cerebro_engine_token_mints_total[${R}]))`,
          legend: 'mint {{outcome}}',
        },
      ],
    },
  ],
};

export const users: DashboardSpec = {
  uid: 'cw-users',
  title: 'ContextWeaver / Users',
  description:
    'Active people per tenant as counts of distinct hashed ids (never ids): within 5 minutes, 1 hour and 24 hours.',
  panels: [
    {
      title: 'Active now (5m)',
      type: 'stat',
      targets: [{ expr: 'sum(cw_cerebro_active_users{window="5m"})' }],
    },
    {
      title: 'Active (24h)',
      type: 'stat',
      targets: [{ expr: 'sum(cw_cerebro_active_users{window="24h"})' }],
    },
    {
      title: 'Active by tenant (1h)',
      wide: true,
      targets: [
        { expr: 'sum by (namespace) (cw_cerebro_active_users{window="1h"})', legend: '{{namespace}}' },
      ],
    },
    {
      title: 'Successful sign-ins by plane',
      unit: 'ops',
      targets: [
        {
          expr: `sum by (source) (rate(cw_cerebro_sign_ins_total{outcome="ok"}[${R}]))`,
          legend: '{{source}}',
        },
      ],
    },
  ],
};

export const DATA_PLANE_DASHBOARDS: Readonly<Record<string, DashboardSpec>> = {
  'mcp-engine': mcpEngine,
  knowledge,
  'data-plane-security': dataPlaneSecurity,
  users,
};
