/**
 * Just enough PromQL to check our rules and dashboards without a Prometheus: a tokenizer, a
 * structural check (balanced brackets, known functions, well-formed label matchers and ranges)
 * and the metric names an expression reads. Grafana variables ($__rate_interval, $service) are
 * accepted where a duration or a label value may stand.
 */
const FUNCTIONS = new Set([
  'abs',
  'absent',
  'absent_over_time',
  'avg_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'count_over_time',
  'day_of_month',
  'day_of_week',
  'days_in_month',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_quantile',
  'holt_winters',
  'hour',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'last_over_time',
  'ln',
  'log10',
  'log2',
  'max_over_time',
  'min_over_time',
  'minute',
  'month',
  'predict_linear',
  'present_over_time',
  'quantile_over_time',
  'rate',
  'resets',
  'round',
  'scalar',
  'sgn',
  'sort',
  'sort_desc',
  'sqrt',
  'stddev_over_time',
  'stdvar_over_time',
  'sum_over_time',
  'time',
  'timestamp',
  'vector',
  'year',
]);
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
]);
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);
const MODIFIERS_WITH_LABELS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'punct'; text: string }
  | { kind: 'range'; text: string };

const DURATION = /^(\d+(ms|[smhdwy]))+$/;
const VARIABLE = /^\$(\w+|\{\w+\})$/;

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== c) j += expr[j] === '\\' && c !== '`' ? 2 : 1;
      if (j >= expr.length) throw new Error(`unterminated string at ${i}`);
      tokens.push({ kind: 'string', text: expr.slice(i + 1, j) });
      i = j + 1;
    } else if (c === '[') {
      const j = expr.indexOf(']', i);
      if (j < 0) throw new Error(`unclosed [ at ${i}`);
      tokens.push({ kind: 'range', text: expr.slice(i + 1, j).trim() });
      i = j + 1;
    } else if (/[0-9.]/.test(c)) {
      const m = /^(0x[0-9a-f]+|\d*\.?\d+(e[+-]?\d+)?(ms|[smhdwy])*)/i.exec(expr.slice(i))!;
      tokens.push({ kind: 'number', text: m[0] });
      i += Math.max(1, m[0].length);
    } else if (/[A-Za-z_:$]/.test(c)) {
      const m = /^(\$\{\w+\}|\$?[A-Za-z_:][A-Za-z0-9_:]*)/.exec(expr.slice(i))!;
      tokens.push({ kind: 'ident', text: m[0] });
      i += m[0].length;
    } else {
      const two = expr.slice(i, i + 2);
      const op = ['==', '!=', '>=', '<=', '=~', '!~'].includes(two) ? two : c;
      if (!'(){},+-*/%^=<>!'.includes(op[0]!))
        throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
      tokens.push({ kind: 'punct', text: op });
      i += op.length;
    }
  }
  return tokens;
}

function checkRange(text: string): void {
  // `5m`, `$__rate_interval`, or a subquery `1h:5m` / `1h:`.
  const parts = text.split(':');
  if (parts.length > 2) throw new Error(`bad range [${text}]`);
  parts.forEach((p, i) => {
    const t = p.trim();
    if (i === 1 && t === '') return;
    if (!DURATION.test(t) && !VARIABLE.test(t)) throw new Error(`bad duration "${t}" in [${text}]`);
  });
}

export interface ParsedPromQL {
  /** Metric names the expression selects, as written (with _bucket/_sum/_count). */
  readonly metrics: string[];
}

/** Checks the expression's structure and returns the metric names it reads; throws with the problem. */
export function parsePromQL(expr: string): ParsedPromQL {
  const tokens = tokenize(expr);
  const metrics = new Set<string>();
  const stack: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t.kind === 'range') {
      checkRange(t.text);
      continue;
    }
    if (t.kind === 'punct') {
      if (t.text === '(') stack.push(')');
      else if (t.text === '{') {
        i = checkMatchers(tokens, i + 1);
        continue;
      } else if (t.text === ')' || t.text === '}') {
        if (stack.pop() !== t.text) throw new Error(`unbalanced "${t.text}" in ${expr}`);
      }
      continue;
    }
    if (t.kind !== 'ident') continue;
    const word = t.text;
    if (VARIABLE.test(word)) continue;
    if (MODIFIERS_WITH_LABELS.has(word)) {
      // by (a, b) / on (x) / group_left (y): label lists, not metrics.
      if (next?.kind === 'punct' && next.text === '(') {
        const close = tokens.findIndex((x, k) => k > i && x.kind === 'punct' && x.text === ')');
        if (close < 0) throw new Error(`unclosed label list after ${word}`);
        i = close;
      }
      continue;
    }
    if (KEYWORDS.has(word.toLowerCase())) continue;
    if (next?.kind === 'punct' && next.text === '(') {
      if (!FUNCTIONS.has(word) && !AGGREGATIONS.has(word))
        throw new Error(`unknown function ${word}() in ${expr}`);
      continue;
    }
    // An aggregation written `sum by (x) (...)`.
    if (AGGREGATIONS.has(word) && next?.kind === 'ident' && MODIFIERS_WITH_LABELS.has(next.text)) continue;
    metrics.add(word);
  }
  if (stack.length) throw new Error(`unclosed "(" in ${expr}`);
  return { metrics: [...metrics].sort() };
}

/** Label matchers from just after `{` to the matching `}`; returns the index of `}`. */
function checkMatchers(tokens: Token[], from: number): number {
  let i = from;
  for (;;) {
    const t = tokens[i];
    if (!t) throw new Error('unclosed {');
    if (t.kind === 'punct' && t.text === '}') return i;
    const op = tokens[i + 1];
    const value = tokens[i + 2];
    if (
      t.kind !== 'ident' ||
      op?.kind !== 'punct' ||
      !['=', '!=', '=~', '!~'].includes(op.text) ||
      value?.kind !== 'string'
    ) {
      throw new Error(`bad label matcher near "${t.text}"`);
    }
    if (op.text.includes('~')) {
      try {
        new RegExp(`^(?:${value.text.replace(/\$\{?\w+\}?/g, 'x')})$`);
      } catch (error) {
        throw new Error(
          `bad regular expression in ${t.text}${op.text}"${value.text}": ${(error as Error).message}`,
        );
      }
    }
    i += 3;
    const sep = tokens[i];
    if (sep?.kind === 'punct' && sep.text === ',') i++;
  }
}

/** `x_bucket` / `x_sum` / `x_count` → `x` (the name a registry knows a histogram or summary by). */
export const baseMetricName = (name: string): string => name.replace(/_(bucket|sum|count)$/, '');
