/**
 * `cw signing-keys <tenant> [show|rotate|retire]`: a tenant's engine signing keys through the
 * control plane's admin API (docs/admin-api.md, "Rotate the engine signing key"). The token comes
 * from CW_ADMIN_TOKEN only — never a flag, so it does not end up in the shell history or `ps` —
 * and the control plane's address from `--api` or CW_ADMIN_URL. Refusals (401/403/409/400) print
 * the API's own message and exit 1; nothing is retried.
 */
import { Command } from 'commander';
import { CliError, type Io } from '../io.js';

const ACTIONS = ['show', 'rotate', 'retire'] as const;
type Action = (typeof ACTIONS)[number];

interface KeysView {
  slug: string;
  keys: string[];
  vault: string | null;
  rotation: { key: string; retiring: string; rolledOutAt: string | null; retireAfter: string | null } | null;
  run: { id: string; goal: string } | null;
  message: string;
}

interface ApiError {
  error?: { code?: string; message?: string; fields?: { path: string; message: string }[] };
  correlationId?: string;
}

export interface SigningKeysOptions {
  readonly api?: string;
  readonly reason?: string;
  readonly json?: boolean;
}

/** Calls the admin API; returns the view, or throws CliError with the API's message. */
export async function signingKeys(
  tenant: string,
  action: string,
  options: SigningKeysOptions,
  env: NodeJS.ProcessEnv,
  fetchImpl: typeof fetch = fetch,
): Promise<KeysView> {
  if (!(ACTIONS as readonly string[]).includes(action))
    throw new CliError(`action: must be one of ${ACTIONS.join(', ')} (got "${action.slice(0, 40)}")`);
  const api = options.api ?? env.CW_ADMIN_URL;
  if (!api) throw new CliError('--api or CW_ADMIN_URL: the control plane URL is required');
  let base: URL;
  try {
    base = new URL(api);
  } catch {
    throw new CliError(`--api: "${api.slice(0, 80)}" is not a URL`);
  }
  const token = env.CW_ADMIN_TOKEN;
  if (!token) throw new CliError('CW_ADMIN_TOKEN: set it to an admin API access token (docs/admin-api.md)');
  const path = `/admin/v1/tenants/${encodeURIComponent(tenant)}/signing-keys${action === 'show' ? '' : `/${action}`}`;
  let response: Response;
  try {
    response = await fetchImpl(new URL(path, base), {
      method: (action as Action) === 'show' ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(action !== 'show' && { 'content-type': 'application/json' }),
      },
      ...(action !== 'show' && { body: JSON.stringify(options.reason ? { reason: options.reason } : {}) }),
    });
  } catch (error) {
    throw new CliError(
      `could not reach ${base.origin}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    let body: ApiError = {};
    try {
      body = JSON.parse(text) as ApiError;
    } catch {
      // Not the API's error shape: the status says enough.
    }
    const fields = (body.error?.fields ?? []).map((f) => `\n  ${f.path}: ${f.message}`).join('');
    throw new CliError(
      `${response.status} ${body.error?.code ?? response.statusText}: ${body.error?.message ?? text.slice(0, 200)}${fields}${body.correlationId ? `\n  (correlation id ${body.correlationId})` : ''}`,
    );
  }
  return JSON.parse(text) as KeysView;
}

function describe(view: KeysView): string[] {
  const lines = [
    `${view.slug}: ${view.keys.join(', ')} mounted${view.vault ? ` (vault: ${view.vault})` : ''}`,
  ];
  if (view.rotation)
    lines.push(
      `rotation to ${view.rotation.key}: ${view.rotation.rolledOutAt ? `rolled out ${view.rotation.rolledOutAt}, ${view.rotation.retiring} may be retired from ${view.rotation.retireAfter}` : 'not rolled out yet'}`,
    );
  if (view.run) lines.push(`run ${view.run.id} (${view.run.goal}) started`);
  lines.push(view.message);
  return lines;
}

export const signingKeysCommand = (io: Io, env: NodeJS.ProcessEnv = process.env): Command =>
  new Command('signing-keys')
    .description("Show, rotate or retire a tenant's engine signing keys (admin API; role manager to change)")
    .argument('<tenant>', 'tenant id or slug')
    .argument('[action]', `${ACTIONS.join(' | ')}`, 'show')
    .option('--api <url>', 'control plane base URL (default: CW_ADMIN_URL)')
    .option('--reason <text>', 'why, for the audit log (rotate, retire)')
    .option('--json', 'print the API answer as JSON')
    .addHelpText(
      'after',
      '\nThe access token is read from CW_ADMIN_TOKEN. Exit status: 0 done, 1 refused or bad input.\n\nExample:\n  CW_ADMIN_TOKEN=$(az account get-access-token --resource api://contextweaver-admin --query accessToken -o tsv) \\\n    npx cw signing-keys acme rotate --api https://platform.example.com --reason "yearly rotation"',
    )
    .action(async (tenant: string, action: string, options: SigningKeysOptions) => {
      const view = await signingKeys(tenant, action, options, env);
      if (options.json) io.out(JSON.stringify(view, null, 2));
      else for (const line of describe(view)) io.out(line);
    });
