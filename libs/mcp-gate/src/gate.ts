/**
 * The gate: every check between a verified caller and a plugin's code, in this order —
 * maintenance → plugin enabled → role and group ACL → read-only → arguments (identity keys
 * stripped, schema, size) → policy limits → approval → credentials → run with a timeout → audit.
 * No HTTP here: the engine hands in the verified user and the raw arguments and gets back the
 * decision value and the result. Tool schemas (JSON) are built once, at construction.
 */
import { randomUUID } from 'node:crypto';
import { checkAccess, classificationOf, type GateSwitches } from './access.js';
import { ApprovalService } from './approvals.js';
import { AuditLog, userHash, type AuditRow } from './audit.js';
import { allow, pendingText, refusalText, refuse, type GateDecision, type ResultClass } from './decision.js';
import { stripIdentityKeys } from './identity.js';
import { checkLimits, effectiveLimits } from './limits.js';
import { inputJsonSchema } from './manifest.js';
import {
  PLUGIN_REFUSALS,
  type Plugin,
  type ToolDefinition,
  type ToolOutboundPolicy,
  type ToolResult,
  type ToolUser,
} from './plugin.js';
import { PolicyRepository } from './policy.repository.js';
import { findRefusal } from '@cw/outbound';
import type { TenantStore } from '@cw/tenant-store';

export interface GateSettings extends GateSwitches {
  readonly engine: string;
  readonly auditLog: boolean;
  readonly pluginConfig: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly timeoutMs: number;
  readonly maxRequestBytes: number;
  readonly maxResultBytes: number;
  readonly approvalTtlSeconds: number;
}

/** The vault cascade as the gate needs it (CredentialResolver of @cw/vault fits). */
export interface CredentialSource {
  resolve(r: {
    userId: string;
    groups: readonly string[];
    plugin: string;
    name: string;
  }): Promise<{ found: true; reveal(): string } | { found: false; message: string }>;
}

export interface GateDeps {
  readonly store: TenantStore;
  readonly credentials: CredentialSource;
  readonly salt: string;
  readonly fetch: typeof fetch;
  /** The rules behind `fetch`, handed to plugins that open sockets themselves (SMTP, IMAP). */
  readonly outboundPolicy?: ToolOutboundPolicy;
  readonly catalog: readonly Plugin[];
  readonly now?: () => Date;
  /** Called once per call with the audit row (metrics, dashboard, logs read the same value). */
  readonly onAudit?: (row: AuditRow) => void;
}

export interface ListedTool {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
  readonly classification: string;
  readonly minRole: string;
}

export interface CallOutcome {
  readonly decision: GateDecision;
  readonly result: ResultClass;
  readonly text: string;
  readonly structured?: Record<string, unknown>;
  readonly isError: boolean;
}

interface Entry {
  plugin: Plugin;
  tool: ToolDefinition;
  listed: ListedTool;
  declared: ReadonlySet<string>;
}

/** The built-in tool a requester uses to run an approved call once. */
export const RUN_APPROVED_TOOL = 'approvals.run';
const RUN_APPROVED_LISTING: ListedTool = {
  name: RUN_APPROVED_TOOL,
  title: 'Run an approved call',
  description: 'Runs a call a manager approved, once, with its original arguments.',
  inputSchema: {
    type: 'object',
    properties: { approvalId: { type: 'string' } },
    required: ['approvalId'],
    additionalProperties: false,
  },
  classification: 'read',
  minRole: 'viewer',
};

export class Gate {
  private readonly tools = new Map<string, Entry>();
  private settings: GateSettings;
  readonly policies: PolicyRepository;
  readonly approvals: ApprovalService;
  readonly audit: AuditLog;
  private readonly now: () => Date;

  constructor(
    private readonly deps: GateDeps,
    settings: GateSettings,
  ) {
    this.settings = settings;
    this.now = deps.now ?? (() => new Date());
    this.policies = new PolicyRepository(deps.store);
    this.audit = new AuditLog(deps.store);
    this.approvals = new ApprovalService(deps.store, settings.engine, (id) => this.hash(id), this.now);
    for (const plugin of deps.catalog) this.setPlugin(plugin);
  }

