// C2SP signed notes (signed-note.md), tlog-checkpoint bodies (tlog-checkpoint.md) and tlog-cosignature/v1 lines,
// as SIGNATURES.md profiles them: Ed25519 (type 0x01), ECDSA P-256 (0x02), SM2-with-SM3 (0xff "sm2-sm3"),
// witness cosignatures (0x04). Ed25519 and ECDSA go through WebCrypto; SM2 through sm2.js.

import { sm2Verify, isSm2Spki, parsePublicKey as parseSm2Key } from './sm2.js';
import { concat, equalBytes } from './merkle.js';

const utf8 = new TextEncoder();
export const SIG_PREFIX = '\u2014 '; // U+2014 EM DASH and a space start every signature line

export const TYPE = { ED25519: 0x01, ECDSA_P256: 0x02, COSIGNATURE: 0x04, OTHER: 0xff };
const SM2_ID = utf8.encode('sm2-sm3');
const ED25519_SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const P256_OID = Uint8Array.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);

// ------------------------------------------------------------------------------------------------------ encodings
export const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export function fromHex(s) {
  if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new Error('not hex');
  return Uint8Array.from(s.match(/../g) || [], (h) => parseInt(h, 16));
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? B64[n & 63] : '=');
  }
  return s;
}

/** Strict standard base64 with padding → bytes, or null. Canonical: re-encoding gives the same text (one spelling). */
export function fromBase64(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n = [0, 1, 2, 3].reduce((acc, j) => (acc << 6) | (text[i + j] === '=' ? 0 : B64.indexOf(text[i + j])), 0);
    for (const b of [n >> 16, (n >> 8) & 255, n & 255]) if (o < out.length) out[o++] = b;
  }
  return toBase64(out) === text ? out : null;
}

export function pemToDer(pem) {
  const m = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/.exec(pem || '');
  if (!m) throw new Error('no BEGIN PUBLIC KEY block');
  const der = fromBase64(m[1].replace(/\s+/g, ''));
  if (!der) throw new Error('the PEM body is not base64');
  return der;
}

// ------------------------------------------------------------------------------------------------------------ keys
/** C2SP key names: non-empty, no whitespace, no '+'. */
export const validKeyName = (name) => typeof name === 'string' && name.length > 0 && !/[\s+]/u.test(name);

/** Key id: SHA-256(name ‖ 0x0A ‖ type ‖ material)[:4] (signed-note.md; SIGNATURES.md). */
export async function keyId(name, typeAndMaterial) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', concat(utf8.encode(name), Uint8Array.of(0x0a), typeAndMaterial)));
  return d.subarray(0, 4);
}

/**
 * A note verifier key: { name, kind: 'ed25519'|'ecdsa-p256'|'sm2'|'cosignature', typeByte, material, id, idHex,
 * label ("name+idhex"), spki (DER, for ed25519/ecdsa/sm2) }.
 */
async function makeKey(name, typeAndMaterial) {
  if (!validKeyName(name)) throw new Error(`bad key name "${name}"`);
  const typeByte = typeAndMaterial[0];
  const material = typeAndMaterial.subarray(1);
  let kind;
  let spki = null;
  if (typeByte === TYPE.ED25519 || typeByte === TYPE.COSIGNATURE) {
    if (material.length !== 32) throw new Error('an Ed25519 key is 32 bytes');
    kind = typeByte === TYPE.ED25519 ? 'ed25519' : 'cosignature';
    spki = concat(ED25519_SPKI_PREFIX, material);
  } else if (typeByte === TYPE.ECDSA_P256) {
    kind = 'ecdsa-p256';
    spki = material;
  } else if (typeByte === TYPE.OTHER && equalBytes(material.subarray(0, SM2_ID.length), SM2_ID)) {
    kind = 'sm2';
    spki = material.subarray(SM2_ID.length);
    parseSm2Key(spki); // throws unless a point on sm2p256v1
  } else {
    throw new Error(`unsupported key type 0x${typeByte.toString(16).padStart(2, '0')}`);
  }
  const id = await keyId(name, typeAndMaterial);
  return { name, kind, typeByte, material, typeAndMaterial, id, idHex: hex(id), label: `${name}+${hex(id)}`, spki };
}

