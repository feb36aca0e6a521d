// SM2 signature verification (GB/T 32918.2-2016 §7) on the recommended curve sm2p256v1 (GB/T 32918.5), BigInt
// arithmetic, verify only. The profile is SIGNATURES.md "SM2 profile": SM3 digest, user id "1234567812345678"
// (BouncyCastle's SM2Signer default, which the server signs with), DER SEQUENCE { r, s } signatures, keys as DER
// SubjectPublicKeyInfo with an uncompressed point. WebCrypto has no SM2, hence this file.

import { sm3 } from './sm3.js';

const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

export const DEFAULT_USER_ID = new TextEncoder().encode('1234567812345678');
export const CURVE = { p: P, a: A, b: B, n: N, gx: GX, gy: GY };

const mod = (x, m = P) => {
  const r = x % m;
  return r < 0n ? r + m : r;
};

function inv(x, m = P) {
  // Extended Euclid; x is non-zero modulo the prime m.
  let [a, b, u, v] = [mod(x, m), m, 1n, 0n];
  while (a !== 0n) {
    const q = b / a;
    [a, b] = [b - q * a, a];
    [u, v] = [v - q * u, u];
  }
  return mod(v, m);
}

export function onCurve(x, y, c = CURVE) {
  return x >= 0n && x < c.p && y >= 0n && y < c.p && mod(y * y - (x * x * x + c.a * x + c.b), c.p) === 0n;
}

// Jacobian coordinates (X, Y, Z): x = X/Z², y = Y/Z³; Z = 0 is the point at infinity.
const INF = [0n, 1n, 0n];

// Curve arithmetic takes the curve so that the GB/T 32918 example curve can test it too.
function dbl([x, y, z], c) {
  if (z === 0n || y === 0n) return INF;
  const p = c.p;
  const yy = mod(y * y, p);
  const s = mod(4n * x * yy, p);
  const zz = mod(z * z, p);
  const m = mod(3n * x * x + c.a * zz * zz, p);
  const x3 = mod(m * m - 2n * s, p);
  return [x3, mod(m * (s - x3) - 8n * yy * yy, p), mod(2n * y * z, p)];
}

function add(p1, p2, c) {
  if (p1[2] === 0n) return p2;
  if (p2[2] === 0n) return p1;
  const p = c.p;
  const [x1, y1, z1] = p1;
  const [x2, y2, z2] = p2;
  const z1z1 = mod(z1 * z1, p);
  const z2z2 = mod(z2 * z2, p);
  const u1 = mod(x1 * z2z2, p);
  const u2 = mod(x2 * z1z1, p);
  const s1 = mod(y1 * z2 * z2z2, p);
  const s2 = mod(y2 * z1 * z1z1, p);
  if (u1 === u2) return s1 === s2 ? dbl(p1, c) : INF;
  const h = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  const hh = mod(h * h, p);
  const hhh = mod(h * hh, p);
  const v = mod(u1 * hh, p);
  const x3 = mod(r * r - hhh - 2n * v, p);
  return [x3, mod(r * (v - x3) - s1 * hhh, p), mod(h * z1 * z2, p)];
}

// k1·P1 + k2·P2 in one pass (Shamir's trick): half the doublings of two separate multiplications.
function mulAdd(k1, p1, k2, p2, c) {
  const both = add(p1, p2, c);
  let r = INF;
  for (let i = BigInt(Math.max(k1.toString(2).length, k2.toString(2).length)) - 1n; i >= 0n; i--) {
    r = dbl(r, c);
    const b1 = (k1 >> i) & 1n;
    const b2 = (k2 >> i) & 1n;
    if (b1 && b2) r = add(r, both, c);
    else if (b1) r = add(r, p1, c);
    else if (b2) r = add(r, p2, c);
  }
  return r;
}

function affineX([x, , z], c) {
  const zi = inv(z, c.p);
  return mod(x * zi * zi, c.p);
}

const toBig = (bytes) => bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);

function toBytes32(x) {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}

// ------------------------------------------------------------------------------------------------ DER, minimal
function derRead(buf, off) {
  // One TLV: returns { tag, start (of contents), end }. Definite lengths only (DER).
  if (off + 2 > buf.length) throw new Error('DER: truncated');
  const tag = buf[off];
  let len = buf[off + 1];
  let start = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3 || start + n > buf.length) throw new Error('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | buf[start + i];
    start += n;
  }
  if (start + len > buf.length) throw new Error('DER: truncated');
  return { tag, start, end: start + len };
}