  /**
   * Adds a plugin, or replaces the one with the same id (its tools, schemas and metadata), for
   * plugins built at run time from their config (the proxy kind). Calls already running finish
   * with the tool they started with.
   */
  setPlugin(plugin: Plugin): void {
    this.removePlugin(plugin.id);
    for (const tool of plugin.tools) {
      const inputSchema = inputJsonSchema(tool.input);
      const props = (inputSchema.properties ?? {}) as Record<string, unknown>;
      this.tools.set(`${plugin.id}.${tool.name}`, {
        plugin,
        tool,
        declared: new Set(Object.keys(props)),
        listed: {
          name: `${plugin.id}.${tool.name}`,
          title: tool.title,
          description: tool.description,
          inputSchema,
          classification: classificationOf(tool),
          minRole: tool.minRole,
        },
      });
    }
  }

  /** Drops a plugin's tools (they answer `unknown-tool` until it is set again). */
  removePlugin(id: string): void {
    for (const [name, e] of this.tools) if (e.plugin.id === id) this.tools.delete(name);
  }

  /** Hot reload: plugins, readOnly, maintenance, auditLog and plugin config take effect on the next call. */
  update(settings: GateSettings): void {
    this.settings = settings;
  }

  get current(): GateSettings {
    return this.settings;
  }

  hash(userId: string): string {
    return userHash(this.deps.salt, userId);
  }

  /** Only the tools this user could call right now. */
  async listTools(user: ToolUser): Promise<ListedTool[]> {
    const { access } = await this.policies.snapshot();
    const out: ListedTool[] = [];
    for (const e of this.tools.values()) {
      const rules = PolicyRepository.accessFor(access, e.plugin.id, e.listed.name);
      if (checkAccess(this.settings, e.plugin.id, e.tool, rules, user).decision === 'allow')
        out.push(e.listed);
    }
    if (!this.settings.maintenance && out.length > 0) out.push(RUN_APPROVED_LISTING);
    return out;
  }

  /** Every tool of the catalog with its metadata (for the dashboard). */
  catalogListing(): Array<ListedTool & { plugin: string; enabled: boolean }> {
    return [...this.tools.values()].map((e) => ({
      ...e.listed,
      plugin: e.plugin.id,
      enabled: this.settings.plugins.includes(e.plugin.id),
    }));
  }

  async call(
    user: ToolUser,
    name: string,
    rawArgs: unknown,
    opts: { correlationId?: string; signal?: AbortSignal } = {},
  ): Promise<CallOutcome> {
    const started = performance.now();
    const correlationId = opts.correlationId ?? randomUUID();
    let stripped: string[] = [];
    let approvalId: string | undefined;
    let outcome: CallOutcome;
    try {
      if (name === RUN_APPROVED_TOOL) {
        const r = await this.runApproved(user, rawArgs, opts.signal);
        approvalId = r.approvalId;
        outcome = r.outcome;
      } else {
        const r = await this.decideAndRun(user, name, rawArgs, opts.signal);
        stripped = r.stripped;
        approvalId = r.approvalId;
        outcome = r.outcome;
      }
    } catch (error) {
      // A store or vault outage is a refusal of this call, not a crash of the engine.
      const detail = error instanceof Error ? error.name : 'error';
      outcome = refused(refuse('tool-failed', `the engine could not complete the call (${detail})`));
    }
    await this.record(user, name, outcome, performance.now() - started, correlationId, stripped, approvalId);
    return outcome;
  }

