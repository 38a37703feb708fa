/**
 * The control plane as the process it is in production (`node --import tsx
 * apps/control-plane/src/main.ts`, from @cw/testing/processes), configured by environment, with
 * everything it writes to stdout and stderr kept. A test that must see every byte a process
 * emits cannot run it in-process (vitest, other tests and the harness write to the same stdout),
 * and no project may import an app.
 */
import { startProcess, waitHttpOk, type PlatformProcess } from '@cw/testing/processes';

export { freePort } from '@cw/testing/processes';

export interface ControlPlaneProcess extends PlatformProcess {
  readonly url: string;
}

/** Starts it on 127.0.0.1:`port` (PATH and HOME, then `env`); resolves once /readyz answers. */
export async function startControlPlaneProcess(
  port: number,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ControlPlaneProcess> {
  const proc = startProcess('control-plane', { PORT: String(port), HOST: '127.0.0.1', ...env });
  const url = `http://127.0.0.1:${port}`;
  await waitHttpOk(proc, `${url}/readyz`, timeoutMs); // stops it when it does not answer in time
  return Object.assign(proc, { url });
}
