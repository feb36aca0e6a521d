// Strict JSON reading and RFC 8785 (JCS) canonical form, as RECEIPTS.md needs them: JSON.parse silently keeps the
// last of two same-named members (which would let a second `record` hide the first) and rounds large integers, so
// receipts, leaves and payloads are read with this parser instead.

export const MAX_SAFE = 2 ** 53 - 1;

export class JsonError extends Error {}

/**
 * Parses JSON text. Objects are null-prototype objects (so "__proto__" is an ordinary member). Integers are Numbers
 * when safe, BigInt otherwise; fractions are Numbers only with `floats`, else an error. Returns { value, repeated }
 * where `repeated` is the JSON path of the first member given twice (null if none).
 */
export function parseJson(text, { floats = false } = {}) {
  let i = 0;
  let repeated = null;
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const fail = (why) => { throw new JsonError(`${why} at offset ${i}`); };
  const join = (path, k) => (path ? `${path}.${k}` : k);

  function value(path, depth) {
    if (depth > 64) fail('nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = Object.create(null);
      ws();
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a member name');
        const k = string();
        ws();
        if (text[i++] !== ':') fail('expected ":"');
        if (Object.prototype.hasOwnProperty.call(obj, k) && repeated === null) repeated = join(path, k);
        obj[k] = value(join(path, k), depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const arr = [];
      ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value(`${path}[${arr.length}]`, depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return arr; }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m) fail('unexpected character');
    i += m[0].length;
    if (m[2] || m[3]) {
      if (!floats) fail(`number ${m[0]} is not an integer`);
      const n = Number(m[0]);
      if (!Number.isFinite(n)) fail(`number ${m[0]} is out of range`);
      return n;
    }
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  }

  function string() {
    i++; // opening quote
    let out = '';
    for (;;) {
      const c = text[i++];
      if (c === undefined) fail('unterminated string');
      if (c === '"') return out;
      if (c < ' ') fail('control character in a string');
      if (c !== '\\') { out += c; continue; }
      const e = text[i++];
      const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }[e];
      if (simple !== undefined) { out += simple; continue; }
      if (e !== 'u' || !/^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) fail('bad escape');
      out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
      i += 4;
    }
  }

  const v = value('', 0);
  ws();
  if (i !== text.length) fail('trailing characters');
  return { value: v, repeated };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function str(s) {
  if (LONE_SURROGATE.test(s)) throw new JsonError('a string holds a lone surrogate (no UTF-8 form)');
  return JSON.stringify(s); // escapes exactly what RFC 8785 §3.2.2.2 escapes, lowercase \u00xx
}

/** RFC 8785 text of a value from parseJson. Integers must lie within ±(2^53−1) (I-JSON). */
export function canonicalize(v) {
  if (v === null || v === true || v === false) return String(v);
  if (typeof v === 'bigint') throw new JsonError(`integer ${v} is beyond 2^53-1`);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new JsonError('not a finite number');
    if (Number.isInteger(v) && !Number.isSafeInteger(v)) throw new JsonError(`integer ${v} is beyond 2^53-1`);
    return Object.is(v, -0) ? '0' : String(v); // ECMAScript Number→String is RFC 8785 §3.2.2.3
  }
  if (typeof v === 'string') return str(v);
  if (Array.isArray(v)) return `[${v.map(canonicalize).join(',')}]`;
  // Members sorted by UTF-16 code units (§3.2.3): JavaScript's default string order.
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${str(k)}:${canonicalize(v[k])}`).join(',')}}`;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();

/** Parses bytes that must be exactly RFC 8785: re-encodes and compares, so one value has one spelling. Throws JsonError. */
export function parseCanonical(bytes) {
  let text;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new JsonError('not UTF-8');
  }
  const { value, repeated } = parseJson(text);
  if (repeated) throw new JsonError(`${repeated} is given twice`);
  const again = utf8.encode(canonicalize(value));
  if (again.length !== bytes.length || again.some((b, k) => b !== bytes[k])) {
    throw new JsonError('not canonical RFC 8785 JSON (re-encoding gives different bytes)');
  }
  return value;
}
