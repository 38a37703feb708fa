/**
 * Sign-up input: raw JSON or form fields → a validated TenantSpec, or every problem named by its
 * field. Types and sizes are checked first (so oversized or wrong-typed values never reach the
 * model), then text is checked for invisible/bidi characters (the "unicode tricks" that make one
 * name look like another), then `validateTenantSpec` + `slugProblem` from libs/tenant-model
 * decide the rest. Issue paths of the model (`spec.cloud.region`) are mapped back to form fields.
 */
import {
  PLANS,
  isPlanName,
  slugProblem,
  suggestSlug,
  validateTenantSpec,
  type TenantSpec,
} from '@cw/tenant-model';
import type { FieldError } from '../errors.js';

export const SIGNUP_FIELDS = [
  'organisationName',
  'slug',
  'email',
  'plan',
  'seats',
  'cloud',
  'region',
  'isolation',
] as const;
export type SignupField = (typeof SIGNUP_FIELDS)[number];
/** Fields the form carries besides the sign-up itself: CSRF token and the honeypot. */
export const FORM_ONLY_FIELDS = ['_csrf', 'website'] as const;

export interface SignupDraft {
  organisationName: string;
  slug: string;
  email: string;
  spec: TenantSpec;
}

/** What the form shows back after an error: the submitted values as text. */
export type SignupValues = Partial<Record<SignupField, string>>;

const MAX_RAW = {
  organisationName: 200,
  slug: 100,
  email: 320,
  plan: 40,
  cloud: 40,
  region: 60,
  isolation: 40,
  seats: 12,
} as const;

// Control (Cc), format (Cf: bidi overrides, zero-width joiners, BOM), private-use (Co),
// unassigned (Cn) and line/paragraph separators (Zl, Zp).
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;
const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * RFC 5321 sizes with a conservative character set: ASCII only, so look-alike letters from other
 * scripts cannot imitate someone's address (internationalised domains must use their xn-- form).
 */
const EMAIL_RE =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function emailProblem(email: string): string | undefined {
  if (email.length === 0) return 'is required';
  if (email.length > 254) return 'must be at most 254 characters';
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7F]/.test(email))
    return 'must use plain ASCII characters (write an internationalised domain in its xn-- form)';
  const at = email.lastIndexOf('@');
  if (at > 64) return 'has a part before "@" longer than 64 characters';
  if (!EMAIL_RE.test(email)) return 'must be an e-mail address such as "ada@example.com"';
  return undefined;
}

