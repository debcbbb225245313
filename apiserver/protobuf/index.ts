// Decoding of Kubernetes protobuf request bodies (Content-Type: application/vnd.kubernetes.protobuf) into
// the object's Kubernetes JSON form. The body is the 4-byte magic "k8s\0" followed by a runtime.Unknown
// whose raw bytes are the object encoded per the k8s.io/api generated.proto files vendored under ./proto.
// The decoded message is converted with a walk driven by the .proto schema: proto field names are the
// JSON names (with the few exceptions in JSON_NAMES), and the apimachinery wrapper types (Time, MicroTime,
// Duration, Quantity, IntOrString, RawExtension, FieldsV1, apiextensions JSON and JSONSchemaPropsOr*) are
// written the way their Go MarshalJSON methods write them.
import type { Type } from 'protobufjs';
import { ApiError, errors } from '../errors.js';
import {
  ALWAYS_EMITTED,
  INLINE_FIELDS,
  JSON_NAMES,
  PKG,
  POINTER_SCALARS,
  kubeProtoRoot,
  messageNameFor,
  supportedKinds,
} from './schema.js';

export { kubeProtoRoot, messageNameFor, supportedKinds };

/** The media type of Kubernetes protobuf bodies. */
export const KUBE_PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/** The 4 bytes every Kubernetes protobuf body starts with: "k8s\0". */
export const KUBE_PROTOBUF_MAGIC: Readonly<Uint8Array> = Uint8Array.from([0x6b, 0x38, 0x73, 0x00]);

/** True for `application/vnd.kubernetes.protobuf`, with or without parameters. */
export function isKubeProtobufContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === KUBE_PROTOBUF_CONTENT_TYPE;
}

export interface DecodedKubeObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Msg = Record<string, unknown>;

/** Nesting deeper than this is rejected (recursive JSONSchemaProps could otherwise exhaust the stack). */
const MAX_DEPTH = 256;

/**
 * Decodes a Kubernetes protobuf body into `{apiVersion, kind, object}`, where `object` is exactly the
 * Kubernetes JSON form of the object (apiVersion and kind set). Throws a 400 BadRequest ApiError for a
 * malformed body, an unsupported content encoding, or a kind this decoder does not know.
 */
export function decodeKubeProtobuf(body: Buffer): DecodedKubeObject {
  if (body.length < KUBE_PROTOBUF_MAGIC.length || !KUBE_PROTOBUF_MAGIC.every((b, i) => body[i] === b)) {
    throw errors.badRequest('the protobuf request body does not start with the Kubernetes "k8s\\x00" prefix');
  }
  const root = kubeProtoRoot();
  let unknown: Msg;
  try {
    unknown = root
      .lookupType(`${PKG.runtime}.Unknown`)
      .decode(body.subarray(KUBE_PROTOBUF_MAGIC.length)) as unknown as Msg;
  } catch (e) {
    throw malformed(e);
  }
  const typeMeta = (unknown.typeMeta ?? {}) as Msg;
  const apiVersion = typeof typeMeta.apiVersion === 'string' ? typeMeta.apiVersion : '';
  const kind = typeof typeMeta.kind === 'string' ? typeMeta.kind : '';
  if (apiVersion === '' || kind === '') {
    throw errors.badRequest(
      'the protobuf request body has no apiVersion/kind in its runtime.Unknown envelope',
    );
  }
  const contentEncoding = typeof unknown.contentEncoding === 'string' ? unknown.contentEncoding : '';
  if (contentEncoding !== '') {
    throw errors.badRequest(
      `the protobuf request body uses unsupported content encoding "${contentEncoding}"`,
    );
  }
  const raw = unknown.raw instanceof Uint8Array ? unknown.raw : new Uint8Array(0);
  const contentType = (typeof unknown.contentType === 'string' ? unknown.contentType : '')
    .split(';')[0]
    .trim();
  if (contentType === 'application/json') {
    const parsed = parseJsonBytes(raw, 'runtime.Unknown raw');
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw errors.badRequest('the protobuf request body wraps JSON that is not an object');
    }
    return { apiVersion, kind, object: { ...parsed, apiVersion, kind } };
  }
  if (contentType !== '' && contentType !== KUBE_PROTOBUF_CONTENT_TYPE) {
    throw errors.badRequest(`the protobuf request body wraps unsupported content type "${contentType}"`);
  }
  const messageName = messageNameFor(apiVersion, kind);
  if (!messageName) {
    throw errors.badRequest(
      `decoding ${apiVersion}, Kind=${kind} from ${KUBE_PROTOBUF_CONTENT_TYPE} is not supported; send application/json`,
    );
  }
  const type = root.lookupType(messageName);
  let msg: Msg;
  try {
    msg = type.decode(raw) as unknown as Msg;
  } catch (e) {
    throw malformed(e);
  }
  let converted: Json | undefined;
  try {
    converted = convertMessage(type, msg, 0);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw malformed(e);
  }
  const fields =
    converted !== null && typeof converted === 'object' && !Array.isArray(converted) ? converted : {};
  return { apiVersion, kind, object: { apiVersion, kind, ...fields } };
}

