/**
 * Leak scanning for tests: does any of these known secrets (an e-mail, a Stripe key, a webhook
 * secret, a magic-link token…) appear in what a process wrote — logs, /metrics, mail prints?
 * Each secret is searched in the forms it would take on the way out: as is, lower-cased,
 * percent-encoded, JSON-escaped, and base64. Findings never contain the secret itself (a
 * failing test must not leak it into CI logs): the excerpt masks it.
 */
export interface Leak {
  /** The name the secret was given (`email`, `stripeSecretKey`…). */
  readonly secret: string;
  /** Which form matched: raw, lowercase, url-encoded, json-escaped, base64, base64url. */
  readonly form: string;
  /** Where the text came from (`stdout`, `/metrics`…), as passed to findLeaks. */
  readonly source: string;
  /** Up to 60 characters either side, the secret replaced by «name». */
  readonly excerpt: string;
}

function forms(value: string): Array<[form: string, needle: string]> {
  const out: Array<[string, string]> = [
    ['raw', value],
    ['lowercase', value.toLowerCase()],
    ['url-encoded', encodeURIComponent(value)],
    ['json-escaped', JSON.stringify(value).slice(1, -1)],
  ];
  // base64 only for values long enough not to match by accident.
  if (value.length >= 12) {
    out.push(['base64', Buffer.from(value).toString('base64').replace(/=+$/, '')]);
    out.push(['base64url', Buffer.from(value).toString('base64url')]);
  }
  const seen = new Set<string>();
  return out.filter(([, needle]) => needle.length > 0 && !seen.has(needle) && (seen.add(needle), true));
}

/** Every occurrence of every secret in `text`; `[]` means clean. Case-insensitive for all forms but base64. */
export function findLeaks(text: string, secrets: Readonly<Record<string, string>>, source = 'text'): Leak[] {
  const leaks: Leak[] = [];
  const lower = text.toLowerCase();
  for (const [name, value] of Object.entries(secrets)) {
    if (!value) continue;
    for (const [form, needle] of forms(value)) {
      const caseless = !form.startsWith('base64');
      const haystack = caseless ? lower : text;
      const n = caseless ? needle.toLowerCase() : needle;
      for (let at = haystack.indexOf(n); at >= 0; at = haystack.indexOf(n, at + n.length)) {
        const from = Math.max(0, at - 60);
        const excerpt = `${text.slice(from, at)}«${name}»${text.slice(at + n.length, at + n.length + 60)}`;
        leaks.push({ secret: name, form, source, excerpt: maskAll(excerpt, secrets) });
        if (leaks.length > 200) return leaks;
      }
    }
  }
  return leaks;
}

function maskAll(text: string, secrets: Readonly<Record<string, string>>): string {
  let out = text;
  for (const [name, value] of Object.entries(secrets)) {
    for (const [form, needle] of forms(value)) {
      const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      out = out.replace(new RegExp(escaped, form.startsWith('base64') ? 'g' : 'gi'), `«${name}»`);
    }
  }
  return out.replace(/\s+/g, ' ');
}

/** A one-line-per-leak report for an assertion message. */
export const describeLeaks = (leaks: readonly Leak[]): string =>
  leaks.map((l) => `${l.source}: ${l.secret} (${l.form}): …${l.excerpt}…`).join('\n');
