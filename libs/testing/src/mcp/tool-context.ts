/**
 * A ToolContext for calling a plugin's tools directly in tests, shaped like the one the gate
 * builds: identity from the caller, credentials resolved through a vault resolver (the cascade
 * user → group → org) as that user, and a fetch the test chooses (the guarded one in tests that
 * check the outbound guard). Typed structurally so @cw/testing does not depend on the gate.
 */
export interface TestUser {
  id: string;
  email: string;
  role: 'viewer' | 'developer' | 'sqa' | 'manager';
  groups: readonly string[];
  tenant: string;
}

/** The part of @cw/vault's CredentialResolver a tool context uses. */
export interface CredentialResolverLike {
  resolve(request: {
    userId: string;
    groups: readonly string[];
    plugin: string;
    name: string;
  }): Promise<{ found: true; reveal(): string } | { found: false; message: string }>;
}

export interface TestToolContextOptions {
  plugin: string;
  resolver: CredentialResolverLike;
  user?: Partial<TestUser>;
  config?: Record<string, unknown>;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** The engine's outbound policy, for plugins that open sockets themselves (SMTP, IMAP). */
  outboundPolicy?: { allowHosts?: readonly string[]; timeoutMs?: number };
}

export function testToolContext(options: TestToolContextOptions) {
  const user: TestUser = {
    id: 'user-alice',
    email: 'alice@example.com',
    role: 'developer',
    groups: [],
    tenant: 'acme',
    ...options.user,
  };
  return {
    user,
    async credential(name: string): Promise<string> {
      const resolved = await options.resolver.resolve({
        userId: user.id,
        groups: user.groups,
        plugin: options.plugin,
        name,
      });
      if (!resolved.found) throw new Error(resolved.message);
      return resolved.reveal();
    },
    fetch: options.fetch ?? fetch,
    signal: options.signal ?? new AbortController().signal,
    config: options.config ?? {},
    ...(options.outboundPolicy ? { outboundPolicy: options.outboundPolicy } : {}),
  };
}
