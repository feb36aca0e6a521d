// SM3 hash (GB/T 32905-2016), Uint8Array in, 32-byte Uint8Array out. No dependencies.
// WebCrypto has no SM3, so receipts of SM3 logs (RECEIPTS.md "Hashes") and SM2 signatures need this.

const IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e];

const rotl = (x, n) => ((x << (n & 31)) | (x >>> ((32 - n) & 31))) >>> 0;
const p0 = (x) => (x ^ rotl(x, 9) ^ rotl(x, 17)) >>> 0;
const p1 = (x) => (x ^ rotl(x, 15) ^ rotl(x, 23)) >>> 0;

// T_j rotated left by j, precomputed (GB/T 32905 §5.3.3).
const TJ = Array.from({ length: 64 }, (_, j) => rotl(j < 16 ? 0x79cc4519 : 0x7a879d8a, j % 32));

function compress(v, block, off) {
  const w = new Uint32Array(68);
  const w1 = new Uint32Array(64);
  for (let i = 0; i < 16; i++) {
    const k = off + i * 4;
    w[i] = ((block[k] << 24) | (block[k + 1] << 16) | (block[k + 2] << 8) | block[k + 3]) >>> 0;
  }
  for (let i = 16; i < 68; i++) {
    w[i] = (p1(w[i - 16] ^ w[i - 9] ^ rotl(w[i - 3], 15)) ^ rotl(w[i - 13], 7) ^ w[i - 6]) >>> 0;
  }
  for (let i = 0; i < 64; i++) w1[i] = (w[i] ^ w[i + 4]) >>> 0;
  let [a, b, c, d, e, f, g, h] = v;
  for (let j = 0; j < 64; j++) {
    const ss1 = rotl((rotl(a, 12) + e + TJ[j]) >>> 0, 7);
    const ss2 = (ss1 ^ rotl(a, 12)) >>> 0;
    const ff = j < 16 ? a ^ b ^ c : (a & b) | (a & c) | (b & c);
    const gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g);
    const tt1 = (ff + d + ss2 + w1[j]) >>> 0;
    const tt2 = (gg + h + ss1 + w[j]) >>> 0;
    d = c;
    c = rotl(b, 9);
    b = a;
    a = tt1;
    h = g;
    g = rotl(f, 19);
    f = e;
    e = p0(tt2);
  }
  v[0] ^= a; v[1] ^= b; v[2] ^= c; v[3] ^= d; v[4] ^= e; v[5] ^= f; v[6] ^= g; v[7] ^= h;
  for (let i = 0; i < 8; i++) v[i] >>>= 0;
}

/** SM3 digest of `data` (Uint8Array or array of byte values). */
export function sm3(data) {
  const msg = data instanceof Uint8Array ? data : Uint8Array.from(data);
  const len = msg.length;
  // Padding: 0x80, zeros, then the bit length as 64-bit big-endian (§5.2).
  const total = Math.ceil((len + 9) / 64) * 64;
  const buf = new Uint8Array(total);
  buf.set(msg);
  buf[len] = 0x80;
  const bits = BigInt(len) * 8n;
  for (let i = 0; i < 8; i++) buf[total - 1 - i] = Number((bits >> BigInt(8 * i)) & 0xffn);
  const v = IV.slice();
  for (let off = 0; off < total; off += 64) compress(v, buf, off);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    out[i * 4] = v[i] >>> 24;
    out[i * 4 + 1] = (v[i] >>> 16) & 0xff;
    out[i * 4 + 2] = (v[i] >>> 8) & 0xff;
    out[i * 4 + 3] = v[i] & 0xff;
  }
  return out;
}
