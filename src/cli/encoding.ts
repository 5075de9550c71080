// A source file's bytes <-> its text, so that `--fix` writes back every byte it does not mean to change: the
// declared encoding (a Python `coding:` cookie, PEP 263; a UTF-8 BOM) is used both ways, and a file that does not
// survive decoding and encoding again unchanged (invalid UTF-8, an encoding we cannot write) is analysed but not fixed.
import type { Language } from '../core';

export interface DecodedSource {
  /** The text, without its BOM. */
  text: string;
  bom: boolean;
  /** The encoding used, by its canonical name ('utf-8', 'iso-8859-1', 'cp1252', 'ascii', or as declared). */
  encoding: string;
  /** Why the file cannot be written back byte for byte; absent when it can. */
  unwritable?: string;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** Python's canonical codec name for the spellings of the encodings we can write (CPython's alias table, in part). */
function canonicalEncoding(declared: string): string | undefined {
  // CPython's tokenizer: the first 12 characters, lower case, '_' as '-'; then codecs' own aliases.
  const name = declared.slice(0, 12).toLowerCase().replaceAll('_', '-');
  if (name === 'utf-8' || name.startsWith('utf-8-')) return 'utf-8';
  if (['latin-1', 'iso-8859-1', 'iso-latin-1'].some((n) => name === n || name.startsWith(`${n}-`))) return 'iso-8859-1';
  const codec = declared.toLowerCase().replaceAll(/[-\s]/g, '_');
  if (['utf8', 'u8', 'utf', 'utf_8', 'cp65001', 'utf8_ucs2', 'utf8_ucs4'].includes(codec)) return 'utf-8';
  if (['latin1', 'latin_1', 'l1', 'latin', 'iso8859_1', 'iso_8859_1', '8859', 'cp819', 'iso_ir_100', 'csisolatin1', 'ibm819'].includes(codec)) return 'iso-8859-1';
  if (['cp1252', 'windows_1252', '1252'].includes(codec)) return 'cp1252';
  if (['ascii', 'us_ascii', '646', 'us', 'ansi_x3.4_1968', 'cp367', 'csascii', 'ibm367', 'iso646_us', 'iso_646.irv_1991', 'iso_ir_6'].includes(codec)) return 'ascii';
  return undefined;
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\f';
const isNameChar = (c: string): boolean => /^[-\w.]$/.test(c);

/** PEP 263's `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)` on one line, spelled out. */
function cookieOf(line: string): string | undefined {
  let i = 0;
  while (i < line.length && isSpace(line[i])) i++;
  if (line[i] !== '#') return undefined;
  // Each occurrence of 'coding' is tried in turn, as the lazy `.*?` does: bounded by the line's length.
  for (let at = line.indexOf('coding', i); at >= 0; at = line.indexOf('coding', at + 1)) {
    let j = at + 6;
    if (line[j] !== ':' && line[j] !== '=') continue;
    j++;
    while (line[j] === ' ' || line[j] === '\t') j++;
    let end = j;
    while (end < line.length && isNameChar(line[end])) end++;
    if (end > j) return line.slice(j, end);
  }
  return undefined;
}

/** The first `count` lines of `bytes` as Latin-1 text (the cookie is ASCII), without their line breaks. */
function firstLines(bytes: Uint8Array, start: number, count: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let i = start; i < bytes.length && lines.length < count; i++) {
    const b = bytes[i];
    if (b === 0x0a || b === 0x0d) {
      lines.push(line);
      line = '';
      if (b === 0x0d && bytes[i + 1] === 0x0a) i++;
    } else if (line.length < 1024) {
      line += String.fromCharCode(b);
    }
  }
  if (lines.length < count && line) lines.push(line);
  return lines;
}

/** The encoding a Python file declares in its first two lines (PEP 263), if any. */
export function declaredPythonEncoding(bytes: Uint8Array, start = 0): string | undefined {
  const [first, second] = firstLines(bytes, start, 2);
  if (first === undefined) return undefined;
  const cookie = cookieOf(first);
  if (cookie) return cookie;
  // The second line counts only below a blank or comment line (CPython's tokenize.detect_encoding).
  const trimmed = first.trimStart();
  if (trimmed !== '' && !trimmed.startsWith('#')) return undefined;
  return second === undefined ? undefined : cookieOf(second);
}

