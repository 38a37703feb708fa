/** The signed-in person as use cases take them (after the guard: a session is present). */
import type { Request } from 'express';
import { NotSignedInError } from './errors.js';
import { requestState } from './session.js';

export function actorOf(req: Request): {
  userId: string;
  email: string;
  displayName: string;
  roles: readonly string[];
  groups: readonly string[];
} {
  const { session, userId } = requestState(req);
  if (!session || !userId) throw new NotSignedInError();
  return {
    userId,
    email: session.email,
    displayName: session.displayName,
    roles: session.roles,
    groups: session.groups,
  };
}

export const formBody = (req: Request): Record<string, unknown> =>
  req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};

export const param = (req: Request, name: string): string => {
  const value = (req.params as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
};