  private async decideAndRun(
    user: ToolUser,
    name: string,
    rawArgs: unknown,
    signal?: AbortSignal,
  ): Promise<{ outcome: CallOutcome; stripped: string[]; approvalId?: string }> {
    const entry = this.tools.get(name);
    if (!entry)
      return {
        outcome: refused(refuse('unknown-tool', `no tool named ${name.slice(0, 100)}`)),
        stripped: [],
      };
    const { access, limits } = await this.policies.snapshot();
    const rules = PolicyRepository.accessFor(access, entry.plugin.id, name);
    const gate = checkAccess(this.settings, entry.plugin.id, entry.tool, rules, user);
    if (gate.decision !== 'allow') return { outcome: refused(gate), stripped: [] };

    const args = await this.parseArgs(entry, rawArgs);
    if ('refusal' in args) return { outcome: refused(args.refusal), stripped: args.stripped };
    const stripped = args.stripped;

    const effective = effectiveLimits(name, entry.tool.limits ?? [], limits, user);
    const limitCheck = checkLimits(name, effective, args.value);
    if (!limitCheck.ok) return { outcome: refused(refuse('limit', limitCheck.detail)), stripped };
    const reasons = [
      ...(entry.tool.approval ? [`${name} always needs approval`] : []),
      ...limitCheck.approvalNeeded,
    ];
    if (reasons.length > 0) {
      const record = await this.approvals.park(
        user,
        name,
        args.value,
        reasons,
        this.settings.approvalTtlSeconds,
      );
      const decision: GateDecision = {
        decision: 'pending',
        reason: 'approval-required',
        approvalId: record.id,
      };
      return {
        outcome: { decision, result: 'pending', text: pendingText(record.id), isError: false },
        stripped,
        approvalId: record.id,
      };
    }
    return { outcome: await this.execute(entry, user, args.value, allow(), signal), stripped };
  }

