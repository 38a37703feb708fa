/**
 * The page frame: language, title, skip link, navigation for the signed-in person's role, one
 * main landmark, the stylesheet. Every form helper puts the CSRF token in; pages work without
 * JavaScript. Hub pages use the same `sendPage`.
 */
import type { Request, Response } from 'express';
import { hasRole } from '@cw/identity';
import { requestState } from '../http/session.js';
import { CSRF_FIELD } from '../http/csrf.js';
import { html, raw, type Html, type Part } from './html.js';

export interface NavItem {
  href: string;
  label: string;
  /** Shown only to this role or higher. @default viewer (any signed-in person) */
  minRole?: 'viewer' | 'developer' | 'sqa' | 'manager';
}

/** The hub appends its own items (e.g. Chat, Approvals) at registration. */
export const NAV: NavItem[] = [
  { href: '/', label: 'Home' },
  { href: '/groups', label: 'Groups' },
  { href: '/credentials', label: 'My Credentials' },
  { href: '/admin', label: 'Admin', minRole: 'manager' },
];

export interface PageOptions {
  title: string;
  body: Part;
  status?: number;
  /** Extra scripts under /assets (progressive enhancement only). */
  scripts?: string[];
  /** Site name shown in the header; set once at boot. */
}

let siteName = 'Cerebro';
export const setSiteName = (name: string): void => {
  siteName = name;
};

export function renderPage(req: Request, options: PageOptions): string {
  const state = requestState(req);
  const session = state.session;
  const nav = session ? NAV.filter((item) => hasRole(session, item.minRole ?? 'viewer')) : [];
  const current = req.path;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · ${siteName}</title>
        <link rel="stylesheet" href="/assets/cerebro.css" />
        ${(options.scripts ?? []).map((s) => html`<script src="/assets/${s}" defer></script>`)}
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="site-header">
          <a href="/" class="brand">${siteName}</a>
          ${
            nav.length
              ? html`<nav aria-label="Main"><ul>
                ${nav.map(
                  (item) =>
                    html`<li><a href="${item.href}"${raw(current === item.href ? ' aria-current="page"' : '')}>${item.label}</a></li>`,
                )}
              </ul></nav>`
              : ''
          }
          ${
            session
              ? html`<form method="post" action="/sign-out" class="sign-out">
                ${csrfField(req)}<span class="who">${session.displayName}${session.source === 'provider' ? ' (provider support)' : ''}</span>
                <button type="submit">Sign out</button>
              </form>`
              : ''
          }
        </header>
        <main id="main" tabindex="-1">${options.body}</main>
      </body>
    </html>`.value;
}

export function sendPage(req: Request, res: Response, options: PageOptions): void {
  res
    .status(options.status ?? 200)
    .type('html')
    .send(renderPage(req, options));
}

/** The hidden CSRF input every form carries. */
export const csrfField = (req: Request): Html =>
  html`<input type="hidden" name="${CSRF_FIELD}" value="${requestState(req).csrfToken}" />`;

/** A POST form with CSRF; `body` holds the fields and the submit button. */
export const postForm = (req: Request, action: string, body: Part, attrs = ''): Html =>
  html`<form method="post" action="${action}"${raw(attrs ? ` ${attrs}` : '')}>${csrfField(req)}${body}</form>`;

/** A one-button POST form (approve, remove, sign out everywhere…). */
export const actionButton = (req: Request, action: string, label: string, extra: Part = ''): Html =>
  postForm(req, action, html`${extra}<button type="submit">${label}</button>`, 'class="inline"');

export const messagePage = (
  req: Request,
  res: Response,
  title: string,
  paragraphs: Part[],
  status = 200,
): void =>
  sendPage(req, res, {
    title,
    status,
    body: html`<h1>${title}</h1>${paragraphs.map((p) => html`<p>${p}</p>`)}`,
  });

export const fmtTime = (iso: string | undefined): string =>
  iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—';
