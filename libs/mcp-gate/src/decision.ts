/**
 * Every security decision of the gate is a value: `{decision, reason}`. The MCP answer, the audit
 * row, the metrics and the dashboard all read the same value, so they can never disagree.
 */

/** Why a call was refused; stable identifiers (audit rows and metrics carry them). */
export const REFUSAL_REASONS = [
  'unknown-tool',
  'maintenance',
  'plugin-disabled',
  'role',
  'group',
  'read-only',
  'invalid-arguments',
  'too-large',
  'limit',
  'approval',
  'credentials',
  'timeout',
  'tool-failed',
  /** The platform's outbound guard refused the plugin's target (address, size, time). */
  'outbound',
  /** Proxy pins: the upstream changed or removed the tool since it was approved. */
  'tool-changed',
  'tool-removed',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type GateDecision =
  | { readonly decision: 'allow'; readonly reason: 'allowed' | 'approved' }
  | { readonly decision: 'refuse'; readonly reason: RefusalReason; readonly detail: string }
  | { readonly decision: 'pending'; readonly reason: 'approval-required'; readonly approvalId: string };

/** How the call ended, for audit and metrics: a refusal, a parked call, a tool result or error. */
export type ResultClass = 'ok' | 'error' | 'refused' | 'pending';

export const allow = (reason: 'allowed' | 'approved' = 'allowed'): GateDecision => ({
  decision: 'allow',
  reason,
});
export const refuse = (reason: RefusalReason, detail: string): GateDecision => ({
  decision: 'refuse',
  reason,
  detail,
});

/** The text a refused MCP call answers with: `refused: <reason>: <detail>` (isError: true). */
export const refusalText = (d: Extract<GateDecision, { decision: 'refuse' }>): string =>
  `refused: ${d.reason}: ${d.detail}`;
export const pendingText = (approvalId: string): string =>
  `pending approval ${approvalId}: a manager must approve this call; run it afterwards with approvals.run {"approvalId":"${approvalId}"}`;
