// Trade receipt verification, format "dataexchange.trade-receipt/1", entirely in the browser (or Node 20).
// Normative spec: src/DataExchange.Ledger/RECEIPTS.md; the steps below are numbered as its "Verification, step by
// step". Fields are named by the JSON path the C# TradeReceiptVerifier and tools/verify_receipt.py name, so a page
// can show, member by member, what the receipt proves and what failed. Nothing here makes a network request.

import { parseJson, parseCanonical, JsonError } from './jcs.js';
import { hashByName, hashLeaf, rootFromInclusionProof, verifyConsistency as merkleConsistency, equalBytes, concat, SHA256, SM3 } from './merkle.js';
import { parseNote, parseCheckpoint, verifySignature, verifyCosignature, toKey, keyFromSpki, parseVerifierKey, fromBase64, hex } from './note.js';
import { replay } from './replay.js';
import { Invalid, parseTime, validDate } from './common.js';

export { Invalid, parseTime };

export const FORMAT = 'dataexchange.trade-receipt/1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// ------------------------------------------------------------------------------------------ proto3 JSON reading
// A member with its default value (0, "", false, [], null, *_UNSPECIFIED) says nothing (RECEIPTS.md "The
// document": present or omitted alike). Printers that emit defaults (dx, the REST gateway) also print members of the
// proto that the format leaves empty — checkpoint.cosignatures, witnessQuorum, witnessQuorumState — so an *unknown*
// member is tolerated only with a default value; with any other value it makes the receipt invalid.
export function isDefault(v) {
  return v === null || v === 0 || v === '' || v === '0' || v === false || v === 0n
    || (Array.isArray(v) && v.length === 0) || (typeof v === 'string' && v.endsWith('_UNSPECIFIED'));
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

class Msg {
  constructor(obj, path, members) {
    if (obj === undefined || obj === null) obj = {};
    if (!isObject(obj)) throw new Invalid(path || '$', 'must be a JSON object');
    for (const k of Object.keys(obj)) {
      if (!members.includes(k) && !isDefault(obj[k])) throw new Invalid(this.at.call({ path }, k), 'is not a member of the receipt format');
    }
    this.obj = obj;
    this.path = path;
  }

  at(k) {
    return this.path ? `${this.path}.${k}` : k;
  }

  has(k) {
    return own(this.obj, k) && this.obj[k] !== null;
  }

  str(k) {
    const v = own(this.obj, k) ? this.obj[k] : null;
    if (v === null) return '';
    if (typeof v !== 'string') throw new Invalid(this.at(k), 'must be a string');
    return v;
  }

  /** int64: a decimal string or a number (RECEIPTS.md), as BigInt. */
  int(k) {
    const v = own(this.obj, k) ? this.obj[k] : null;
    if (v === null) return 0n;
    if (typeof v === 'string' && /^-?[0-9]{1,19}$/.test(v)) return BigInt(v);
    if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return BigInt(v);
    throw new Invalid(this.at(k), 'must be an integer');
  }

  list(k) {
    const v = own(this.obj, k) ? this.obj[k] : null;
    if (v === null) return [];
    if (!Array.isArray(v)) throw new Invalid(this.at(k), 'must be a list');
    return v;
  }

  bytes(k) {
    const b = fromBase64(this.str(k));
    if (!b) throw new Invalid(this.at(k), 'is not standard base64');
    return b;
  }

  msg(k, members) {
    return new Msg(own(this.obj, k) ? this.obj[k] : null, this.at(k), members);
  }
}

const RECEIPT = ['format', 'trade', 'origin', 'hashAlgorithm', 'treeSize', 'checkpoint', 'leaves', 'streamHead', 'record', 'keys'];
const CHECKPOINT = ['origin', 'treeSize', 'rootHash', 'note', 'hashAlgorithm', 'createTime'];
const LEAF = ['entry', 'inclusionProof'];
const ENTRY = ['leafIndex', 'leaf', 'streamId', 'streamVersion', 'eventId', 'eventType', 'recordTime', 'effectiveDate',
  'payloadDigest', 'payload', 'leafHash', 'leafDecodeError'];
const HEAD = ['mapSize', 'index', 'entry', 'proof'];
const KEY = ['keyName', 'keyId', 'type', 'publicKeyPem', 'verifierKey', 'validFromTreeSize', 'validUntilTreeSize'];
const LEAF_MEMBERS = ['event_id', 'event_type', 'leaf_index', 'payload_digest', 'recorded_at', 'stream_id', 'stream_version'];

// ------------------------------------------------------------------------------------------------------- helpers
const show = (v) => {
  const t = v === undefined || v === null ? 'absent' : typeof v === 'bigint' ? String(v) : JSON.stringify(v);
  return t.length <= 80 ? t : `${t.slice(0, 77)}...`;
};

function proofHashes(m, k, size) {
  return m.list(k).map((p, j) => {
    const node = typeof p === 'string' ? fromBase64(p) : null;
    if (!node || node.length !== size) throw new Invalid(`${m.at(k)}[${j}]`, `is not a ${size}-byte hash in base64`);
    return node;
  });
}

function parseLeaf(raw, field, prefix) {
  let L;
  try {
    L = parseCanonical(raw);
  } catch (e) {
    throw new Invalid(field, `not canonical RFC 8785 JSON: ${e.message}`);
  }
  const keys = isObject(L) ? Object.keys(L) : [];
  if (!isObject(L) || !LEAF_MEMBERS.every((k) => own(L, k)) || !keys.every((k) => LEAF_MEMBERS.includes(k) || k === 'effective_date')) {
    throw new Invalid(field, 'must hold exactly the leaf members (effective_date optional)');
  }
  const int = (v) => typeof v === 'number' && Number.isSafeInteger(v);
  const ok = int(L.leaf_index) && L.leaf_index >= 0 && int(L.stream_version)
    && keys.filter((k) => k !== 'leaf_index' && k !== 'stream_version').every((k) => typeof L[k] === 'string')
    && UUID.test(L.event_id) && L.event_type && L.stream_id
    && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(L.recorded_at) && parseTime(L.recorded_at) !== null
    && (!own(L, 'effective_date') || validDate(L.effective_date))
    && new RegExp(`^${prefix}[0-9a-f]{64}$`).test(L.payload_digest);
  if (!ok) throw new Invalid(field, "a leaf member has the wrong type or form (or the digest does not name the log's hash)");
  return L;
}

// -------------------------------------------------------------------------------------------------- trusted keys
async function loadKeys(list, field) {
  const keys = [];
  for (const k of list ?? []) {
    try {
      keys.push(await toKey(k));
    } catch (e) {
      throw new Invalid(field, `a trusted key does not read: ${e.message}`);
    }
  }
  return keys;
}

// Keys the receipt carries, when the page gives none (RECEIPTS.md: informational; a page should pass the exchange's
// published keys, obtained elsewhere, as options.trustedKeys).
async function receiptKeys(r) {
  const keys = [];
  for (const item of r.list('keys')) {
    try {
      if (isObject(item) && typeof item.verifierKey === 'string' && item.verifierKey) keys.push(await parseVerifierKey(item.verifierKey));
      else if (isObject(item)) keys.push(await keyFromSpki(item.keyName, item.publicKeyPem));
    } catch {
      // Reported by step 7, which names the member.
    }
  }
  return keys;
}

const SIGNING_KEY_TYPE = { ed25519: 'SIGNING_KEY_TYPE_ED25519', sm2: 'SIGNING_KEY_TYPE_SM2_SM3' };

// ------------------------------------------------------------------------------------------------ verifyReceipt
/**
 * Verifies a receipt (its JSON text, bytes, or an already parsed object — text is better: only text reveals a
 * member given twice).
 *
 * options:
 *   trustedKeys     the exchange's keys obtained elsewhere: verifier key strings ("name+id+base64") or
 *                   {keyName, publicKeyPem | verifierKey}. Every key *name* among them must sign (RECEIPTS.md step 2).
 *                   Without them the receipt's own `keys` are used, which proves integrity, not origin
 *                   (result.trust = "receipt", and a `keys` check says so).
 *   requireTrustedKeys  fail (field `keys`) when no trustedKeys are given.
 *   expectedOrigin  the log's origin the page expects.
 *   witnesses       witness verifier keys (name+id+base64 of 0x04 ‖ key); witnessQuorum (default: all of them).
 *
 * Returns { ok, checks: [{ field, ok, message, detail }], trust, summary }.
 */
export async function verifyReceipt(input, options = {}) {
  const checks = [];
  const add = (field, ok, message, detail = null) => {
    checks.push({ field, ok, message, detail });
    return ok;
  };
  const state = { trust: null, summary: {} };
  try {
    await steps(input, options, add, state);
  } catch (e) {
    if (e instanceof Invalid) add(e.field, false, e.message);
    else add('$', false, `the verifier failed: ${e && e.message}`);
  }
  return { ok: checks.length > 0 && checks.every((c) => c.ok), checks, trust: state.trust, summary: state.summary };
}

async function steps(input, options, add, state) {
  // ---------------------------------------------------------------------------------------------- 1. Document
  let doc = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    let text = input;
    if (input instanceof Uint8Array) {
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(input);
      } catch {
        throw new Invalid('$', 'not UTF-8 text');
      }
    }
    let parsed;
    try {
      parsed = parseJson(text, { floats: true });
    } catch (e) {
      throw new Invalid('$', `not JSON: ${e.message}`);
    }
    if (parsed.repeated) throw new Invalid(parsed.repeated, 'is given twice: JSON readers differ on which one counts');
    doc = parsed.value;
  }
  if (!isObject(doc)) throw new Invalid('$', 'a receipt is a JSON object');
  const r = new Msg(doc, '', RECEIPT);
  const format = own(r.obj, 'format') ? r.obj.format : undefined;
  if (format !== FORMAT) {
    throw new Invalid('format', format === undefined || format === '' ? `missing: this is not a ${FORMAT} receipt`
      : `${show(format)} is not a format this verifier reads (it reads ${FORMAT})`);
  }
  add('format', true, FORMAT);
  const algorithm = r.str('hashAlgorithm');
  const h = hashByName(algorithm);
  if (!h) throw new Invalid('hashAlgorithm', `"${algorithm}" is not HASH_ALGORITHM_SHA256 or HASH_ALGORITHM_SM3`);
  add('hashAlgorithm', true, `the log hashes with ${h === SM3 ? 'SM3 (GB/T 32905)' : 'SHA-256'}`);
  const trade = r.str('trade');
  if (!trade.startsWith('trades/') || !UUID.test(trade.slice(7))) throw new Invalid('trade', `"${trade}" is not trades/ and a lowercase UUID`);
  const tradeId = trade.slice(7);
  add('trade', true, trade);
  // Members of the nested messages, checked up front as the C# verifier does (unknown ones are refused).
  const cp = r.msg('checkpoint', CHECKPOINT);
  const head = r.msg('streamHead', HEAD);
  const leafMsgs = r.list('leaves').map((item, i) => {
    const leaf = new Msg(item, `leaves[${i}]`, LEAF);
    return { leaf, entry: leaf.msg('entry', ENTRY) };
  });
  const keyMsgs = r.list('keys').map((item, i) => new Msg(item, `keys[${i}]`, KEY));
  state.summary.trade = trade;

  // ---------------------------------------------------------------------------------------------- 2. Signatures
  const noteText = cp.str('note');
  let note;
  try {
    note = parseNote(noteText);
  } catch (e) {
    throw new Invalid('checkpoint.note', `not a signed note: ${e.message}`);
  }
  let trusted = await loadKeys(options.trustedKeys, 'keys');
  if (trusted.length > 0) {
    state.trust = 'options';
  } else {
    trusted = await receiptKeys(r);
    state.trust = 'receipt';
    add('keys', !options.requireTrustedKeys && trusted.length > 0, trusted.length === 0
      ? 'no keys to check the signatures with: the page gave none and the receipt carries none that read'
      : options.requireTrustedKeys ? 'no trusted keys were given; the receipt\'s own keys prove integrity, not who signed'
        : `signatures checked with the keys the receipt carries (${trusted.map((k) => k.label).join(', ')}): this proves the receipt is intact, not who signed it; compare the key ids with the exchange's published keys`);
  }
  // Every trusted key name must sign; keys of one name are one signer across a rotation, and the one whose id the
  // note names must verify (RECEIPTS.md step 2).
  const byName = new Map();
  for (const k of trusted) byName.set(k.name, [...(byName.get(k.name) ?? []), k]);
  const signers = [];
  for (const [name, keys] of byName) {
    const lines = note.signatures.filter((s) => s.name === name);
    const named = keys.filter((k) => lines.some((l) => equalBytes(l.id, k.id)));
    const field = `checkpoint.signature.${keys[0].kind}`;
    const detail = { keyName: name, keyIds: keys.map((k) => k.idHex) };
    if (named.length === 0) {
      const others = lines.map((l) => l.idHex);
      add(field, false, `not signed by ${keys.map((k) => k.label).join(' or ')}${others.length ? ` (only by unknown key id(s) ${others.join(', ')} of that name)` : ''}`, detail);
      continue;
    }
    for (const key of named) {
      let good = true;
      for (const l of lines.filter((x) => equalBytes(x.id, key.id))) good = (await verifySignature(key, note.textBytes, l.sig)) && good;
      add(field, good, good ? `signed by ${key.label} (${key.kind === 'sm2' ? 'SM2 with SM3' : key.kind === 'ed25519' ? 'Ed25519' : key.kind})`
        : `the signature of ${key.label} does not verify`, { keyName: name, keyId: key.idHex });
      if (good) signers.push(key.label);
    }
  }
  state.summary.signedBy = signers;

  // Witness cosignatures (README "Witnesses"): verified only against witness keys the page gives.
  const logLabels = new Set(trusted.map((k) => k.label));
  state.summary.cosignatures = note.signatures.filter((s) => !logLabels.has(`${s.name}+${s.idHex}`)).map((s) => ({ name: s.name, keyId: s.idHex, verified: null, time: null }));
  if (options.witnesses?.length) {
    const witnesses = await loadKeys(options.witnesses, 'checkpoint.witnesses');
    let cosigned = 0;
    for (const w of witnesses) {
      const lines = note.signatures.filter((s) => s.name === w.name && equalBytes(s.id, w.id));
      const field = `checkpoint.witness[${w.name}]`;
      if (lines.length === 0) {
        add(field, false, `no cosignature from ${w.label}`);
        continue;
      }
      const results = [];
      for (const l of lines) results.push(await verifyCosignature(w, note.text, l.sig));
      const good = results.every((x) => x.ok);
      add(field, good, good ? `${results[0].reason} by ${w.label}` : `a cosignature of ${w.label} does not verify`);
      for (const c of state.summary.cosignatures) {
        if (c.name === w.name && c.keyId === w.idHex) {
          c.verified = good;
          c.time = results[0].timestamp !== undefined ? new Date(Number(results[0].timestamp) * 1000).toISOString() : null;
        }
      }
      if (good) cosigned++;
    }
    const quorum = options.witnessQuorum ?? witnesses.length;
    add('checkpoint.witnesses', cosigned >= quorum, `cosigned by ${cosigned} of ${witnesses.length} witness(es), quorum ${quorum}`);
  }

  // ---------------------------------------------------------------------------------------------- 3. Checkpoint
  let c;
  try {
    c = parseCheckpoint(note.text, h.size);
  } catch (e) {
    throw new Invalid('checkpoint.note', e.message);
  }
  if (!c.streamHeads) throw new Invalid('checkpoint.note', 'needs exactly one extension line "stream-heads <M> <base64 root>": without it the checkpoint cannot prove the trade complete');
  add('checkpoint.note', true, `origin ${c.origin}, tree size ${c.size}, root ${hex(c.root)}, stream-heads ${c.streamHeads.count} streams`);
  state.summary.origin = c.origin;
  state.summary.treeSize = c.sizeText;
  if (options.expectedOrigin !== undefined && options.expectedOrigin !== null && c.origin !== options.expectedOrigin) {
    add('origin', false, `the log is "${c.origin}", not the expected "${options.expectedOrigin}"`);
  } else {
    add('origin', r.str('origin') === c.origin, r.str('origin') === c.origin ? `the log ${c.origin}` : `says ${show(r.str('origin'))}, but the signed note says "${c.origin}"`);
  }
  const same = (field, value, want, label) => add(field, value === want, value === want ? `${label} ${want}, as the signed note says` : `says ${show(value)}, but the signed note says ${show(want)}`);
  same('checkpoint.origin', cp.str('origin'), c.origin, 'origin');
  same('treeSize', r.int('treeSize'), c.size, 'tree size');
  same('checkpoint.treeSize', cp.int('treeSize'), c.size, 'tree size');
  const statedRoot = fromBase64(cp.str('rootHash'));
  add('checkpoint.rootHash', equalBytes(statedRoot, c.root), equalBytes(statedRoot, c.root) ? `root ${hex(c.root)}, as the signed note says` : 'differs from the root the signed note states');
  if (cp.str('hashAlgorithm')) {
    add('checkpoint.hashAlgorithm', cp.str('hashAlgorithm') === algorithm, cp.str('hashAlgorithm') === algorithm ? algorithm : `"${cp.str('hashAlgorithm')}" differs from the receipt's "${algorithm}"`);
  }
  if (cp.has('createTime') && parseTime(cp.str('createTime')) === null) add('checkpoint.createTime', false, 'is not an RFC 3339 time');
  const size = c.size;

  // ---------------------------------------------------------------------------------------------- 4. Leaves
  if (leafMsgs.length === 0) throw new Invalid('leaves', 'a receipt has at least one leaf');
  const events = [];
  let lastIndex = -1n;
  let leavesComplete = true;
  for (let i = 0; i < leafMsgs.length; i++) {
    const { leaf, entry: e } = leafMsgs[i];
    try {
      const raw = e.bytes('leaf');
      const L = parseLeaf(raw, e.at('leaf'), h.prefix);
      const decoded = [
        ['leafIndex', e.int('leafIndex'), BigInt(L.leaf_index)], ['streamId', e.str('streamId'), L.stream_id],
        ['streamVersion', e.int('streamVersion'), BigInt(L.stream_version)], ['eventId', e.str('eventId'), L.event_id],
        ['eventType', e.str('eventType'), L.event_type], ['effectiveDate', e.str('effectiveDate'), L.effective_date ?? ''],
        ['payloadDigest', e.str('payloadDigest'), L.payload_digest],
        ['recordTime', parseTime(e.str('recordTime')), parseTime(L.recorded_at)],
      ];
      for (const [name, value, want] of decoded) {
        if (value !== want) add(e.at(name), false, name === 'recordTime' ? `${show(e.str('recordTime'))} is not the leaf's ${L.recorded_at}` : `says ${show(value)}, but the leaf says ${show(want)}`);
      }
      if (L.stream_id !== tradeId) {
        // The first leaf already of another stream: the receipt was relabelled, so `trade` is at fault.
        throw new Invalid(i === 0 ? 'trade' : e.at('leaf'), `leaf ${i} is of stream ${L.stream_id}, not of ${trade}`);
      }
      if (L.stream_version !== i + 1) throw new Invalid(e.at('streamVersion'), `version ${L.stream_version} where ${i + 1} is due (versions run 1, 2, ... without gaps)`);
      const index = BigInt(L.leaf_index);
      if (!(lastIndex < index && index < size)) throw new Invalid(e.at('leafIndex'), `${index} must exceed the previous leaf's ${lastIndex} and be below the tree size ${size}`);
      lastIndex = index;
      add(e.at('leaf'), true, `${L.event_type}, version ${L.stream_version}, leaf ${index}, recorded ${L.recorded_at}`, { eventType: L.event_type, eventId: L.event_id, leafIndex: String(index), recordedAt: L.recorded_at });

      const payload = e.bytes('payload');
      let body;
      try {
        body = parseCanonical(payload);
      } catch (err) {
        throw new Invalid(e.at('payload'), `not canonical RFC 8785 JSON: ${err.message}`);
      }
      const digest = h.prefix + hex(await h.digest(payload));
      if (digest !== L.payload_digest) throw new Invalid(e.at('payload'), `hashes to ${digest}, but the leaf commits to ${L.payload_digest}`);
      add(e.at('payload'), true, `hashes to the leaf's ${digest}`, { digest, payload: body });

      const proof = proofHashes(leaf, 'inclusionProof', h.size);
      const lh = await hashLeaf(h, raw);
      const root = await rootFromInclusionProof(h, index, size, lh, proof);
      add(leaf.at('inclusionProof'), equalBytes(root, c.root), equalBytes(root, c.root)
        ? `leaf ${index} is in the signed tree of size ${size}` : `does not lead from leaf ${index} to the checkpoint's root`,
        { leafIndex: String(index), treeSize: String(size), leafHash: hex(lh), proofLength: proof.length });
      if (e.has('leafHash') && e.str('leafHash') && !equalBytes(e.bytes('leafHash'), lh)) add(e.at('leafHash'), false, 'is not H(0x00 ‖ leaf)');
      if (e.str('leafDecodeError')) add(e.at('leafDecodeError'), false, 'must be empty: the leaf decodes');
      events.push({ L, body, at: `leaves[${i}].entry` });
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      add(err.field, false, err.message);
      leavesComplete = false;
      if (err.field === 'trade') break; // a relabelled receipt: the other leaves say the same
    }
  }

  // ---------------------------------------------------------------------------------------------- 5. Completeness
  let headEntry;
  try {
    headEntry = parseCanonical(head.bytes('entry'));
  } catch (e) {
    throw e instanceof Invalid ? e : new Invalid('streamHead.entry', `not canonical RFC 8785 JSON: ${e.message}`);
  }
  const hk = isObject(headEntry) ? Object.keys(headEntry).sort().join(',') : '';
  if (hk !== 'leaf_index,stream_id,stream_version' || !Number.isSafeInteger(headEntry.leaf_index) || !Number.isSafeInteger(headEntry.stream_version)) {
    throw new Invalid('streamHead.entry', 'must hold exactly leaf_index, stream_id and stream_version');
  }
  if (headEntry.stream_id !== tradeId) throw new Invalid('streamHead.entry', `is the head of stream ${headEntry.stream_id}, not of ${tradeId}`);
  const M = c.streamHeads.count;
  if (head.int('mapSize') !== M) throw new Invalid('streamHead.mapSize', `${head.int('mapSize')} is not the note's stream-heads count ${M}`);
  const mapIndex = head.int('index');
  if (mapIndex < 0n || mapIndex >= M) throw new Invalid('streamHead.index', `${mapIndex} is outside a map of ${M}`);
  const headProof = proofHashes(head, 'proof', h.size);
  const mapRoot = await rootFromInclusionProof(h, mapIndex, M, await hashLeaf(h, head.bytes('entry')), headProof);
  if (!equalBytes(mapRoot, c.streamHeads.root)) throw new Invalid('streamHead.proof', `does not lead from entry ${mapIndex} of ${M} to the stream-heads root the checkpoint states`);
  add('streamHead.proof', true, `the signed stream-heads map says the stream is at version ${headEntry.stream_version} (leaf ${headEntry.leaf_index})`);
  if (!leavesComplete) throw new Invalid('leaves', 'not every leaf checks, so the receipt cannot be shown complete');
  // Only now is the entry known to be signed: if it says more, events are missing (RECEIPTS.md "Completeness").
  if (headEntry.stream_version !== leafMsgs.length || BigInt(headEntry.leaf_index) !== lastIndex) {
    throw new Invalid('leaves', `the signed stream-heads map says the stream is at version ${headEntry.stream_version} (leaf ${headEntry.leaf_index}), the receipt ends at version ${leafMsgs.length} (leaf ${lastIndex}): events are missing`);
  }
  add('leaves', true, `complete: all ${leafMsgs.length} event(s) of the trade as of tree size ${size}`);

  // ---------------------------------------------------------------------------------------------- 6. Replay
  const expected = replay(events, tradeId); // throws Invalid naming the payload or event type at fault
  if (!isObject(r.obj.record)) throw new Invalid('record', 'missing: the receipt states no record');
  const shown = flatten(r.obj.record, 'record');
  const want = flatten(expected, 'record');
  const failedTop = new Set();
  for (const path of [...new Set([...shown.keys(), ...want.keys()])].sort()) {
    const s = shown.get(path);
    const p = want.get(path);
    if (s !== p) {
      add(path, false, `the receipt says ${s ?? 'nothing'}, but its events say ${p ?? 'nothing'}`);
      failedTop.add(topMember(path));
    }
  }
  for (const k of new Set([...Object.keys(r.obj.record), ...Object.keys(expected)])) {
    if (!failedTop.has(`record.${k}`)) add(`record.${k}`, true, `${show(want.get(`record.${k}`) ?? r.obj.record[k])}, as the events say`);
  }
  state.summary.state = expected.state;
  state.summary.filingNumber = expected.filingNumber;
  state.summary.events = events.length;

  // ---------------------------------------------------------------------------------------------- 7. Keys
  for (const k of keyMsgs) {
    try {
      const key = await checkKey(k);
      if (!note.signatures.some((s) => s.name === key.name && s.idHex === key.idHex)) throw new Invalid(k.at('keyId'), `the note carries no signature line of ${key.label}`);
      add(k.path, true, `${key.label} (${k.str('type')}) is self-consistent and signed the note`);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      add(err.field, false, err.message);
    }
  }
}

