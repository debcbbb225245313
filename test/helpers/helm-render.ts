/**
 * Renders a Helm chart the way `helm template` does, for exactly the subset of Helm's template
 * language that edgefed's charts use, and fails loudly on anything else (Helm itself cannot be
 * installed on our machines, and a chart that renders here must render the same under Helm).
 *
 * Supported:
 *   - text with `{{ ... }}` actions, `{{-` / `-}}` whitespace trimming, `{{/* comments *\/}}`
 *   - `{{ if PIPELINE }}` / `{{ else if PIPELINE }}` / `{{ else }}` / `{{ end }}`
 *   - `{{ define "name" }}...{{ end }}` (in any template, usually _helpers.tpl) and `include "name" .`
 *   - pipelines `a | f x | g`, parenthesised sub-pipelines, string and integer literals, true/false
 *   - fields `.`, `.Values.a.b`, `.Release.Name|Namespace|Service`, `.Chart.Name|Version|AppVersion`
 *   - functions: include toYaml indent nindent quote default required fail eq ne and or not printf
 *     trunc trimSuffix contains join
 *
 * Stricter than Helm on purpose: a `.Values` path that values.yaml (plus overrides) does not
 * define is an error (declare every value, even as "" or []), printing null/a map/a list directly is
 * an error (Helm prints "" or Go's map[...] text), and so are numeric `eq` (Helm compares float64
 * values with int literals and fails) and numbers of 1e6 or more (Helm prints them as 1e+06).
 * Anything else (range, with, variables, tpl, lookup, .Files, .Capabilities, other functions)
 * throws a TemplateError naming the file and line.
 *
 * Also here: kubernetesFieldErrors(), a structural check of built-in kinds against the Kubernetes
 * API types that @kubernetes/client-node is generated from, because edgefed's hub stores
 * built-in kinds without a schema and so accepts unknown fields that a real cluster rejects.
 *
 * Usage from a shell (prints what `helm template` would):
 *   npx tsx test/helpers/helm-render.ts helm/edgefed-hub [--namespace NS] [--name RELEASE] [--set a.b=c ...]
 */
import * as k8s from '@kubernetes/client-node';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
export type ValueMap = { [key: string]: Value };

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [key: string]: unknown;
}

export class TemplateError extends Error {}

// ---------------------------------------------------------------------------------------------
// Lexing: text and actions, with {{- and -}} trimming applied.

interface TextToken {
  kind: 'text';
  text: string;
}
interface ActionToken {
  kind: 'action';
  src: string;
  line: number;
  trimLeft: boolean;
  trimRight: boolean;
}
type Token = TextToken | ActionToken;

function lex(src: string, file: string): Token[] {
  const tokens: Token[] = [];
  const lineAt = (pos: number): number => src.slice(0, pos).split('\n').length;
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      tokens.push({ kind: 'text', text: src.slice(i) });
      break;
    }
    if (open > i) tokens.push({ kind: 'text', text: src.slice(i, open) });
    let j = open + 2;
    let trimLeft = false;
    if (src[j] === '-' && /\s/.test(src[j + 1] ?? '')) {
      trimLeft = true;
      j += 1;
    }
    let k = j;
    let close = -1;
    while (k < src.length) {
      const c = src[k];
      if (c === '"') {
        k++;
        while (k < src.length && src[k] !== '"') {
          if (src[k] === '\n') throw new TemplateError(`${file}:${lineAt(open)}: unterminated string`);
          if (src[k] === '\\') k++;
          k++;
        }
        k++;
        continue;
      }
      if (c === '`') {
        const end = src.indexOf('`', k + 1);
        if (end < 0) throw new TemplateError(`${file}:${lineAt(open)}: unterminated raw string`);
        k = end + 1;
        continue;
      }
      if (src.startsWith('}}', k)) {
        close = k;
        break;
      }
      k++;
    }
    if (close < 0) throw new TemplateError(`${file}:${lineAt(open)}: unclosed action`);
    let end = close;
    let trimRight = false;
    if (src[close - 1] === '-' && /\s/.test(src[close - 2] ?? '')) {
      trimRight = true;
      end = close - 1;
    }
    tokens.push({ kind: 'action', src: src.slice(j, end).trim(), line: lineAt(open), trimLeft, trimRight });
    i = close + 2;
  }
  tokens.forEach((t, n) => {
    if (t.kind !== 'action') return;
    const prev = tokens[n - 1];
    const next = tokens[n + 1];
    if (t.trimLeft && prev?.kind === 'text') prev.text = prev.text.replace(/\s+$/, '');
    if (t.trimRight && next?.kind === 'text') next.text = next.text.replace(/^\s+/, '');
  });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parsing actions: pipelines of commands over literals, fields and function calls.

