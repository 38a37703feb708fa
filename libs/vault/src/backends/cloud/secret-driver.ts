/**
 * What a cloud secret service must offer the vault: named secrets with small string labels, all
 * under the tenant's prefix. Drivers speak one service's API (through its official SDK or HTTP)
 * and nothing else; naming, metadata and validation live in CloudVaultBackend once.
 */

/** Label values the vault writes: `[a-z0-9_-]{0,63}`, valid as Azure/AWS tags, GCP labels and Vault metadata. */
export type SecretLabels = Readonly<Record<string, string>>;

export interface SecretDriver {
  readonly kind: string;
  /** Everything this driver writes starts with this (logged on start; compared with the cloud stack's grant). */
  readonly prefix: string;
  /** Creates or replaces `name` (relative to the prefix) with a new value and labels. */
  write(name: string, value: string, labels: SecretLabels): Promise<void>;
  /** The current value, or undefined when there is no such secret. */
  read(name: string): Promise<string | undefined>;
  /** Labels of one secret without reading its value, or undefined. */
  labels(name: string): Promise<SecretLabels | undefined>;
  /** Secrets whose relative name starts with `namePrefix`, with their labels (never values). */
  list(namePrefix: string): Promise<{ name: string; labels: SecretLabels }[]>;
  /** False when there was no such secret. */
  remove(name: string): Promise<boolean>;
  /** The full name the service sees for a relative name (tests compare it with the cloud stack's grant). */
  fullName(name: string): string;
}

/** Relative names the vault may use: no separator, no dot, so nothing escapes the prefix. */
export const RELATIVE_NAME = /^[a-z0-9][a-z0-9-]{0,126}$/;

export function assertRelative(name: string): string {
  if (!RELATIVE_NAME.test(name))
    throw new Error(`internal: "${name.slice(0, 40)}" is not a relative secret name`);
  return name;
}