function topMember(path) {
  const m = /^record\.[^.[]+/.exec(path);
  return m ? m[0] : path;
}

// Path → value text with proto3 defaults dropped, times as instants: "0", 0 and an omitted member compare equal
// (as the C# verifier's CompareRecord).
function flatten(node, path) {
  const out = new Map();
  const walk = (n, at, member) => {
    if (n === null || n === undefined) return;
    if (Array.isArray(n)) { n.forEach((x, i) => walk(x, `${at}[${i}]`, member)); return; }
    if (typeof n === 'object') { for (const k of Object.keys(n)) walk(n[k], `${at}.${k}`, k); return; }
    let text = typeof n === 'string' ? n : String(n);
    if (member === 'createTime' || member === 'updateTime') {
      const t = parseTime(text);
      if (t !== null) text = nanosToRfc3339(t);
    }
    if (!isDefault(n) && !isDefault(text)) out.set(at, text); // false, 0 and "" say nothing, present or omitted
  };
  walk(node, path, null);
  return out;
}

export function nanosToRfc3339(ns) {
  const s = ns / 1000000000n;
  const frac = ns % 1000000000n;
  return `${new Date(Number(s) * 1000).toISOString().slice(0, 19)}.${String(frac).padStart(9, '0')}Z`;
}

async function checkKey(k) {
  const name = k.str('keyName');
  let key;
  try {
    key = await keyFromSpki(name, k.str('publicKeyPem'));
  } catch (e) {
    throw new Invalid(k.at('publicKeyPem'), e.message);
  }
  if (k.str('type') !== SIGNING_KEY_TYPE[key.kind]) throw new Invalid(k.at('type'), `"${k.str('type')}" does not match the key in publicKeyPem`);
  if (k.str('keyId') !== key.idHex) throw new Invalid(k.at('keyId'), `"${k.str('keyId')}" is not the id of ${name} and its key (${key.idHex})`);
  let vkey;
  try {
    vkey = await parseVerifierKey(k.str('verifierKey'));
  } catch (e) {
    throw new Invalid(k.at('verifierKey'), e.message);
  }
  if (vkey.name !== key.name || vkey.idHex !== key.idHex || !equalBytes(vkey.typeAndMaterial, key.typeAndMaterial)) {
    throw new Invalid(k.at('verifierKey'), 'does not name the same key as keyName and publicKeyPem');
  }
  return key;
}

// ------------------------------------------------------------------------------------------- consistency proofs
/**
 * Checks that the checkpoint `newNoteText` extends `oldNoteText` (RFC 9162 §2.1.4.2), for the consistency page.
 * proofHashes: base64 strings or Uint8Arrays, as GET /v1/ledger/consistencyProof gives them. options: trustedKeys
 * (then both notes' signatures are checked too), hashAlgorithm ("HASH_ALGORITHM_SHA256" or "HASH_ALGORITHM_SM3";
 * absent: SHA-256, then SM3). Returns { ok, checks, old: {origin, size, root}, new: {...}, hashAlgorithm }.
 */
export async function verifyConsistency(oldNoteText, newNoteText, proofHashes, options = {}) {
  const checks = [];
  const add = (field, ok, message, detail = null) => { checks.push({ field, ok, message, detail }); return ok; };
  const result = (extra = {}) => ({ ok: checks.length > 0 && checks.every((x) => x.ok), checks, ...extra });
  // A note does not say its log's hash. Without options.hashAlgorithm, SHA-256 is tried, then SM3: a proof that holds
  // under either joins the two signed roots, since neither hash lets one forge a proof for roots not so joined.
  const named = options.hashAlgorithm == null ? null
    : hashByName(options.hashAlgorithm) ?? (/sm3/i.test(options.hashAlgorithm) ? SM3 : /sha-?256/i.test(options.hashAlgorithm) ? SHA256 : undefined);
  if (named === undefined) return add('hashAlgorithm', false, `unknown hash algorithm ${show(options.hashAlgorithm)}`), result();
  const h = named ?? SHA256;
  const trusted = await loadKeys(options.trustedKeys, 'keys').catch((e) => (add('keys', false, e.message), null));
  if (trusted === null) return result();
  if (trusted.length === 0) add('keys', !options.requireTrustedKeys, 'no trusted keys given: the signatures of the two checkpoints are not checked');
  const cps = {};
  for (const [field, text] of [['oldCheckpoint', oldNoteText], ['newCheckpoint', newNoteText]]) {
    try {
      const note = parseNote(text);
      cps[field] = parseCheckpoint(note.text, h.size);
      const names = new Set(trusted.map((k) => k.name));
      for (const name of names) {
        const keys = trusted.filter((k) => k.name === name);
        const lines = note.signatures.filter((s) => s.name === name && keys.some((k) => equalBytes(k.id, s.id)));
        let good = lines.length > 0;
        for (const l of lines) good = (await verifySignature(keys.find((k) => equalBytes(k.id, l.id)), note.textBytes, l.sig)) && good;
        add(`${field}.signature.${keys[0].kind}`, good, good ? `signed by ${name}` : `not validly signed by ${name}`);
      }
      add(`${field}.note`, true, `origin ${cps[field].origin}, size ${cps[field].size}, root ${hex(cps[field].root)}`);
    } catch (e) {
      add(`${field}.note`, false, `not a signed checkpoint: ${e.message}`);
    }
  }
  const { oldCheckpoint: a, newCheckpoint: b } = cps;
  if (!a || !b) return result();
  const info = (x) => ({ origin: x.origin, size: x.sizeText, root: hex(x.root) });
  add('newCheckpoint.origin', a.origin === b.origin, a.origin === b.origin ? `both of ${a.origin}` : `"${b.origin}" is another log than "${a.origin}"`);
  if (a.size > b.size) {
    add('newCheckpoint.treeSize', false, `${b.size} is smaller than the old checkpoint's ${a.size}: the checkpoints are swapped, or the log rolled back`);
    return result({ old: info(a), new: info(b) });
  }
  let proof;
  try {
    proof = (proofHashes ?? []).map((p, j) => {
      const node = p instanceof Uint8Array ? p : fromBase64(p);
      if (!node || node.length !== h.size) throw new Invalid(`proof[${j}]`, `is not a ${h.size}-byte hash in base64`);
      return node;
    });
  } catch (e) {
    add(e.field, false, e.message);
    return result({ old: info(a), new: info(b) });
  }
  let used = h;
  let good = await merkleConsistency(h, a.size, b.size, a.root, b.root, proof);
  if (!good && named === null) {
    good = await merkleConsistency(SM3, a.size, b.size, a.root, b.root, proof);
    if (good) used = SM3;
  }
  add('proof', good, good ? `the tree of size ${b.size} extends the tree of size ${a.size} (RFC 9162 §2.1.4, ${used === SM3 ? 'SM3' : 'SHA-256'})`
    : `does not prove that the tree of size ${b.size} extends the tree of size ${a.size}`);
  return result({ old: info(a), new: info(b), hashAlgorithm: good ? used.name : named?.name ?? null });
}

/**
 * Verifies one signed checkpoint note on its own (the explorer's checkpoint page): every trusted key name signed it,
 * the witnesses given cosigned it (quorum: witnessQuorum, default all), and its body parses.
 * Returns { ok, checks, checkpoint: {origin, size, root (hex), streamHeads: {count, root} | null}, cosignatures }.
 */
export async function verifyCheckpoint(noteText, options = {}) {
  const checks = [];
  const add = (field, ok, message, detail = null) => { checks.push({ field, ok, message, detail }); return ok; };
  const h = hashByName(options.hashAlgorithm ?? SHA256.name) ?? SHA256;
  let note;
  let cp;
  try {
    note = parseNote(noteText);
    cp = parseCheckpoint(note.text, h.size);
  } catch (e) {
    add('note', false, `not a signed checkpoint: ${e.message}`);
    return { ok: false, checks, checkpoint: null, cosignatures: [] };
  }
  add('note', true, `origin ${cp.origin}, size ${cp.size}, root ${hex(cp.root)}`);
  const checkpoint = { origin: cp.origin, size: cp.sizeText, root: hex(cp.root), streamHeads: cp.streamHeads && { count: String(cp.streamHeads.count), root: hex(cp.streamHeads.root) } };
  if (options.expectedOrigin != null) add('origin', cp.origin === options.expectedOrigin, cp.origin === options.expectedOrigin ? cp.origin : `the log is "${cp.origin}", not the expected "${options.expectedOrigin}"`);
  const trusted = await loadKeys(options.trustedKeys, 'keys').catch((e) => (add('keys', false, e.message), []));
  if (!options.trustedKeys?.length) add('keys', !options.requireTrustedKeys, 'no trusted keys given: the signatures are not checked');
  for (const name of new Set(trusted.map((k) => k.name))) {
    const keys = trusted.filter((k) => k.name === name);
    const lines = note.signatures.filter((s) => s.name === name && keys.some((k) => equalBytes(k.id, s.id)));
    let good = lines.length > 0;
    for (const l of lines) good = (await verifySignature(keys.find((k) => equalBytes(k.id, l.id)), note.textBytes, l.sig)) && good;
    add(`signature.${keys[0].kind}`, good, good ? `signed by ${name}` : lines.length ? `the signature of ${name} does not verify` : `not signed by ${name}`, { keyName: name });
  }
  const logLabels = new Set(trusted.map((k) => k.label));
  const cosignatures = note.signatures.filter((s) => !logLabels.has(`${s.name}+${s.idHex}`)).map((s) => ({ name: s.name, keyId: s.idHex, verified: null, time: null }));
  if (options.witnesses?.length) {
    const witnesses = await loadKeys(options.witnesses, 'witnesses').catch((e) => (add('witnesses', false, e.message), null));
    if (witnesses === null) return { ok: false, checks, checkpoint, cosignatures };
    let cosigned = 0;
    for (const w of witnesses) {
      const lines = note.signatures.filter((s) => s.name === w.name && equalBytes(s.id, w.id));
      const results = [];
      for (const l of lines) results.push(await verifyCosignature(w, note.text, l.sig));
      const good = lines.length > 0 && results.every((x) => x.ok);
      add(`witness[${w.name}]`, good, lines.length === 0 ? `no cosignature from ${w.label}` : good ? `${results[0].reason} by ${w.label}` : `a cosignature of ${w.label} does not verify`);
      for (const c of cosignatures) {
        if (c.name === w.name && c.keyId === w.idHex) {
          c.verified = good;
          c.time = results[0]?.timestamp !== undefined ? new Date(Number(results[0].timestamp) * 1000).toISOString() : null;
        }
      }
      if (good) cosigned++;
    }
    const quorum = options.witnessQuorum ?? witnesses.length;
    add('witnesses', cosigned >= quorum, `cosigned by ${cosigned} of ${witnesses.length} witness(es), quorum ${quorum}`);
  }
  return { ok: checks.every((x) => x.ok), checks, checkpoint, cosignatures };
}

/**
 * A sealed text (RECEIPTS.md "Payloads and personal information"): does (text, salt) open the commitment
 * "prefix:hex(H(salt ‖ UTF-8(text)))"? The prefix names H (sha256: or sm3:).
 */
export async function verifySealedText(commitment, text, saltBase64) {
  const m = /^(sha256|sm3):([0-9a-f]{64})$/.exec(commitment ?? '');
  const salt = fromBase64(saltBase64 ?? '');
  if (!m || !salt) return false;
  const h = m[1] === 'sm3' ? SM3 : SHA256;
  return hex(await h.digest(concat(salt, new TextEncoder().encode(text)))) === m[2];
}

export { JsonError };
