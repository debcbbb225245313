import { errors } from '../errors.js';
import { compareBytes, labelKeyError, newRequirement } from './label-requirement.js';
import type { LabelOperator, LabelRequirement, LabelSelector } from './label-types.js';

/*
 * A port of the lexer and recursive-descent parser in k8s.io/apimachinery/pkg/labels/selector.go,
 * kept token-for-token so that what is accepted, how it is normalised and the error texts match.
 */

type Tok = 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'in' | '<' | '!=' | 'notin' | '(' | 'id';

interface Item {
  tok: Tok;
  lit: string;
}

const KEYWORDS: ReadonlyMap<string, Tok> = new Map<string, Tok>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['in', 'in'],
  ['<', '<'],
  ['!=', '!='],
  ['notin', 'notin'],
  ['(', '('],
]);

const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c) && c !== '';

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    if (isSpecial(s[pos])) {
      // Longest run of symbols that still forms a known operator.
      let buf = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        buf += s[pos];
        const tok = KEYWORDS.get(buf);
        if (tok) {
          last = { tok, lit: buf };
        } else if (last) {
          break;
        }
        pos++;
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    let buf = '';
    while (pos < s.length && !isSpecial(s[pos]) && !isWhitespace(s[pos])) buf += s[pos++];
    items.push({ tok: KEYWORDS.get(buf) ?? 'id', lit: buf });
  }
}

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  private position = 0;
  constructor(private readonly items: Item[]) {}

  /** In value position the keywords 'in' and 'notin' are ordinary identifiers. */
  private look(values: boolean): Item {
    const it = this.items[this.position];
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }

  private take(values: boolean): Item {
    const it = this.look(values);
    this.position++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.look(true);
      if (tok === 'eos') return reqs;
      if (tok !== 'id' && tok !== '!')
        throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (e) {
        throw new Error(`unable to parse requirement: ${(e as Error).message}`);
      }
      const next = this.take(true);
      if (next.tok === 'eos') return reqs;
      if (next.tok !== ',') throw new Error(`found '${next.lit}', expected: ',' or 'end of string'`);
      const after = this.look(true);
      if (after.tok !== 'id' && after.tok !== '!')
        throw new Error(`found '${after.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement {
    let unary: LabelOperator | undefined;
    let it = this.take(true);
    if (it.tok === '!') {
      unary = '!';
      it = this.take(true);
    }
    if (it.tok !== 'id') throw new Error(`found '${it.lit}', expected: identifier`);
    const key = it.lit;
    // The parser validates the key with no field path, which Go prints as <nil>.
    const keyErr = labelKeyError(key, '<nil>');
    if (keyErr) throw new Error(keyErr);
    const ahead = this.look(true).tok;
    if (ahead === 'eos' || ahead === ',') return newRequirement(key, unary ?? 'exists', []);
    if (unary) return newRequirement(key, unary, []);
    const op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(key, op, [...new Set(values)].sort(compareBytes));
  }

  private operator(): LabelOperator {
    const { tok, lit } = this.take(false);
    switch (tok) {
      case 'in':
      case 'notin':
      case '=':
      case '==':
      case '!=':
        return tok;
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new Error(`found '${lit}', expected: ${BINARY_OPERATORS}`);
    }
  }

  private valueSet(): string[] {
    const open = this.take(true);
    if (open.tok !== '(') throw new Error(`found '${open.lit}' expected: '('`);
    const first = this.look(true);
    if (first.tok === ')') {
      this.take(true);
      return [''];
    }
    if (first.tok !== 'id' && first.tok !== ',')
      throw new Error(`found '${first.lit}', expected: ',', ')' or identifier`);
    const values = this.identifierList();
    if (this.take(true).tok !== ')') throw new Error(`found '${first.lit}', expected: ')'`);
    return values;
  }

  /** Empty members ("(a,,b)", "(,a)", "(a,)") stand for the empty value. */
  private identifierList(): string[] {
    const out: string[] = [];
    for (;;) {
      const { tok, lit } = this.take(true);
      if (tok === 'id') {
        out.push(lit);
        const next = this.look(true);
        if (next.tok === ',') continue;
        if (next.tok === ')') return out;
        throw new Error(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok !== ',') throw new Error(`found '${lit}', expected: ',', or identifier`);
      if (out.length === 0) out.push('');
      const next = this.look(true).tok;
      if (next === ')') {
        out.push('');
        return out;
      }
      if (next === ',') {
        this.take(true);
        out.push('');
      }
    }
  }

  private exactValue(): string[] {
    const ahead = this.look(true).tok;
    if (ahead === 'eos' || ahead === ',') return [''];
    const { tok, lit } = this.take(true);
    if (tok === 'id') return [lit];
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

/**
 * labels.Parse: the `labelSelector` query syntax (`a=b,c!=d,e in (f,g),!h,i>3`). Requirements
 * come back sorted by key like Kubernetes sorts them. A syntax or validation problem throws a
 * 400 BadRequest carrying the message kube-apiserver sends.
 */
export function parseLabelSelector(s: string): LabelSelector {
  let requirements: LabelRequirement[];
  try {
    requirements = new Parser(lex(s)).parse();
  } catch (e) {
    throw errors.badRequest((e as Error).message);
  }
  requirements.sort((a, b) => compareBytes(a.key, b.key));
  return { nothing: false, requirements };
}
