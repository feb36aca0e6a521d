// RFC 9162 §2.1 Merkle tree hashing and proof verification, for SHA-256 (WebCrypto) and SM3 logs.
// Every function is async because WebCrypto's digest is.

import { sm3 } from './sm3.js';

/** A log hash function H: { name, prefix (digest string prefix), size, digest(bytes) → Promise<Uint8Array> }. */
export const SHA256 = {
  name: 'HASH_ALGORITHM_SHA256',
  prefix: 'sha256:',
  size: 32,
  digest: async (data) => new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data)),
};

export const SM3 = {
  name: 'HASH_ALGORITHM_SM3',
  prefix: 'sm3:',
  size: 32,
  digest: async (data) => sm3(data),
};

/** The hash named by a receipt's `hashAlgorithm` (RECEIPTS.md "Hashes"), or null. */
export function hashByName(name) {
  return name === SHA256.name ? SHA256 : name === SM3.name ? SM3 : null;
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

export function equalBytes(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

/** H(0x00 ‖ data) (RFC 9162 §2.1.1). */
export const hashLeaf = (h, data) => h.digest(concat(LEAF, data));
/** H(0x01 ‖ left ‖ right). */
export const hashChildren = (h, left, right) => h.digest(concat(NODE, left, right));

/** MTH(D[n]) of RFC 9162 §2.1.1 over raw leaf data (used by tests and small maps, not by proofs). */
export async function treeHash(h, leaves) {
  if (leaves.length === 0) return h.digest(new Uint8Array(0));
  if (leaves.length === 1) return hashLeaf(h, leaves[0]);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2; // the largest power of two smaller than n
  return hashChildren(h, await treeHash(h, leaves.slice(0, k)), await treeHash(h, leaves.slice(k)));
}

const big = (n) => BigInt(n);

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or null when the proof cannot be one for
 * (index, size). Indices and sizes may be numbers or BigInt (log sizes can exceed 2^53 in principle).
 */
export async function rootFromInclusionProof(h, index, size, leafHash, proof) {
  let fn = big(index);
  let sn = big(size) - 1n;
  if (fn < 0n || fn > sn) return null;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0n) return null; // proof too long
    if ((fn & 1n) === 1n || fn === sn) {
      r = await hashChildren(h, p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      r = await hashChildren(h, r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : null; // proof too short otherwise
}

export async function verifyInclusion(h, index, size, leafHash, proof, root) {
  return equalBytes(await rootFromInclusionProof(h, index, size, leafHash, proof), root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show that the tree of size1 with root1 is a prefix of the tree of size2 with
 * root2? As transparency-dev/merkle: equal sizes need an empty proof and equal roots, size1 = 0 an empty proof.
 */
export async function verifyConsistency(h, size1, size2, root1, root2, proof) {
  let first = big(size1);
  const second = big(size2);
  if (first < 0n || second < first) return false;
  if (first === second) return proof.length === 0 && equalBytes(root1, root2);
  if (first === 0n) return proof.length === 0;
  if (proof.length === 0) return false;
  // Step 1: when size1 is a power of two, its root is a node of the proof path itself.
  const path = (first & (first - 1n)) === 0n ? [root1, ...proof] : proof;
  let fn = first - 1n;
  let sn = second - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; } // step 3
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await hashChildren(h, c, fr);
      sr = await hashChildren(h, c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      sr = await hashChildren(h, sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalBytes(fr, root1) && equalBytes(sr, root2);
}