/** DER SEQUENCE { INTEGER r, INTEGER s } → { r, s } as BigInt; throws when malformed or trailing bytes remain. */
export function parseDerSignature(der) {
  const seq = derRead(der, 0);
  if (seq.tag !== 0x30 || seq.end !== der.length) throw new Error('SM2 signature: not a DER SEQUENCE');
  const r = derRead(der, seq.start);
  const s = derRead(der, r.end);
  if (r.tag !== 0x02 || s.tag !== 0x02 || s.end !== seq.end) throw new Error('SM2 signature: not two INTEGERs');
  return { r: toBig(der.subarray(r.start, r.end)), s: toBig(der.subarray(s.start, s.end)) };
}

const SM2_CURVE_OID = Uint8Array.from([0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d]); // 1.2.156.10197.1.301

function contains(hay, needle) {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

export function isSm2Spki(der) {
  return contains(der, SM2_CURVE_OID);
}

/**
 * The public point of an SM2 key: DER SubjectPublicKeyInfo (SEQUENCE { AlgorithmIdentifier, BIT STRING 04‖X‖Y })
 * naming sm2p256v1, or a raw 65-byte uncompressed point. Throws unless the point is on the curve.
 */
export function parsePublicKey(bytes) {
  let point = bytes;
  if (bytes.length !== 65) {
    const seq = derRead(bytes, 0);
    const alg = derRead(bytes, seq.start);
    const bits = derRead(bytes, alg.end);
    if (seq.tag !== 0x30 || alg.tag !== 0x30 || bits.tag !== 0x03 || bits.end !== seq.end || seq.end !== bytes.length) {
      throw new Error('SM2 key: not a SubjectPublicKeyInfo');
    }
    if (!contains(bytes.subarray(alg.start, alg.end), SM2_CURVE_OID)) throw new Error('SM2 key: not on sm2p256v1');
    if (bytes[bits.start] !== 0) throw new Error('SM2 key: BIT STRING with unused bits');
    point = bytes.subarray(bits.start + 1, bits.end);
  }
  if (point.length !== 65 || point[0] !== 0x04) throw new Error('SM2 key: not an uncompressed point');
  const x = toBig(point.subarray(1, 33));
  const y = toBig(point.subarray(33, 65));
  if (!onCurve(x, y)) throw new Error('SM2 key: point is not on the curve');
  return { x, y };
}

/** Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GB/T 32918.2 §5.5). */
export function za(pub, userId = DEFAULT_USER_ID, c = CURVE) {
  const bits = userId.length * 8;
  const parts = [Uint8Array.from([(bits >> 8) & 0xff, bits & 0xff]), userId,
    ...[c.a, c.b, c.gx, c.gy, pub.x, pub.y].map(toBytes32)];
  const buf = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { buf.set(p, off); off += p.length; }
  return sm3(buf);
}

/**
 * Verifies an SM2-with-SM3 signature (DER r,s) over `message`. `publicKey`: SPKI DER, raw 04‖X‖Y, or {x, y}.
 * Returns false for any malformed input rather than throwing: a page shows "does not verify" either way.
 */
export function sm2Verify(publicKey, message, derSignature, userId = DEFAULT_USER_ID, c = CURVE) {
  let pub, r, s;
  try {
    pub = publicKey instanceof Uint8Array ? parsePublicKey(publicKey) : publicKey;
    ({ r, s } = parseDerSignature(derSignature));
  } catch {
    return false;
  }
  // §7.1 B1, B2: r, s in [1, n-1].
  if (r < 1n || r >= c.n || s < 1n || s >= c.n) return false;
  if (!onCurve(pub.x, pub.y, c)) return false;
  const z = za(pub, userId, c);
  const m = new Uint8Array(z.length + message.length);
  m.set(z);
  m.set(message, z.length);
  const e = toBig(sm3(m)); // B3, B4
  const t = mod(r + s, c.n); // B5
  if (t === 0n) return false;
  const pt = mulAdd(s, [c.gx, c.gy, 1n], t, [pub.x, pub.y, 1n], c); // B6: s·G + t·P_A
  if (pt[2] === 0n) return false;
  return mod(e + affineX(pt, c), c.n) === r; // B7
}