// cp1252's bytes 0x80-0x9F; the five Python leaves undefined are absent.
const CP1252_HIGH = new Map<number, number>();
const CP1252_UNDEFINED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);
{
  const decoder = new TextDecoder('windows-1252');
  for (let b = 0x80; b <= 0x9f; b++) {
    if (!CP1252_UNDEFINED.has(b)) CP1252_HIGH.set(decoder.decode(Uint8Array.of(b)).charCodeAt(0), b);
  }
}

/** `text` in `encoding`, or undefined when some character has no byte in it. */
export function encodeText(text: string, encoding: string): Uint8Array | undefined {
  switch (encoding) {
    case 'utf-8': return Buffer.from(text, 'utf8');
    case 'ascii':
    case 'iso-8859-1': {
      const limit = encoding === 'ascii' ? 0x7f : 0xff;
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c > limit) return undefined;
        out[i] = c;
      }
      return out;
    }
    case 'cp1252': {
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        const b = c < 0x80 || (c >= 0xa0 && c <= 0xff) ? c : CP1252_HIGH.get(c);
        if (b === undefined) return undefined;
        out[i] = b;
      }
      return out;
    }
    default: return undefined;
  }
}

function decodeAs(bytes: Uint8Array, encoding: string): string | undefined {
  switch (encoding) {
    case 'utf-8':
      try {
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
      } catch {
        return undefined;
      }
    case 'ascii': return bytes.every((b) => b < 0x80) ? Buffer.from(bytes).toString('latin1') : undefined;
    // Node's 'latin1' is ISO-8859-1 (TextDecoder's 'latin1' label would be windows-1252).
    case 'iso-8859-1': return Buffer.from(bytes).toString('latin1');
    case 'cp1252': return bytes.some((b) => CP1252_UNDEFINED.has(b)) ? undefined : new TextDecoder('windows-1252').decode(bytes);
    default: return undefined;
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** A file's text by its declared encoding, and whether it can be written back unchanged. */
export function decodeSource(bytes: Uint8Array, language: Language): DecodedSource {
  const bom = UTF8_BOM.every((b, i) => bytes[i] === b);
  const body = bom ? bytes.subarray(3) : bytes;
  const lossy = (): string => new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
  if (bytes[0] === 0xff && bytes[1] === 0xfe || bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: new TextDecoder(bytes[0] === 0xff ? 'utf-16le' : 'utf-16be').decode(bytes.subarray(2)), bom: false, encoding: 'utf-16', unwritable: 'it is UTF-16, which is not fixed' };
  }
  const declared = language === 'python' ? declaredPythonEncoding(bytes, bom ? 3 : 0) : undefined;
  const encoding = declared === undefined ? 'utf-8' : canonicalEncoding(declared);
  if (encoding === undefined) {
    return { text: lossy(), bom, encoding: declared!, unwritable: `its declared encoding '${declared}' is not one that fixes can write back (UTF-8, Latin-1, cp1252, ASCII)` };
  }
  if (bom && encoding !== 'utf-8') {
    return { text: lossy(), bom, encoding, unwritable: `it has a UTF-8 BOM but declares '${declared}'` };
  }
  const text = decodeAs(body, encoding);
  if (text === undefined) {
    return { text: lossy(), bom, encoding, unwritable: `it holds bytes that are not valid ${encoding === 'utf-8' ? 'UTF-8' : encoding}` };
  }
  // The guarantee fixes rely on: decoding then encoding gives back exactly the file's bytes.
  const again = encodeText(text, encoding);
  if (!again || !sameBytes(again, body)) return { text, bom, encoding, unwritable: `its bytes do not survive decoding as ${encoding} and encoding again` };
  return { text, bom, encoding };
}

/** The bytes to write for `text` in the source's encoding (BOM kept), or why it cannot be written. */
export function encodeSource(source: DecodedSource, text: string): Uint8Array | string {
  if (source.unwritable) return source.unwritable;
  const body = encodeText(text, source.encoding);
  if (!body) return `the fixed text has characters that ${source.encoding} cannot hold`;
  return source.bom ? Buffer.concat([Buffer.from(UTF8_BOM), body]) : body;
}