  private async parseArgs(
    entry: Entry,
    rawArgs: unknown,
  ): Promise<
    { value: Record<string, unknown>; stripped: string[] } | { refusal: GateDecision; stripped: string[] }
  > {
    const raw = rawArgs ?? {};
    if (typeof raw !== 'object' || Array.isArray(raw))
      return { refusal: refuse('invalid-arguments', '(root): arguments must be an object'), stripped: [] };
    const { args, stripped } = stripIdentityKeys(raw as Record<string, unknown>, entry.declared);
    if (Buffer.byteLength(JSON.stringify(args)) > this.settings.maxRequestBytes)
      return {
        refusal: refuse('too-large', `arguments exceed ${this.settings.maxRequestBytes} bytes`),
        stripped,
      };
    const parsed = await entry.tool.input.safeParseAsync(args);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      return { refusal: refuse('invalid-arguments', detail), stripped };
    }
    return { value: parsed.data as Record<string, unknown>, stripped };
  }

  /** The requester runs an approved call: once, with the stored arguments and identity. */
  private async runApproved(
    caller: ToolUser,
    rawArgs: unknown,
    signal?: AbortSignal,
  ): Promise<{ outcome: CallOutcome; approvalId?: string }> {
    const id = (rawArgs as { approvalId?: unknown } | undefined)?.approvalId;
    if (typeof id !== 'string' || id.length > 64)
      return { outcome: refused(refuse('invalid-arguments', 'approvalId: must be a string')) };
    if (this.settings.maintenance)
      return {
        outcome: refused(refuse('maintenance', 'the engine is in maintenance; no tool runs until it ends')),
        approvalId: id,
      };
    const claim = await this.approvals.claim(id, caller);
    if (!claim.ok) return { outcome: refused(claim.decision), approvalId: id };
    const record = claim.record;
    const entry = this.tools.get(record.tool);
    if (!entry)
      return { outcome: refused(refuse('unknown-tool', `no tool named ${record.tool}`)), approvalId: id };
    const user: ToolUser = Object.freeze({ ...record.user, groups: Object.freeze([...record.user.groups]) });
    // Switches, roles and hard limits may have changed since the call was parked: check again.
    const { access, limits } = await this.policies.snapshot();
    const rules = PolicyRepository.accessFor(access, entry.plugin.id, record.tool);
    const gate = checkAccess(this.settings, entry.plugin.id, entry.tool, rules, caller);
    if (gate.decision !== 'allow') return { outcome: refused(gate), approvalId: id };
    const limitCheck = checkLimits(
      record.tool,
      effectiveLimits(record.tool, entry.tool.limits ?? [], limits, user),
      record.args,
    );
    if (!limitCheck.ok) return { outcome: refused(refuse('limit', limitCheck.detail)), approvalId: id };
    return {
      outcome: await this.execute(entry, user, record.args, allow('approved'), signal),
      approvalId: id,
    };
  }

  /** Credentials → run with a timeout → result size. */
  private async execute(
    entry: Entry,
    user: ToolUser,
    args: Record<string, unknown>,
    decision: GateDecision,
    outer?: AbortSignal,
  ): Promise<CallOutcome> {
    const values = new Map<string, string>();
    for (const name of entry.tool.credentials ?? []) {
      const resolved = await this.deps.credentials
        .resolve({ userId: user.id, groups: user.groups, plugin: entry.plugin.id, name })
        .catch((error: unknown) => ({ found: false as const, message: describeVaultError(error) }));
      if (!resolved.found)
        return refused(refuse('credentials', `${entry.plugin.id} credential "${name}": ${resolved.message}`));
      values.set(name, resolved.reveal());
    }
    const controller = new AbortController();
    const timeoutMs = this.settings.timeoutMs;
    const timer = setTimeout(() => controller.abort(new Error('timeout')), timeoutMs);
    const onOuterAbort = () => controller.abort(new Error('client went away'));
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    const timedOut = new Promise<'timeout'>((resolve) =>
      controller.signal.addEventListener('abort', () => resolve('timeout'), { once: true }),
    );
    try {
      const run = entry.tool.run(args, {
        user,
        credential: async (name) => {
          const v = values.get(name);
          if (v === undefined) throw new Error(`credential "${name}" is not declared by this tool`);
          return v;
        },
        fetch: this.deps.fetch,
        signal: controller.signal,
        config: this.settings.pluginConfig[entry.plugin.id] ?? {},
        ...(this.deps.outboundPolicy ? { outboundPolicy: this.deps.outboundPolicy } : {}),
      });
      const result = await Promise.race([run, timedOut]);
      if (result === 'timeout')
        return refused(refuse('timeout', `the tool did not finish within ${timeoutMs} ms`));
      return this.shape(decision, result);
    } catch (error) {
      // The guard's refusal names a rule (address class, size, time), never a value: pass it on.
      const refusal = findRefusal(error);
      if (refusal) return refused(refuse('outbound', refusal.message.slice(0, 300)));
      // The tool's own error text may carry downstream detail; the caller gets its class only.
      const detail = error instanceof Error ? error.name : 'error';
      return { decision, result: 'error', text: `error: the tool failed (${detail})`, isError: true };
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  private shape(decision: GateDecision, result: ToolResult): CallOutcome {
    if (result.refusal && (PLUGIN_REFUSALS as readonly string[]).includes(result.refusal.reason))
      return refused(refuse(result.refusal.reason, result.refusal.detail.slice(0, 500)));
    const size =
      Buffer.byteLength(result.text) +
      (result.structured ? Buffer.byteLength(JSON.stringify(result.structured)) : 0);
    if (size > this.settings.maxResultBytes)
      return refused(
        refuse('too-large', `the result exceeds ${this.settings.maxResultBytes} bytes and was cut off`),
      );
    return {
      decision,
      result: result.isError ? 'error' : 'ok',
      text: result.text,
      ...(result.structured ? { structured: result.structured } : {}),
      isError: result.isError ?? false,
    };
  }

  private async record(
    user: ToolUser,
    tool: string,
    outcome: CallOutcome,
    latencyMs: number,
    correlationId: string,
    strippedKeys: string[],
    approvalId?: string,
  ): Promise<void> {
    const d = outcome.decision;
    const row: AuditRow = {
      at: this.now().toISOString(),
      engine: this.settings.engine,
      userHash: this.hash(user.id),
      tool: tool.slice(0, 200),
      decision: d.decision,
      reason: d.reason,
      result: outcome.result,
      latencyMs: Math.round(latencyMs * 1000) / 1000,
      correlationId,
      ...(strippedKeys.length > 0 ? { strippedKeys } : {}),
      ...(approvalId ? { approvalId } : {}),
    };
    this.deps.onAudit?.(row);
    // With auditLog off only refusals and identity-key attempts are kept.
    if (this.settings.auditLog || d.decision === 'refuse' || strippedKeys.length > 0) {
      await this.audit.write(row).catch(() => undefined);
    }
  }
}

const refused = (decision: GateDecision): CallOutcome => ({
  decision,
  result: 'refused',
  text: decision.decision === 'refuse' ? refusalText(decision) : decision.reason,
  isError: true,
});

function describeVaultError(error: unknown): string {
  if (error instanceof Error && error.name === 'CredentialConflictError') return error.message;
  return 'the credential vault is unavailable; try again later';
}
