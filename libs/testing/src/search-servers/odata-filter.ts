/**
 * The subset of Azure AI Search's OData $filter language the knowledge adapter uses, evaluated
 * for real: eq/ne/gt/ge/lt/le, and/or/not, parentheses, search.in(field, 'a,b', ','), and
 * lambda `coll/any(x: …)`. Unknown syntax is a 400, as on the real service.
 */
export type Doc = Record<string, unknown>;
type Pred = (doc: Doc, vars: Record<string, unknown>) => boolean;

export class FilterSyntaxError extends Error {}

interface Tok {
  t: 'id' | 'str' | 'num' | 'sym';
  v: string;
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new FilterSyntaxError('unterminated string literal');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: 'str', v });
    } else if ('(),:'.includes(c)) out.push({ t: 'sym', v: src[i++]! });
    else if (/[-0-9]/.test(c)) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i));
      if (!m) throw new FilterSyntaxError(`unexpected "${c}"`);
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_./]*/.exec(src.slice(i));
      if (!m) throw new FilterSyntaxError(`unexpected "${c}" at ${i}`);
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

export function parseFilter(src: string): Pred {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const next = () => {
    const t = toks[p++];
    if (!t) throw new FilterSyntaxError('unexpected end of filter');
    return t;
  };
  const expect = (v: string) => {
    const t = next();
    if (t.v !== v) throw new FilterSyntaxError(`expected "${v}", got "${t.v}"`);
  };
  const value = (doc: Doc, vars: Record<string, unknown>, name: string): unknown =>
    name in vars ? vars[name] : doc[name];
  const literal = (): unknown => {
    const t = next();
    if (t.t === 'str') return t.v;
    if (t.t === 'num') return Number(t.v);
    if (t.t === 'id' && t.v === 'null') return null;
    if (t.t === 'id' && (t.v === 'true' || t.v === 'false')) return t.v === 'true';
    throw new FilterSyntaxError(`expected a literal, got "${t.v}"`);
  };
  const or = (): Pred => {
    let left = and();
    while (peek()?.v === 'or') {
      p++;
      const [l, r] = [left, and()];
      left = (d, v) => l(d, v) || r(d, v);
    }
    return left;
  };
  const and = (): Pred => {
    let left = unary();
    while (peek()?.v === 'and') {
      p++;
      const [l, r] = [left, unary()];
      left = (d, v) => l(d, v) && r(d, v);
    }
    return left;
  };
  const unary = (): Pred => {
    const t = next();
    if (t.v === 'not') {
      const inner = unary();
      return (d, v) => !inner(d, v);
    }
    if (t.v === '(') {
      const inner = or();
      expect(')');
      return inner;
    }
    if (t.t !== 'id') throw new FilterSyntaxError(`unexpected "${t.v}"`);
    if (t.v === 'search.in') {
      expect('(');
      const field = next().v;
      expect(',');
      const list = next();
      if (list.t !== 'str') throw new FilterSyntaxError('search.in expects a string list');
      let delim = ' ,';
      if (peek()?.v === ',') {
        p++;
        delim = next().v;
      }
      expect(')');
      const values = new Set(
        list.v.split(new RegExp(`[${delim.replace(/[\]\\^-]/g, '\\$&')}]`)).filter((x) => x !== ''),
      );
      return (d, v) => values.has(String(value(d, v, field)));
    }
    const any = /^(.+)\/any$/.exec(t.v);
    if (any) {
      expect('(');
      const variable = next().v;
      expect(':');
      const body = or();
      expect(')');
      return (d, v) => {
        const coll = value(d, v, any[1]!);
        return Array.isArray(coll) && coll.some((item) => body(d, { ...v, [variable]: item }));
      };
    }
    const op = next().v;
    const lit = literal();
    const field = t.v;
    const cmp: Record<string, (a: unknown, b: unknown) => boolean> = {
      eq: (a, b) => (a ?? null) === b,
      ne: (a, b) => (a ?? null) !== b,
      gt: (a, b) => (a as number) > (b as number),
      ge: (a, b) => (a as number) >= (b as number),
      lt: (a, b) => (a as number) < (b as number),
      le: (a, b) => (a as number) <= (b as number),
    };
    const f = cmp[op];
    if (!f) throw new FilterSyntaxError(`unknown operator "${op}"`);
    return (d, v) => f(value(d, v, field), lit);
  };
  const pred = or();
  if (p !== toks.length) throw new FilterSyntaxError(`unexpected "${toks[p]!.v}"`);
  return pred;
}