/** Parses a verifier key string name+<8 hex>+base64(type ‖ material); the embedded id must be the computed one. */
export async function parseVerifierKey(text) {
  const parts = String(text).trim().split('+');
  if (parts.length < 3) throw new Error('not name+keyid+base64');
  const [name, idHex] = parts;
  const blob = fromBase64(parts.slice(2).join('+'));
  if (!/^[0-9a-f]{8}$/.test(idHex) || !blob || blob.length < 2) throw new Error('not name+keyid+base64');
  const key = await makeKey(name, blob);
  if (key.idHex !== idHex) throw new Error(`key id ${idHex} does not match the key (${key.idHex})`);
  return key;
}

/** A key from a name and a PEM / DER SubjectPublicKeyInfo (Ed25519, ECDSA P-256 or SM2). */
export async function keyFromSpki(name, pemOrDer) {
  const der = typeof pemOrDer === 'string' ? pemToDer(pemOrDer) : pemOrDer;
  if (der.length === 44 && equalBytes(der.subarray(0, 12), ED25519_SPKI_PREFIX)) return makeKey(name, concat(Uint8Array.of(TYPE.ED25519), der.subarray(12)));
  if (isSm2Spki(der)) return makeKey(name, concat(Uint8Array.of(TYPE.OTHER), SM2_ID, der));
  if (containsBytes(der, P256_OID)) return makeKey(name, concat(Uint8Array.of(TYPE.ECDSA_P256), der));
  throw new Error('neither an Ed25519, ECDSA P-256 nor an SM2 public key');
}

function containsBytes(hay, needle) {
  for (let i = 0; i + needle.length <= hay.length; i++) if (equalBytes(hay.subarray(i, i + needle.length), needle)) return true;
  return false;
}

/**
 * Accepts what a page may hold: a verifier key string, a key object from parseVerifierKey, or a SigningKey as the
 * receipt / GET /v1/ledger/signingKeys gives it ({keyName, publicKeyPem} or {keyName, verifierKey}).
 */
export async function toKey(k) {
  if (typeof k === 'string') return parseVerifierKey(k);
  if (k && k.typeAndMaterial instanceof Uint8Array) return k;
  if (k && typeof k.verifierKey === 'string' && k.verifierKey) return parseVerifierKey(k.verifierKey);
  if (k && typeof k.publicKeyPem === 'string') return keyFromSpki(k.keyName ?? k.name, k.publicKeyPem);
  throw new Error('a key is a verifier key string, or {keyName, publicKeyPem | verifierKey}');
}

// ----------------------------------------------------------------------------------------------------- signatures
// DER SEQUENCE { r, s } → 64-byte r ‖ s, which WebCrypto's ECDSA wants (IEEE P1363).
function derToP1363(der) {
  if (der[0] !== 0x30 || der[1] !== der.length - 2) return null;
  const out = new Uint8Array(64);
  let off = 2;
  for (let part = 0; part < 2; part++) {
    if (der[off] !== 0x02) return null;
    let len = der[off + 1];
    let v = der.subarray(off + 2, off + 2 + len);
    off += 2 + len;
    while (v.length > 32 && v[0] === 0) v = v.subarray(1);
    if (v.length > 32) return null;
    out.set(v, part * 32 + 32 - v.length);
  }
  return off === der.length ? out : null;
}