/** Lower-cases the domain (case-insensitive by standard) but keeps the local part as typed. */
export const normaliseEmail = (email: string): string => {
  const at = email.lastIndexOf('@');
  return at < 0 ? email : `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
};

export function textProblem(value: string): string | undefined {
  const bad = INVISIBLE.exec(value);
  if (bad)
    return `must not contain invisible, control or direction-changing characters (found ${codePoint(bad[0])})`;
  return undefined;
}

const SPEC_PATH_TO_FIELD: Record<string, SignupField> = {
  'spec.displayName': 'organisationName',
  'spec.plan': 'plan',
  'spec.seats': 'seats',
  'spec.cloud': 'cloud',
  'spec.cloud.provider': 'cloud',
  'spec.cloud.region': 'region',
  'spec.isolation': 'isolation',
  'spec.hostname': 'slug',
};

/**
 * A name is shown on pages, e-mails and the workspace: it needs something a reader can see. Letters
 * (\p{L}) and digits (\p{Nd}) qualify; marks, format characters (ZWJ, ZWNJ, BOM), fillers (Hangul
 * filler U+3164, U+115F/U+1160, braille blank) and spaces do not. The fillers are letters by
 * category, so they are named.
 */
const VISIBLE_LETTER_OR_DIGIT = /(?![\u115F\u1160\u3164\uFFA0\u2800])[\p{L}\p{Nd}]/u;

export interface ParseOptions {
  baseDomain: string;
  /** Form posts carry every value as text; JSON must use real numbers for `seats`. */
  source: 'json' | 'form';
}

export type ParseResult =
  | { ok: true; draft: SignupDraft; values: SignupValues }
  | { ok: false; fields: FieldError[]; values: SignupValues };

export function parseSignupInput(raw: unknown, options: ParseOptions): ParseResult {
  const fields: FieldError[] = [];
  const values: SignupValues = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, fields: [{ path: '', message: 'must be an object of sign-up fields' }], values };
  }
  const input = raw as Record<string, unknown>;
  const known = new Set<string>([...SIGNUP_FIELDS, ...FORM_ONLY_FIELDS]);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) fields.push({ path: key.slice(0, 64), message: 'unknown field' });
  }
  const fail = (path: SignupField, message: string) => fields.push({ path, message });
  const text = (name: Exclude<SignupField, 'seats'>, required: boolean): string | undefined => {
    const value = input[name];
    if (value === undefined || value === null || value === '') {
      if (required) fail(name, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') {
      fail(name, Array.isArray(value) ? 'must be a single value' : `must be text (got ${typeof value})`);
      return undefined;
    }
    if (value.length > MAX_RAW[name]) {
      fail(name, `is too long (at most ${MAX_RAW[name]} characters)`);
      return undefined;
    }
    values[name] = value;
    const problem = textProblem(value);
    if (problem) {
      fail(name, problem);
      return undefined;
    }
    return value.normalize('NFC').trim();
  };

  const organisationName = text('organisationName', true);
  if (organisationName !== undefined && organisationName.length === 0)
    fail('organisationName', 'must not be blank');
  else if (organisationName !== undefined && !VISIBLE_LETTER_OR_DIGIT.test(organisationName))
    fail(
      'organisationName',
      'must contain at least one visible letter or digit (invisible characters, joiners, fillers and accents alone do not make a name)',
    );
  const rawSlug = text('slug', false);
  const emailText = text('email', true);
  const plan = text('plan', true);
  const cloud = text('cloud', true);
  const region = text('region', true);
  const isolationText = text('isolation', false);
  const seats = parseSeats(input.seats, options.source, fail, values);

  let email: string | undefined;
  if (emailText !== undefined) {
    const problem = emailProblem(emailText);
    if (problem) fail('email', problem);
    else email = normaliseEmail(emailText);
  }

  const slug =
    rawSlug !== undefined
      ? rawSlug.toLowerCase()
      : organisationName
        ? suggestSlug(organisationName)
        : undefined;
  if (slug !== undefined) {
    values.slug ??= slug;
    const problem = slugProblem(slug);
    if (problem) fail('slug', problem);
  }

  const isolation = isolationText || (plan && isPlanName(plan) ? PLANS[plan].isolation[0] : undefined);
  const candidate = {
    displayName: organisationName,
    plan,
    seats,
    cloud: { provider: cloud, region },
    isolation,
    hostname: slug ? `${slug}.${options.baseDomain}` : undefined,
  };
  const result = validateTenantSpec(candidate);
  if (!result.ok) {
    const already = new Set(fields.map((f) => f.path));
    for (const issue of result.issues) {
      const path = SPEC_PATH_TO_FIELD[issue.path] ?? issue.path;
      // A field already reported (missing, wrong type) needs no second message from the model.
      if (already.has(path)) continue;
      // No slug because no organisation name to derive it from: that field's error says it all.
      if (issue.path === 'spec.hostname' && slug === undefined) continue;
      // The hostname follows from the slug; its problems are slug problems in the form's words.
      const message =
        issue.path === 'spec.hostname'
          ? `makes the hostname "${slug}.${options.baseDomain}" invalid: ${issue.message}`
          : issue.message;
      fields.push({ path, message });
      already.add(path);
    }
  }
  if (fields.length > 0 || !result.ok || !email || !slug || !organisationName)
    return { ok: false, fields, values };
  return { ok: true, draft: { organisationName, slug, email, spec: result.value }, values };
}

function parseSeats(
  value: unknown,
  source: 'json' | 'form',
  fail: (path: SignupField, message: string) => void,
  values: SignupValues,
): number | undefined {
  if (value === undefined || value === null || value === '') {
    fail('seats', 'is required');
    return undefined;
  }
  if (typeof value === 'number') {
    values.seats = String(value);
    if (!Number.isInteger(value)) {
      fail('seats', `must be a whole number (got ${value})`);
      return undefined;
    }
    return value;
  }
  if (typeof value === 'string' && value.length <= MAX_RAW.seats) {
    values.seats = value;
    if (source === 'form' && /^\s*\d{1,6}\s*$/.test(value)) return Number(value.trim());
    fail(
      'seats',
      source === 'json' ? 'must be a number, not text' : `must be a whole number (got "${value}")`,
    );
    return undefined;
  }
  fail('seats', Array.isArray(value) ? 'must be a single value' : 'must be a whole number');
  return undefined;
}
