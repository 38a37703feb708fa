/**
 * Where the three planes meet: a verified person becomes one session. Also the refusal path:
 * an audit row, a metric, nothing else created.
 */
import type { Role } from '@cw/identity';
import type { CerebroDeps } from '../deps.js';
import { audit } from '../audit/audit.js';
import type { SessionService, SessionSource } from '../http/session.js';
import type { GroupsService } from '../groups/groups.service.js';
import type { SignInMetrics } from '../ops/http-metrics.js';

export interface VerifiedPerson {
  userId: string;
  email: string;
  displayName: string;
  roles: readonly Role[];
  /** IdP groups (read-only in cerebro). */
  idpGroups: readonly string[];
  source: SessionSource;
  grantUntil?: Date;
}

export class SignInService {
  constructor(
    private readonly deps: CerebroDeps,
    private readonly sessions: SessionService,
    private readonly groups: GroupsService,
    private readonly metrics: SignInMetrics,
  ) {}

  /** Accepts pending group invitations, creates the session; returns the cookie value. */
  async establish(person: VerifiedPerson): Promise<string> {
    await this.groups.acceptInvitations(person);
    const cerebroGroups = await this.groups.groupIdsOf(person.userId);
    const cookie = await this.sessions.create({
      userId: person.userId,
      email: person.email,
      displayName: person.displayName,
      roles: person.roles,
      groups: [...person.idpGroups, ...cerebroGroups],
      source: person.source,
      ...(person.grantUntil ? { grantUntil: person.grantUntil } : {}),
    });
    this.metrics.signIns.inc({ source: person.source, outcome: 'ok' });
    await audit(this.deps, {
      action: 'sign-in',
      actor: person.userId,
      source: person.source,
      outcome: 'ok',
      ...(person.source === 'provider' ? { providerAccess: true } : {}),
    });
    return cookie;
  }

  async refused(source: SessionSource, reason: string, actor?: string): Promise<void> {
    this.metrics.signIns.inc({ source, outcome: 'refused' });
    await audit(this.deps, {
      action: 'sign-in.refused',
      source,
      outcome: 'refused',
      reason,
      ...(actor ? { actor } : {}),
      ...(source === 'provider' ? { providerAccess: true } : {}),
    });
  }
}
