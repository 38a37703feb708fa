/** The page frame: language, title, skip link, one main landmark, styles and optional script. */
import { html, type Html } from './html.js';

export interface PageOptions {
  title: string;
  body: Html;
  script?: string;
  /** Reload every N seconds when scripts are off (live pages only). */
  noscriptRefreshSeconds?: number;
}

export function page(options: PageOptions): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · ContextWeaver</title>
        <link rel="stylesheet" href="/assets/app.css" />
        ${options.noscriptRefreshSeconds ? html`<noscript><meta http-equiv="refresh" content="${options.noscriptRefreshSeconds}" /></noscript>` : ''}
        ${options.script ? html`<script src="/assets/${options.script}" defer></script>` : ''}
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="site-header"><a href="/" class="brand">ContextWeaver</a></header>
        <main id="main" tabindex="-1">${options.body}</main>
        <footer class="site-footer"><p>ContextWeaver platform</p></footer>
      </body>
    </html> `.value;
}

export function messagePage(title: string, paragraphs: (string | Html)[], extra?: Html): string {
  return page({
    title,
    body: html`<h1>${title}</h1>
      ${paragraphs.map((p) => html`<p>${p}</p>`)}${extra ?? ''}`,
  });
}
