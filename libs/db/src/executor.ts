import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { pgText } from './pg-text.js';

/** A Drizzle database or transaction over either driver (node-postgres or PGlite). */
export type Executor = PgDatabase<PgQueryResultHKT>;

/** Clock injected where time decides behaviour (expiry, grace periods), so tests can move it. */
export type Now = () => Date;
export const systemNow: Now = () => new Date();

/** Cuts long free text (errors from steps or Stripe) to what a row should hold. */
export const clip = (text: string | null | undefined, max = 4000): string | null =>
  text == null ? null : pgText(text.length > max ? `${text.slice(0, max - 1)}…` : text);