function malformed(e: unknown): ApiError {
  const detail = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return errors.badRequest(`the protobuf request body could not be decoded: ${detail}`);
}

function has(msg: Msg, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(msg, name) && msg[name] !== null && msg[name] !== undefined;
}

/** int64 values arrive as Long objects (protobufjs + long) or plain numbers. */
function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return Number(v);
  if (v !== null && typeof v === 'object' && 'low' in v && 'high' in v) {
    const { low, high, unsigned } = v as { low: number; high: number; unsigned?: boolean };
    const hi = unsigned ? high >>> 0 : high | 0;
    return hi * 4294967296 + (low >>> 0);
  }
  return 0;
}

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (v !== null && typeof v === 'object' && 'low' in v && 'high' in v) {
    const { low, high } = v as { low: number; high: number };
    return (BigInt(high | 0) << 32n) + BigInt(low >>> 0);
  }
  return 0n;
}

function bytesOf(v: unknown): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(0);
}

function parseJsonBytes(bytes: Uint8Array, what: string): Json {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw errors.badRequest(
      `the protobuf request body holds invalid JSON in ${what}: ${(e as Error).message}`,
    );
  }
}

function shortName(type: Type): string {
  return type.name;
}

function fullName(type: Type): string {
  return type.fullName.startsWith('.') ? type.fullName.slice(1) : type.fullName;
}

function scalarJson(fieldType: string, v: unknown): Json {
  switch (fieldType) {
    case 'string':
      return typeof v === 'string' ? v : String(v);
    case 'bool':
      return v === true;
    case 'bytes':
      return Buffer.from(bytesOf(v)).toString('base64');
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return toNumber(v);
    default:
      return typeof v === 'number' ? v : toNumber(v);
  }
}

function isZeroScalar(j: Json): boolean {
  return j === '' || j === 0 || j === false;
}

/** RFC 3339 with second precision in UTC, as metav1.Time marshals. */
function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with microsecond precision in UTC, as metav1.MicroTime marshals. */
function formatMicroTime(seconds: number, nanos: number): string {
  const micros = String(Math.floor(nanos / 1000)).padStart(6, '0');
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, `.${micros}Z`);
}

/** Go's time.Duration.String(). */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  const sign = neg ? '-' : '';
  const frac = (value: bigint, digits: number): string => {
    const s = value.toString().padStart(digits, '0').replace(/0+$/, '');
    return s === '' ? '' : `.${s}`;
  };
  if (u < 1_000_000_000n) {
    if (u < 1000n) return `${sign}${u}ns`;
    if (u < 1_000_000n) return `${sign}${u / 1000n}${frac(u % 1000n, 3)}µs`;
    return `${sign}${u / 1_000_000n}${frac(u % 1_000_000n, 6)}ms`;
  }
  const nanos = u % 1_000_000_000n;
  u /= 1_000_000_000n;
  const secs = u % 60n;
  u /= 60n;
  let out = `${secs}${frac(nanos, 9)}s`;
  if (u > 0n) {
    const mins = u % 60n;
    const hours = u / 60n;
    out = `${mins}m${out}`;
    if (hours > 0n) out = `${hours}h${out}`;
  }
  return sign + out;
}

/**
 * The JSON value of a message, or undefined when Go would omit it (a zero Time/MicroTime, an empty
 * RawExtension/JSON). `msg` may be null for a map entry without a value (treated as the empty message).
 */
function convertMessage(type: Type, msgIn: Msg | null, depth: number): Json | undefined {
  if (depth > MAX_DEPTH) throw errors.badRequest('the protobuf request body nests objects too deeply');
  const msg: Msg = msgIn ?? {};
  const special = convertSpecial(type, msg, depth);
  if (special !== NOT_SPECIAL) return special;
  const out: JsonObject = {};
  const owner = shortName(type);
  for (const field of type.fieldsArray) {
    const key = `${owner}.${field.name}`;
    const jsonName = JSON_NAMES.get(key) ?? field.name;
    const value = msg[field.name];
    const sub = field.resolvedType;
    if (field.map) {
      if (value === null || typeof value !== 'object') continue;
      const entries = Object.entries(value as Msg);
      if (entries.length === 0) continue;
      const obj: JsonObject = {};
      for (const [k, v] of entries) {
        if (sub && 'fieldsArray' in sub) {
          const conv = convertMessage(sub as Type, (v ?? null) as Msg | null, depth + 1);
          obj[k] = conv === undefined ? null : conv;
        } else {
          obj[k] = scalarJson(field.type, v);
        }
      }
      out[jsonName] = obj;
      continue;
    }
    if (field.repeated) {
      if (!Array.isArray(value) || value.length === 0) continue;
      out[jsonName] = value.map((v: unknown) => {
        if (sub && 'fieldsArray' in sub) {
          const conv = convertMessage(sub as Type, (v ?? null) as Msg | null, depth + 1);
          return conv === undefined ? null : conv;
        }
        return scalarJson(field.type, v);
      });
      continue;
    }
    if (!has(msg, field.name)) continue;
    if (sub && 'fieldsArray' in sub) {
      const conv = convertMessage(sub as Type, value as Msg, depth + 1);
      if (conv === undefined) continue;
      if (INLINE_FIELDS.has(key)) {
        if (conv !== null && typeof conv === 'object' && !Array.isArray(conv)) Object.assign(out, conv);
        continue;
      }
      out[jsonName] = conv;
      continue;
    }
    const j = scalarJson(field.type, value);
    if (isZeroScalar(j) && !POINTER_SCALARS.has(key) && !ALWAYS_EMITTED.has(key)) continue;
    out[jsonName] = j;
  }
  return out;
}

