/**
 * Server-rendered HTML without a template engine: `html` is a tagged template that escapes every
 * interpolated value unless it is already Html (built by `html` itself or `raw`). Arrays join.
 * (The same helper as the control plane's; apps may not import each other.)
 */
import { escapeHtml } from '@cw/mail';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const render = (part: Part): string => {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
};

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Trusted markup only (constants, already-escaped fragments). */
export const raw = (markup: string): Html => new Html(markup);

export const attrIf = (condition: boolean, attribute: string): Html => raw(condition ? ` ${attribute}` : '');