type Expr =
  | { t: 'lit'; v: Value }
  | { t: 'field'; path: string[] }
  | { t: 'call'; fn: string; args: Expr[] }
  | { t: 'pipe'; cmds: Expr[] };

type Node =
  | { t: 'text'; s: string }
  | { t: 'out'; e: Expr; line: number }
  | { t: 'if'; branches: { cond: Expr; body: Node[] }[]; otherwise: Node[]; line: number };

const FUNCTIONS = new Set([
  'include',
  'toYaml',
  'indent',
  'nindent',
  'quote',
  'default',
  'required',
  'fail',
  'eq',
  'ne',
  'and',
  'or',
  'not',
  'printf',
  'trunc',
  'trimSuffix',
  'contains',
  'join',
]);

type Lexeme = { k: 'str' | 'num' | 'field' | 'ident' | 'punct'; v: string };

function lexAction(src: string, where: string): Lexeme[] {
  const out: Lexeme[] = [];
  let i = 0;
  while (i < src.length) {
    const rest = src.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    const c = src[i];
    if (c === '(' || c === ')' || c === '|') {
      out.push({ k: 'punct', v: c });
      i++;
      continue;
    }
    const str = /^"(?:[^"\\\n]|\\.)*"/.exec(rest);
    if (str) {
      out.push({ k: 'str', v: JSON.parse(str[0]) as string });
      i += str[0].length;
      continue;
    }
    const raw = /^`[^`]*`/.exec(rest);
    if (raw) {
      out.push({ k: 'str', v: raw[0].slice(1, -1) });
      i += raw[0].length;
      continue;
    }
    const num = /^-?\d+(?![\w.])/.exec(rest);
    if (num) {
      out.push({ k: 'num', v: num[0] });
      i += num[0].length;
      continue;
    }
    const field = /^(?:\.[A-Za-z_]\w*)+|^\.(?![\w.])/.exec(rest);
    if (field) {
      out.push({ k: 'field', v: field[0] });
      i += field[0].length;
      continue;
    }
    const ident = /^[A-Za-z_]\w*/.exec(rest);
    if (ident) {
      out.push({ k: 'ident', v: ident[0] });
      i += ident[0].length;
      continue;
    }
    throw new TemplateError(`${where}: unsupported syntax at ${JSON.stringify(rest.slice(0, 20))}`);
  }
  return out;
}

class ExprParser {
  private i = 0;
  constructor(
    private readonly lx: Lexeme[],
    private readonly where: string,
  ) {}

  static parse(src: string, where: string): Expr {
    const p = new ExprParser(lexAction(src, where), where);
    const e = p.pipeline();
    if (p.i !== p.lx.length) throw new TemplateError(`${where}: unexpected ${JSON.stringify(p.lx[p.i].v)}`);
    return e;
  }

  private peek(): Lexeme | undefined {
    return this.lx[this.i];
  }

  private pipeline(): Expr {
    const cmds = [this.command(true)];
    while (this.peek()?.v === '|' && this.peek()?.k === 'punct') {
      this.i++;
      const cmd = this.command(false);
      if (cmd.t !== 'call') throw new TemplateError(`${this.where}: only a function can follow |`);
      cmds.push(cmd);
    }
    return cmds.length === 1 ? cmds[0] : { t: 'pipe', cmds };
  }

  private command(first: boolean): Expr {
    const head = this.peek();
    if (!head) throw new TemplateError(`${this.where}: missing value`);
    if (head.k === 'ident' && !['true', 'false'].includes(head.v)) {
      this.i++;
      this.checkFunction(head.v);
      const args: Expr[] = [];
      for (let l = this.peek(); l && !(l.k === 'punct' && l.v !== '('); l = this.peek())
        args.push(this.operand());
      return { t: 'call', fn: head.v, args };
    }
    if (!first) throw new TemplateError(`${this.where}: only a function can follow |`);
    const v = this.operand();
    const next = this.peek();
    if (next && !(next.k === 'punct' && next.v !== '('))
      throw new TemplateError(
        v.t === 'field'
          ? `${this.where}: a field takes no arguments (methods such as .Files.Get are not in the subset)`
          : `${this.where}: ${JSON.stringify(next.v)} cannot follow a value`,
      );
    return v;
  }

  private operand(): Expr {
    const l = this.lx[this.i++];
    if (!l) throw new TemplateError(`${this.where}: missing operand`);
    if (l.k === 'punct' && l.v === '(') {
      const e = this.pipeline();
      const close = this.lx[this.i++];
      if (!close || close.v !== ')') throw new TemplateError(`${this.where}: missing )`);
      return e;
    }
    if (l.k === 'str') return { t: 'lit', v: l.v };
    if (l.k === 'num') return { t: 'lit', v: Number(l.v) };
    if (l.k === 'field') return { t: 'field', path: l.v === '.' ? [] : l.v.slice(1).split('.') };
    if (l.k === 'ident' && (l.v === 'true' || l.v === 'false')) return { t: 'lit', v: l.v === 'true' };
    if (l.k === 'ident') {
      this.checkFunction(l.v);
      throw new TemplateError(`${this.where}: function ${l.v} as an argument: wrap the call in ( )`);
    }
    throw new TemplateError(`${this.where}: unexpected ${JSON.stringify(l.v)}`);
  }

  private checkFunction(name: string): void {
    if (!FUNCTIONS.has(name))
      throw new TemplateError(
        `${this.where}: ${name} is not in the supported template subset (test/helpers/helm-render.ts)`,
      );
  }
}

interface Parsed {
  body: Node[];
  defines: Map<string, Node[]>;
}

function parseTemplate(src: string, file: string): Parsed {
  const defines = new Map<string, Node[]>();
  const root: Node[] = [];
  type Frame =
    | { kind: 'root'; body: Node[] }
    | { kind: 'define'; name: string; body: Node[]; line: number }
    | { kind: 'if'; node: Extract<Node, { t: 'if' }>; body: Node[]; hasElse: boolean };
  const stack: Frame[] = [{ kind: 'root', body: root }];
  const top = (): Frame => stack[stack.length - 1];
  for (const tok of lex(src, file)) {
    if (tok.kind === 'text') {
      if (tok.text) top().body.push({ t: 'text', s: tok.text });
      continue;
    }
    const where = `${file}:${tok.line}`;
    const s = tok.src;
    if (s.startsWith('/*')) {
      if (!s.endsWith('*/')) throw new TemplateError(`${where}: a comment must be the whole action`);
      continue;
    }
    const kw = /^([A-Za-z_]\w*)\b\s*(.*)$/s.exec(s);
    const word = kw?.[1];
    const rest = kw?.[2] ?? '';
    if (word === 'if') {
      const node: Extract<Node, { t: 'if' }> = { t: 'if', branches: [], otherwise: [], line: tok.line };
      const body: Node[] = [];
      node.branches.push({ cond: ExprParser.parse(rest, where), body });
      top().body.push(node);
      stack.push({ kind: 'if', node, body, hasElse: false });
    } else if (word === 'else') {
      const f = top();
      if (f.kind !== 'if' || f.hasElse) throw new TemplateError(`${where}: else without if`);
      if (/^if\b/.test(rest)) {
        const body: Node[] = [];
        f.node.branches.push({ cond: ExprParser.parse(rest.slice(2), where), body });
        f.body = body;
      } else if (rest === '') {
        f.hasElse = true;
        f.body = f.node.otherwise;
      } else throw new TemplateError(`${where}: unsupported else form: ${s}`);
    } else if (word === 'end') {
      if (rest) throw new TemplateError(`${where}: end takes no arguments`);
      const f = stack.pop();
      if (!f || f.kind === 'root') throw new TemplateError(`${where}: end without if or define`);
      if (f.kind === 'define') defines.set(f.name, f.body);
    } else if (word === 'define') {
      const m = /^"([^"]+)"$/.exec(rest);
      if (!m) throw new TemplateError(`${where}: define needs one "name"`);
      if (stack.length !== 1) throw new TemplateError(`${where}: define must be at the top level`);
      if (defines.has(m[1])) throw new TemplateError(`${where}: ${m[1]} defined twice`);
      stack.push({ kind: 'define', name: m[1], body: [], line: tok.line });
    } else if (word && ['range', 'with', 'template', 'block', 'break', 'continue', 'tpl'].includes(word)) {
      throw new TemplateError(
        `${where}: {{ ${word} }} is not in the supported template subset (test/helpers/helm-render.ts)`,
      );
    } else {
      if (s.includes('$') || s.includes(':='))
        throw new TemplateError(`${where}: template variables are not in the supported subset`);
      top().body.push({ t: 'out', e: ExprParser.parse(s, where), line: tok.line });
    }
  }
  const open = top();
  if (open.kind !== 'root')
    throw new TemplateError(
      open.kind === 'define'
        ? `${file}:${open.line}: unclosed define ${open.name}`
        : `${file}:${open.node.line}: unclosed if`,
    );
  return { body: root, defines };
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

function typeName(v: Value | undefined): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v === 'object' ? 'map' : typeof v;
}

/** Go template truth: false, 0, nil and empty strings, lists and maps are false. */
export function truthy(v: Value): boolean {
  if (v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function isMap(v: Value | undefined): v is ValueMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: Value, fn: string, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return printNumber(v, where);
  if (typeof v === 'boolean') return String(v);
  throw new TemplateError(`${where}: ${fn} needs a string, got ${typeName(v)}`);
}

function printNumber(n: number, where: string): string {
  if (!Number.isInteger(n) || Math.abs(n) >= 1e6)
    throw new TemplateError(
      `${where}: ${n} would print differently under Helm (float64: 1e+06, 0.5): quote it in values`,
    );
  return String(n);
}

class Renderer {
  constructor(private readonly defines: Map<string, Node[]>) {}

  render(nodes: Node[], dot: Value, file: string): string {
    let out = '';
    for (const n of nodes) {
      if (n.t === 'text') out += n.s;
      else if (n.t === 'out') {
        const where = `${file}:${n.line}`;
        const v = this.eval(n.e, dot, where);
        if (typeof v === 'string') out += v;
        else if (typeof v === 'number') out += printNumber(v, where);
        else if (typeof v === 'boolean') out += String(v);
        else
          throw new TemplateError(
            `${where}: printing a ${typeName(v)} (Helm would print ${v === null ? 'nothing' : "Go's map/list text"}); use toYaml or a scalar`,
          );
      } else {
        const where = `${file}:${n.line}`;
        const branch = n.branches.find((b) => truthy(this.eval(b.cond, dot, where)));
        out += this.render(branch ? branch.body : n.otherwise, dot, file);
      }
    }
    return out;
  }

  private eval(e: Expr, dot: Value, where: string): Value {
    switch (e.t) {
      case 'lit':
        return e.v;
      case 'field': {
        let v: Value = dot;
        const seen: string[] = [];
        for (const key of e.path) {
          if (!isMap(v))
            throw new TemplateError(`${where}: .${seen.join('.')} is a ${typeName(v)}, it has no .${key}`);
          if (!(key in v))
            throw new TemplateError(
              `${where}: .${[...seen, key].join('.')} is not defined${seen[0] === 'Values' ? ' (declare it in values.yaml)' : ''}`,
            );
          v = v[key];
          seen.push(key);
        }
        return v;
      }
      case 'pipe': {
        let v = this.eval(e.cmds[0], dot, where);
        for (const cmd of e.cmds.slice(1)) {
          if (cmd.t !== 'call') throw new TemplateError(`${where}: only a function can follow |`);
          v = this.call(cmd.fn, [...cmd.args.map((a) => this.eval(a, dot, where)), v], where);
        }
        return v;
      }
      case 'call':
        // and/or short-circuit as in Go 1.18+.
        if (e.fn === 'and' || e.fn === 'or') {
          if (e.args.length < 2) throw new TemplateError(`${where}: ${e.fn} needs two or more arguments`);
          let v: Value = null;
          for (const a of e.args) {
            v = this.eval(a, dot, where);
            if (truthy(v) === (e.fn === 'or')) return v;
          }
          return v;
        }
        return this.call(
          e.fn,
          e.args.map((a) => this.eval(a, dot, where)),
          where,
        );
    }
  }

  private call(fn: string, args: Value[], where: string): Value {
    const arity = (n: number): void => {
      if (args.length !== n)
        throw new TemplateError(`${where}: ${fn} takes ${n} argument(s), got ${args.length}`);
    };
    switch (fn) {
      case 'include': {
        arity(2);
        const name = str(args[0], fn, where);
        const body = this.defines.get(name);
        if (!body) throw new TemplateError(`${where}: include of undefined template ${JSON.stringify(name)}`);
        return this.render(body, args[1], `${where} > ${name}`);
      }
      case 'toYaml':
        arity(1);
        return args[0] === null
          ? 'null'
          : yaml.dump(args[0], { sortKeys: true, lineWidth: -1, noRefs: true }).replace(/\n$/, '');
      case 'indent':
      case 'nindent': {
        arity(2);
        if (typeof args[0] !== 'number') throw new TemplateError(`${where}: ${fn} needs a number first`);
        const pad = ' '.repeat(args[0]);
        const s = pad + str(args[1], fn, where).replace(/\n/g, `\n${pad}`);
        return fn === 'nindent' ? `\n${s}` : s;
      }
      case 'quote':
        return args
          .filter((a) => a !== null)
          .map((a) => JSON.stringify(str(a, fn, where)))
          .join(' ');
      case 'default':
        arity(2);
        return truthy(args[1]) ? args[1] : args[0];
      case 'required':
        arity(2);
        if (args[1] === null || args[1] === '') throw new TemplateError(str(args[0], fn, where));
        return args[1];
      case 'fail':
        arity(1);
        throw new TemplateError(str(args[0], fn, where));
      case 'eq':
      case 'ne': {
        arity(2);
        const [a, b] = args;
        const ok = (v: Value): boolean => typeof v === 'string' || typeof v === 'boolean';
        if (!ok(a) || !ok(b) || typeof a !== typeof b)
          throw new TemplateError(
            `${where}: ${fn} of ${typeName(a)} and ${typeName(b)}: only strings or booleans of one type (Helm fails on number comparisons)`,
          );
        return fn === 'eq' ? a === b : a !== b;
      }
      case 'and':
      case 'or': {
        if (args.length < 2) throw new TemplateError(`${where}: ${fn} needs two or more arguments`);
        const hit = args.find((a) => truthy(a) === (fn === 'or'));
        return hit === undefined ? args[args.length - 1] : hit;
      }
      case 'not':
        arity(1);
        return !truthy(args[0]);
      case 'printf': {
        // Helm's numbers are float64: %s and %d of one print "%!s(float64=1)", so numbers need %v.
        if (args.length < 1) throw new TemplateError(`${where}: printf needs a format`);
        const format = str(args[0], fn, where);
        if (/%[^%sv]/.test(format)) throw new TemplateError(`${where}: printf supports only %s, %v and %%`);
        const rest = args.slice(1);
        const s = format.replace(/%([%sv])/g, (_m, verb: string) => {
          if (verb === '%') return '%';
          if (rest.length === 0) throw new TemplateError(`${where}: printf has too few arguments`);
          const a = rest.shift() as Value;
          if (verb === 's' && typeof a !== 'string')
            throw new TemplateError(`${where}: printf %s of a ${typeName(a)} (use %v)`);
          return str(a, fn, where);
        });
        if (rest.length > 0) throw new TemplateError(`${where}: printf has too many arguments`);
        return s;
      }
      case 'trunc': {
        arity(2);
        if (typeof args[0] !== 'number' || args[0] < 0)
          throw new TemplateError(`${where}: trunc needs a non-negative length`);
        return str(args[1], fn, where).slice(0, args[0]);
      }
      case 'trimSuffix': {
        arity(2);
        const suffix = str(args[0], fn, where);
        const s = str(args[1], fn, where);
        return suffix && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
      }
      case 'contains':
        arity(2);
        return str(args[1], fn, where).includes(str(args[0], fn, where));
      case 'join': {
        arity(2);
        const list = args[1];
        if (!Array.isArray(list))
          throw new TemplateError(`${where}: join needs a list, got ${typeName(list)}`);
        return list.map((v) => str(v, fn, where)).join(str(args[0], fn, where));
      }
      default:
        throw new TemplateError(`${where}: ${fn} is not in the supported template subset`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Charts.

/** Helm's install order for the kinds we might use (InstallOrder in pkg/releaseutil); others go last. */
const INSTALL_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'Ingress',
];

export interface RenderOptions {
  /** Merged over values.yaml like `helm -f`/`--set`: maps merge, everything else replaces. */
  values?: ValueMap;
  release?: { name?: string; namespace?: string };
}

export interface RenderedChart {
  chart: { name: string; version: string; appVersion: string };
  values: ValueMap;
  /** The templates' objects, in Helm's install order. */
  objects: KubeObject[];
  /** Each template's rendered text, by path relative to the chart (as `helm template` heads them). */
  files: Map<string, string>;
  /** crds/: installed by Helm before the templates, never templated. */
  crds: { file: string; text: string; objects: KubeObject[] }[];
  notes: string;
}

export function mergeValues(base: ValueMap, over: ValueMap): ValueMap {
  const out: ValueMap = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isMap(b) && isMap(v) ? mergeValues(b, v) : v;
  }
  return out;
}

function loadYamlMap(file: string): ValueMap {
  const v = yaml.load(readFileSync(file, 'utf8')) as Value | undefined;
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw new TemplateError(`${file}: expected a map`);
  return v;
}

function parseObjects(text: string, file: string): KubeObject[] {
  const out: KubeObject[] = [];
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text);
  } catch (e) {
    throw new TemplateError(`${file}: rendered output is not YAML: ${(e as Error).message}\n${text}`);
  }
  for (const d of docs) {
    if (d === null || d === undefined) continue;
    const o = d as Partial<KubeObject>;
    if (typeof o !== 'object' || !o.apiVersion || !o.kind || !o.metadata?.name)
      throw new TemplateError(`${file}: a document without apiVersion, kind and metadata.name:\n${text}`);
    out.push(o as KubeObject);
  }
  return out;
}

export function renderChart(dir: string, opts: RenderOptions = {}): RenderedChart {
  const chartYaml = loadYamlMap(join(dir, 'Chart.yaml'));
  const chart = {
    name: String(chartYaml.name),
    version: String(chartYaml.version),
    appVersion: String(chartYaml.appVersion),
  };
  const values = mergeValues(loadYamlMap(join(dir, 'values.yaml')), opts.values ?? {});
  const chartObj: ValueMap = {};
  for (const [k, v] of Object.entries(chartYaml)) chartObj[k.charAt(0).toUpperCase() + k.slice(1)] = v;
  const top: ValueMap = {
    Values: values,
    Release: {
      Name: opts.release?.name ?? chart.name,
      Namespace: opts.release?.namespace ?? 'default',
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
      Revision: 1,
    },
    Chart: chartObj,
  };

  const tdir = join(dir, 'templates');
  const names = readdirSync(tdir).sort();
  const parsed = new Map<string, Parsed>();
  const defines = new Map<string, Node[]>();
  for (const n of names) {
    const path = join(tdir, n);
    if (statSync(path).isDirectory())
      throw new TemplateError(`${path}: template subdirectories are not supported`);
    if (!/\.(ya?ml|tpl)$/.test(n) && n !== 'NOTES.txt')
      throw new TemplateError(`${path}: only .yaml, .tpl and NOTES.txt are supported in templates/`);
    const p = parseTemplate(readFileSync(path, 'utf8'), `templates/${n}`);
    for (const [name, body] of p.defines) {
      if (defines.has(name)) throw new TemplateError(`templates/${n}: ${name} defined twice`);
      defines.set(name, body);
    }
    parsed.set(n, p);
  }
  const r = new Renderer(defines);
  const files = new Map<string, string>();
  let objects: KubeObject[] = [];
  let notes = '';
  for (const [n, p] of parsed) {
    const text = r.render(p.body, top, `templates/${n}`);
    if (n.startsWith('_')) {
      if (text.trim()) throw new TemplateError(`templates/${n}: a partial may only hold defines`);
      continue;
    }
    if (n === 'NOTES.txt') {
      notes = text;
      continue;
    }
    files.set(`${chart.name}/templates/${n}`, text);
    objects.push(...parseObjects(text, `templates/${n}`));
  }
  const rank = (k: string): number => {
    const i = INSTALL_ORDER.indexOf(k);
    return i < 0 ? INSTALL_ORDER.length : i;
  };
  objects = objects
    .map((o, i) => ({ o, i }))
    .sort((a, b) => rank(a.o.kind) - rank(b.o.kind) || a.i - b.i)
    .map(({ o }) => o);

  const crds: RenderedChart['crds'] = [];
  const cdir = join(dir, 'crds');
  if (existsSync(cdir)) {
    for (const n of readdirSync(cdir).sort()) {
      const text = readFileSync(join(cdir, n), 'utf8');
      if (text.includes('{{'))
        throw new TemplateError(`crds/${n}: Helm does not template crds/; this file holds {{`);
      crds.push({ file: n, text, objects: parseObjects(text, `crds/${n}`) });
    }
  }
  return { chart, values, objects, files, crds, notes };
}

/** Objects as one multi-document YAML stream (for `kubectl apply -f -`). */
export function toManifest(objects: object[]): string {
  return objects.map((o) => yaml.dump(o, { lineWidth: -1, noRefs: true })).join('---\n');
}

/** `a.b=c` as Helm's --set reads it (true/false/null/integers typed, the rest strings). */
export function parseSet(expr: string): ValueMap {
  const eq = expr.indexOf('=');
  if (eq < 1) throw new Error(`--set ${expr}: expected key=value`);
  const raw = expr.slice(eq + 1);
  let v: Value = raw;
  if (raw === 'true' || raw === 'false') v = raw === 'true';
  else if (raw === 'null') v = null;
  else if (/^-?\d+$/.test(raw)) v = Number(raw);
  const keys = expr.slice(0, eq).split('.');
  let out: ValueMap = { [keys[keys.length - 1]]: v };
  for (const k of keys.slice(0, -1).reverse()) out = { [k]: out };
  return out;
}

// ---------------------------------------------------------------------------------------------
// Structural check of built-in kinds against the Kubernetes API types (client-node's models).

interface AttributeType {
  baseName: string;
  type: string;
}
const MODELS = new Map<string, unknown>(Object.entries(k8s));

function attributes(model: string): AttributeType[] | undefined {
  const m = MODELS.get(model);
  if (typeof m !== 'function' || !('getAttributeTypeMap' in m)) return undefined;
  const get = (m as { getAttributeTypeMap: unknown }).getAttributeTypeMap;
  return typeof get === 'function' ? (get.call(m) as AttributeType[]) : undefined;
}

/** API groups Kubernetes itself serves: a kind of these that client-node does not know is an error. */
const BUILTIN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'policy',
  'autoscaling',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'coordination.k8s.io',
  'apiextensions.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
]);

/**
 * Unknown fields and wrong value types in a built-in object (stricter than Kubernetes in one way:
 * quantities must be strings, "1Gi" or "2", as client-node types them), against the API types of the
 * Kubernetes version @kubernetes/client-node was generated from; [] when none; undefined for kinds
 * of other groups (custom resources: the hub validates those against their CRD schema).
 */
export function kubernetesFieldErrors(obj: KubeObject): string[] | undefined {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  if (!BUILTIN_GROUPS.has(group)) return undefined;
  const prefix = version.charAt(0).toUpperCase() + version.slice(1);
  const model = [`${prefix}${obj.kind}`, `Core${prefix}${obj.kind}`].find((m) => attributes(m));
  const id = `${obj.kind} ${obj.metadata.name}`;
  if (!model) return [`${id}: ${obj.apiVersion} ${obj.kind} is not a Kubernetes kind`];
  const errors: string[] = [];
  check(obj, model, '', errors);
  return errors.map((e) => `${id}: ${e}`);
}

function check(v: unknown, type: string, path: string, errors: string[]): void {
  const bad = (what: string): void => void errors.push(`${path || '(object)'}: ${what}`);
  const at = (k: string | number): string =>
    typeof k === 'number' ? `${path}[${k}]` : path ? `${path}.${k}` : k;
  if (v === null || v === undefined) return;
  if (type === 'any') return;
  if (type === 'string' || type === 'Date') {
    if (typeof v !== 'string') bad(`expected a string, got ${JSON.stringify(v)}`);
    return;
  }
  if (type === 'number') {
    if (typeof v !== 'number') bad(`expected a number, got ${JSON.stringify(v)}`);
    return;
  }
  if (type === 'boolean') {
    if (typeof v !== 'boolean') bad(`expected a boolean, got ${JSON.stringify(v)}`);
    return;
  }
  if (type === 'IntOrString') {
    if (typeof v !== 'number' && typeof v !== 'string') bad(`expected an int or a string`);
    return;
  }
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) {
    if (!Array.isArray(v)) return bad('expected a list');
    v.forEach((x, i) => check(x, arr[1], at(i), errors));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof v !== 'object' || Array.isArray(v)) return bad('expected a map');
    for (const [k, x] of Object.entries(v)) check(x, map[1], at(k), errors);
    return;
  }
  const attrs = attributes(type);
  if (!attrs) return bad(`unknown type ${type} (helm-render.ts cannot check it)`);
  if (typeof v !== 'object' || Array.isArray(v)) return bad(`expected an object (${type})`);
  for (const [k, x] of Object.entries(v)) {
    const a = attrs.find((at) => at.baseName === k);
    if (!a) bad(`unknown field ${JSON.stringify(k)} (${type})`);
    else check(x, a.type, at(k), errors);
  }
}

// ---------------------------------------------------------------------------------------------
// As a command: print what `helm template` would.

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  let values: ValueMap = {};
  const release: { name?: string; namespace?: string } = {};
  let dir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--set') values = mergeValues(values, parseSet(argv[++i] ?? ''));
    else if (a === '-f' || a === '--values') values = mergeValues(values, loadYamlMap(argv[++i] ?? ''));
    else if (a === '--namespace' || a === '-n') release.namespace = argv[++i];
    else if (a === '--name') release.name = argv[++i];
    else dir = a;
  }
  if (!dir) {
    process.stderr.write(
      'usage: helm-render.ts CHART_DIR [--name R] [--namespace NS] [--set a.b=c] [-f values.yaml]\n',
    );
    process.exit(2);
  }
  try {
    const r = renderChart(dir, { values, release });
    for (const [f, text] of r.files)
      if (text.trim()) process.stdout.write(`---\n# Source: ${f}\n${text.replace(/^\s*---\s*\n/, '')}\n`);
    if (r.notes) process.stderr.write(`${basename(dir)} NOTES:\n${r.notes}\n`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
