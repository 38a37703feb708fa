/**
 * Who did it, for audit rows and logs: a stable pseudonym, never the raw e-mail or a token.
 * Same function as the logger's redaction, so an audit row and a log line of one user match.
 */
import { hashId } from '@cw/observability';
import type { Principal } from './principal.js';
import type { SessionUser } from './session.js';

/** `sha256:<hex16>` of the e-mail (lower-cased), else of the subject. */
export function auditActor(actor: Principal | SessionUser): string {
  const id = actor.email || ('subject' in actor ? actor.subject : '');
  if (!id) throw new Error('auditActor: the actor has neither an e-mail nor a subject');
  return hashId(id);
}
