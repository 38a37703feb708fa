/**
 * Alerts of the data plane (each tenant's MCP engines and cerebro, scraped in their `tenant-<slug>`
 * namespaces): grouped by `namespace`, which is the tenant — never by a person (no metric of the
 * data plane has a user label; the monitoring test asserts it).
 */
import type { AlertGroup } from './alerts.js';

const CALLS = 'cw_engine_tool_calls_total';
const LLM = 'cw_llm_request_duration_seconds';
const SIGN_INS = 'cw_cerebro_sign_ins_total';

export const DATA_PLANE_ALERT_GROUPS: readonly AlertGroup[] = [
  {
    name: 'contextweaver.data-plane',
    rules: [
      {
        alert: 'CwMcpToolErrorRateHigh',
        expr: `(sum by (namespace) (rate(${CALLS}{outcome="error"}[10m])) / clamp_min(sum by (namespace) (rate(${CALLS}{decision="allow"}[10m])), 1e-9)) > 0.1 and sum by (namespace) (rate(${CALLS}{decision="allow"}[10m])) > 0.01`,
        for: '10m',
        severity: 'warning',
        summary: 'More than 10% of allowed tool calls fail in {{ $labels.namespace }}',
        description:
          '{{ $value | humanizePercentage }} of the tool calls the gate allowed failed downstream over 10 minutes.',
        runbook: 'cwmcptoolerrorratehigh',
      },
      {
        alert: 'CwGateRefusalSpike',
        expr: `sum by (namespace) (rate(${CALLS}{decision="refuse"}[10m])) > 0.1 and sum by (namespace) (rate(${CALLS}{decision="refuse"}[10m])) > 3 * sum by (namespace) (rate(${CALLS}{decision="refuse"}[6h] offset 10m))`,
        for: '10m',
        severity: 'warning',
        summary: 'The gate refuses three times more calls than usual in {{ $labels.namespace }}',
        description:
          'Refusals run at {{ $value | humanize }}/s, over 3× the rate of the previous 6 hours: a policy change, a plugin outage, or someone probing.',
        runbook: 'cwgaterefusalspike',
      },
      {
        alert: 'CwApprovalsWaitingTooLong',
        expr: 'sum by (namespace) (cw_engine_approvals_pending) > 0',
        for: '2h',
        severity: 'warning',
        summary: 'Tool calls have waited for a manager for over 2 hours in {{ $labels.namespace }}',
        description:
          '{{ $value | humanize }} calls are parked for approval and the queue has not been empty for 2 hours.',
        runbook: 'cwapprovalswaitingtoolong',
      },
      {
        alert: 'CwEngineAuthFailures',
        expr: 'sum by (namespace) (rate(cw_engine_auth_failures_total[10m])) > 0.2',
        for: '10m',
        severity: 'warning',
        summary: 'The MCP engine refuses many tokens in {{ $labels.namespace }}',
        description:
          '{{ $value | humanize }}/s requests with a bad, expired or missing token: a JWKS or issuer mismatch after a key rotation, or a client misconfigured.',
        runbook: 'cwengineauthfailures',
      },
      {
        alert: 'CwEngineTokenMintFailures',
        expr: 'sum by (namespace) (increase(cw_cerebro_engine_token_mints_total{outcome="failed"}[10m])) > 0',
        for: '5m',
        severity: 'critical',
        summary: 'Cerebro cannot mint engine tokens in {{ $labels.namespace }}',
        description:
          '{{ $value | humanize }} mints failed in 10 minutes: every tool call of the AI hub fails while this lasts.',
        runbook: 'cwenginetokenmintfailures',
      },
      {
        alert: 'CwSignInFailures',
        expr: `sum by (namespace) (rate(${SIGN_INS}{outcome="refused"}[10m])) > 0.1 and (sum by (namespace) (rate(${SIGN_INS}{outcome="refused"}[10m])) / clamp_min(sum by (namespace) (rate(${SIGN_INS}[10m])), 1e-9)) > 0.5`,
        for: '10m',
        severity: 'warning',
        summary: 'Most sign-ins to {{ $labels.namespace }} are refused',
        description:
          'Refused sign-ins at {{ $value | humanize }}/s, more than half of all: the IdP connection broke, or credential stuffing.',
        runbook: 'cwsigninfailures',
      },
      {
        alert: 'CwKnowledgeRetrievalSlow',
        expr: 'histogram_quantile(0.95, sum by (le, namespace) (rate(cw_knowledge_search_duration_seconds_bucket[10m]))) > 2',
        for: '15m',
        severity: 'warning',
        summary: 'Knowledge retrieval p95 above 2 s in {{ $labels.namespace }}',
        description: 'p95 of a knowledge search has been {{ $value | humanizeDuration }} for 15 minutes.',
        runbook: 'cwknowledgeretrievalslow',
      },
      {
        alert: 'CwKnowledgeIngestDelayed',
        expr: 'histogram_quantile(0.95, sum by (le, namespace) (rate(cw_knowledge_ingest_duration_seconds_bucket[30m]))) > 120 or sum by (namespace) (increase(cw_knowledge_ingest_duration_seconds_count{outcome="failed"}[30m])) > 5',
        for: '15m',
        severity: 'warning',
        summary: 'Documents take long to become searchable (or fail) in {{ $labels.namespace }}',
        description:
          'Ingest p95 above 2 minutes or more than 5 failed ingests in 30 minutes (value: {{ $value | humanize }}).',
        runbook: 'cwknowledgeingestdelayed',
      },
      {
        alert: 'CwLlmErrors',
        expr: `(sum by (namespace, provider) (rate(${LLM}_count{outcome!~"ok|aborted"}[10m])) / clamp_min(sum by (namespace, provider) (rate(${LLM}_count[10m])), 1e-9)) > 0.1 and sum by (namespace, provider) (rate(${LLM}_count[10m])) > 0.005`,
        for: '10m',
        severity: 'warning',
        summary: 'More than 10% of {{ $labels.provider }} model calls fail in {{ $labels.namespace }}',
        description:
          '{{ $value | humanizePercentage }} of language model calls ended in timeout, unavailable or rejected over 10 minutes.',
        runbook: 'cwllmerrors',
      },
      {
        alert: 'CwLlmLatencyHigh',
        expr: `histogram_quantile(0.95, sum by (le, namespace, provider) (rate(${LLM}_bucket{outcome="ok"}[15m]))) > 30`,
        for: '15m',
        severity: 'warning',
        summary: 'Model answers take over 30 s at p95 in {{ $labels.namespace }}',
        description:
          'p95 of a whole streamed answer from {{ $labels.provider }}: {{ $value | humanizeDuration }}.',
        runbook: 'cwllmlatencyhigh',
      },
    ],
  },
];