/** Does `sig` (a note signature line's bytes after the key id) verify over `message` with `key`? Never throws. */
export async function verifySignature(key, message, sig) {
  try {
    switch (key.kind) {
      case 'ed25519':
      case 'cosignature': {
        if (sig.length !== 64) return false;
        const k = await crypto.subtle.importKey('raw', key.material, { name: 'Ed25519' }, false, ['verify']);
        return await crypto.subtle.verify({ name: 'Ed25519' }, k, sig, message);
      }
      case 'ecdsa-p256': {
        const raw = derToP1363(sig);
        if (!raw) return false;
        const k = await crypto.subtle.importKey('spki', key.spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
        return await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, k, raw, message);
      }
      case 'sm2':
        return sm2Verify(key.spki, message, sig);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

// ----------------------------------------------------------------------------------------------------------- notes
/**
 * Splits a signed note at its last blank line (signed-note.md): { text (string, final "\n" included), textBytes,
 * signatures: [{ name, id (4 bytes), idHex, sig, line }] }. Throws Error with the reason when malformed.
 */
export function parseNote(note) {
  if (typeof note !== 'string') throw new Error('a note is text');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  // No control characters but newline, and valid Unicode (a lone surrogate has no UTF-8 form).
  if (/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(text)) throw new Error('the text holds control characters');
  if (!isWellFormed(text)) throw new Error('the text is not valid Unicode');
  if (block.length === 0 || !block.endsWith('\n')) throw new Error('the signature block is empty or lacks its final newline');
  const signatures = block.slice(0, -1).split('\n').map((line) => {
    const m = /^\u2014 (\S+) (\S+)$/u.exec(line);
    const blob = m ? fromBase64(m[2]) : null;
    if (!m || !validKeyName(m[1]) || !blob || blob.length < 5) throw new Error(`malformed signature line "${line}"`);
    return { name: m[1], id: blob.subarray(0, 4), idHex: hex(blob.subarray(0, 4)), sig: blob.subarray(4), line };
  });
  if (signatures.length > 100) throw new Error('more than 100 signatures');
  return { text, textBytes: utf8.encode(text), signatures };
}

function isWellFormed(s) {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/**
 * The checkpoint a note's text states (tlog-checkpoint.md): origin, size (canonical decimal, as BigInt and as a
 * string), root (canonical base64), extension lines; and the `stream-heads <M> <base64 root>` extension
 * (RECEIPTS.md) when `hashSize` is given. Throws Error when malformed.
 */
export function parseCheckpoint(text, hashSize = 32) {
  const lines = text.slice(0, -1).split('\n');
  if (!text.endsWith('\n') || lines.length < 3) throw new Error('needs origin, size and root lines');
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (!origin) throw new Error('the origin line is empty');
  if (!/^(0|[1-9][0-9]{0,18})$/.test(sizeText)) throw new Error(`the size line "${sizeText}" is not a canonical decimal`);
  const root = fromBase64(rootText);
  if (!root || root.length !== hashSize) throw new Error(`the root line is not canonical base64 of a ${hashSize}-byte hash`);
  const heads = extensions.map((l) => /^stream-heads (0|[1-9][0-9]{0,17}) (\S+)$/.exec(l)).filter(Boolean);
  let streamHeads = null;
  if (heads.length === 1 && extensions.length === 1) {
    const mapRoot = fromBase64(heads[0][2]);
    if (mapRoot && mapRoot.length === hashSize) streamHeads = { count: BigInt(heads[0][1]), root: mapRoot };
  }
  return { origin, size: BigInt(sizeText), sizeText, root, extensions, streamHeads };
}

/**
 * Verifies a note against keys (parsed). Per signed-note.md lines of unknown (name, id) are ignored; a known key's
 * failing line rejects. Returns { note, results: [{ key, present, ok, reason }] } — one per key given.
 */
export async function verifyNote(noteText, keys) {
  const note = parseNote(noteText);
  const results = [];
  for (const key of keys) {
    const lines = note.signatures.filter((s) => s.name === key.name && equalBytes(s.id, key.id));
    if (lines.length === 0) {
      results.push({ key, present: false, ok: false, reason: `no signature line of ${key.label}` });
      continue;
    }
    let ok = true;
    for (const l of lines) ok = ok && (await verifySignature(key, note.textBytes, l.sig));
    results.push({ key, present: true, ok, reason: ok ? `signed by ${key.label}` : `the signature of ${key.label} does not verify` });
  }
  return { note, results };
}

/**
 * tlog-cosignature/v1 (README "Witnesses"): line bytes = key id ‖ timestamp (8, big-endian) ‖ Ed25519 signature over
 * "cosignature/v1\ntime <timestamp>\n" ‖ checkpoint body. Returns { ok, timestamp (BigInt) } or { ok:false, reason }.
 */
export async function verifyCosignature(witnessKey, body, sigBytes) {
  if (witnessKey.kind !== 'cosignature') return { ok: false, reason: `${witnessKey.label} is not a cosignature/v1 key` };
  if (sigBytes.length !== 72) return { ok: false, reason: 'a cosignature is 8 bytes of time and 64 of signature' };
  let timestamp = 0n;
  for (let i = 0; i < 8; i++) timestamp = (timestamp << 8n) | BigInt(sigBytes[i]);
  if (timestamp >= 1n << 63n) return { ok: false, reason: 'the timestamp exceeds 2^63-1' };
  const message = utf8.encode(`cosignature/v1\ntime ${timestamp}\n${body}`);
  const ok = await verifySignature({ ...witnessKey, kind: 'ed25519' }, message, sigBytes.subarray(8));
  return { ok, timestamp, reason: ok ? `cosigned at ${new Date(Number(timestamp) * 1000).toISOString()}` : 'the cosignature does not verify' };
}
