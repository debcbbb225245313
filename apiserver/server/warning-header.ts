/**
 * The `Warning` header kube-apiserver sends (RFC 7234 style): `299 - "<text>"` per warning, joined
 * by commas. The text is a quoted-string: `"` and `\` are backslash-escaped. Node refuses header
 * values outside Latin-1 (and control characters anywhere), and a header that cannot be written
 * fails the response after the object was stored, so characters outside printable ASCII are
 * written as \uXXXX escapes: the value can always be sent, and clients still see which field.
 */

/** kube-apiserver stops adding warnings past 4 KiB of them. */
export const MAX_WARNINGS_BYTES = 4096;

function asciiSafe(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x20 && cp < 0x7f) {
      out += ch;
    } else if (cp <= 0xffff) {
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    } else {
      // Outside the BMP: the UTF-16 pair, as JSON would escape it.
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    }
  }
  return out;
}

function quoted(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** One header value for all `warnings` (deduplicated, in order), or undefined when there are none. */
export function warningHeader(warnings: readonly string[]): string | undefined {
  const parts: string[] = [];
  let size = 0;
  for (const w of new Set(warnings)) {
    const part = `299 - ${quoted(asciiSafe(w))}`;
    if (size + part.length > MAX_WARNINGS_BYTES) break;
    size += part.length + 2;
    parts.push(part);
  }
  return parts.length ? parts.join(', ') : undefined;
}