const NOT_SPECIAL = Symbol('not special');

function convertSpecial(type: Type, msg: Msg, depth: number): Json | undefined | typeof NOT_SPECIAL {
  switch (fullName(type)) {
    case `${PKG.meta}.Time`:
    case `${PKG.meta}.Timestamp`:
      // A zero metav1.Time marshals to no bytes at all; JSON would say null, which we omit.
      if (!has(msg, 'seconds') && !has(msg, 'nanos')) return undefined;
      return formatTime(toNumber(msg.seconds));
    case `${PKG.meta}.MicroTime`:
      if (!has(msg, 'seconds') && !has(msg, 'nanos')) return undefined;
      return formatMicroTime(toNumber(msg.seconds), toNumber(msg.nanos));
    case `${PKG.meta}.Duration`:
      return formatGoDuration(toBigInt(msg.duration));
    case `${PKG.meta}.FieldsV1`: {
      const raw = bytesOf(msg.Raw);
      return raw.length === 0 ? undefined : parseJsonBytes(raw, 'FieldsV1');
    }
    case `${PKG.resource}.Quantity`:
    case `${PKG.resource}.QuantityValue`: {
      const s = typeof msg.string === 'string' ? msg.string : '';
      return s === '' ? '0' : s;
    }
    case `${PKG.intstr}.IntOrString`:
      return toNumber(msg.type) === 1
        ? typeof msg.strVal === 'string'
          ? msg.strVal
          : ''
        : toNumber(msg.intVal);
    case `${PKG.runtime}.RawExtension`:
      return rawExtension(bytesOf(msg.raw), depth);
    case `${PKG.apiextensions}.JSON`: {
      const raw = bytesOf(msg.raw);
      return raw.length === 0 ? undefined : parseJsonBytes(raw, 'JSON');
    }
    case `${PKG.apiextensions}.JSONSchemaPropsOrArray`: {
      const props = type.root.lookupType(`${PKG.apiextensions}.JSONSchemaProps`);
      const list = Array.isArray(msg.jSONSchemas) ? (msg.jSONSchemas as unknown[]) : [];
      if (list.length > 0)
        return list.map((s) => convertMessage(props, (s ?? null) as Msg | null, depth + 1) ?? null);
      return has(msg, 'schema') ? (convertMessage(props, msg.schema as Msg, depth + 1) ?? null) : null;
    }
    case `${PKG.apiextensions}.JSONSchemaPropsOrBool`: {
      const props = type.root.lookupType(`${PKG.apiextensions}.JSONSchemaProps`);
      if (has(msg, 'schema')) return convertMessage(props, msg.schema as Msg, depth + 1) ?? null;
      return msg.allows === true;
    }
    case `${PKG.apiextensions}.JSONSchemaPropsOrStringArray`: {
      const props = type.root.lookupType(`${PKG.apiextensions}.JSONSchemaProps`);
      const list = Array.isArray(msg.property) ? (msg.property as unknown[]) : [];
      if (list.length > 0) return list.map((s) => String(s));
      return has(msg, 'schema') ? (convertMessage(props, msg.schema as Msg, depth + 1) ?? null) : null;
    }
    default:
      return NOT_SPECIAL;
  }
}

/** A RawExtension holds JSON, or (inside protobuf objects) a nested "k8s\0" protobuf object. */
function rawExtension(raw: Uint8Array, depth: number): Json | undefined {
  if (raw.length === 0) return undefined;
  if (raw.length >= 4 && KUBE_PROTOBUF_MAGIC.every((b, i) => raw[i] === b)) {
    if (depth > MAX_DEPTH) throw errors.badRequest('the protobuf request body nests objects too deeply');
    return decodeKubeProtobuf(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)).object as JsonObject;
  }
  return parseJsonBytes(raw, 'RawExtension');
}
