/**
 * Every route of cerebro with the least role that may use it: one table, one guard (like the
 * admin API's route table). Pages add rows; the hub adds its rows in registerHub. The role
 * matrix test walks this table, so a route without a row cannot exist.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { hasRole, type Role } from '@cw/identity';

/** `public`: anyone; `signed-in`: any session (= viewer); a role: that role or higher. */
export type Access = 'public' | 'signed-in' | Role;
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RouteHandler = (req: Request, res: Response, next: NextFunction) => unknown;

export interface RouteSpec {
  readonly method: HttpMethod;
  /** Express 5 path syntax (`/groups/:groupId`). */
  readonly path: string;
  readonly access: Access;
  readonly handler: RouteHandler;
  /**
   * CSRF check on non-GET requests. @default true. Turn off only for endpoints that never use the
   * session cookie for authority (bearer-token APIs, the OAuth token endpoint).
   */
  readonly csrf?: boolean;
  /** Short label for metrics and the role-matrix test. @default `${method} ${path}` */
  readonly name?: string;
}

export class RouteTable {
  private readonly rows: RouteSpec[] = [];

  add(...specs: RouteSpec[]): this {
    for (const spec of specs) {
      if (this.rows.some((r) => r.method === spec.method && r.path === spec.path)) {
        throw new Error(`route ${spec.method} ${spec.path} is registered twice`);
      }
      this.rows.push(spec);
    }
    return this;
  }

  get routes(): readonly RouteSpec[] {
    return this.rows;
  }
}

export const allows = (access: Access, roles: readonly Role[] | undefined): boolean => {
  if (access === 'public') return true;
  if (!roles) return false;
  if (access === 'signed-in') return true;
  return hasRole({ roles }, access);
};

/** Wraps async handlers so a rejected promise reaches the error handler. */
export const asyncHandler =
  (fn: RouteHandler): RequestHandler =>
  (req, res, next) => {
    try {
      const out = fn(req, res, next);
      if (out && typeof (out as Promise<unknown>).then === 'function') (out as Promise<unknown>).catch(next);
    } catch (error) {
      next(error);
    }
  };
