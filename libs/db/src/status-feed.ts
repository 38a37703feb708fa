/**
 * Pushes "this tenant's status may have changed" to the open live-status streams of a process.
 *
 * Triggers (migration 0003) NOTIFY channel `cw_tenant_status` with `<schema>:<tenant id>` on every
 * write to tenants, provisioning_runs and provisioning_steps, whoever writes (control plane,
 * provisioner, sweep). One LISTEN connection per process fans out to the subscribers of that
 * tenant, so N open pages cost no queries while nothing changes, and one query per page per change.
 * When the LISTEN connection drops, every subscriber is told once (it re-reads), and it reconnects.
 */
import pg from 'pg';

export const STATUS_CHANNEL = 'cw_tenant_status';

/** Starts listening; calls `onPayload` for each notification, `onLost` when the connection drops. */
export type Listen = (
  onPayload: (payload: string) => void,
  onLost: () => void,
) => Promise<() => Promise<void>>;

export class TenantStatusFeed {
  private readonly subscribers = new Map<string, Set<() => void>>();
  private stop: Promise<() => Promise<void>> | undefined;
  private closed = false;

  constructor(
    private readonly listen: Listen,
    private readonly schema: string,
    private readonly reconnectMs = 1_000,
  ) {}

  /** Calls `onChange` whenever the tenant's status rows change; returns the unsubscribe. */
  subscribe(tenantId: string, onChange: () => void): () => void {
    this.ensureListening();
    let set = this.subscribers.get(tenantId);
    if (!set) this.subscribers.set(tenantId, (set = new Set()));
    set.add(onChange);
    return () => {
      set.delete(onChange);
      if (set.size === 0) this.subscribers.delete(tenantId);
    };
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.subscribers.values()) n += set.size;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    const stop = await this.stop?.catch(() => undefined);
    await stop?.().catch(() => undefined);
  }

  private ensureListening(): void {
    if (this.stop || this.closed) return;
    this.stop = this.listen(
      (payload) => {
        const at = payload.indexOf(':');
        if (payload.slice(0, at) !== this.schema) return;
        for (const notify of this.subscribers.get(payload.slice(at + 1)) ?? []) notify();
      },
      () => this.lost(),
    );
    this.stop.catch(() => this.lost());
  }

  private lost(): void {
    this.stop = undefined;
    for (const set of this.subscribers.values()) for (const notify of set) notify();
    if (!this.closed && this.subscribers.size > 0)
      setTimeout(() => this.ensureListening(), this.reconnectMs).unref();
  }
}

/** LISTEN on a dedicated node-postgres connection (not one of the pool's). */
export const postgresListen =
  (url: string): Listen =>
  async (onPayload, onLost) => {
    const client = new pg.Client({ connectionString: url });
    let lost = false;
    const drop = () => {
      if (lost) return;
      lost = true;
      onLost();
    };
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', (message) => message.payload && onPayload(message.payload));
    await client.connect();
    await client.query(`LISTEN ${STATUS_CHANNEL}`);
    return async () => {
      lost = true;
      await client.end();
    };
  };
