// Alterations of real receipts, each with the member a verifier must name: shared by receipt.test.mjs and
// crosscheck.test.mjs (which holds the Python verifier to the same answers).
import { MODULES } from './helpers.mjs';

const { toBase64, fromBase64 } = await import(new URL('note.js', MODULES));

export const CANCELLED = 'receipt-cancelled-domestic.json';
export const SETTLED = 'receipt-settled-crossborder.json';

export const b64edit = (text, edit) => {
  const b = fromBase64(text);
  edit(b);
  return toBase64(b);
};
const payloadOf = (leaf) => new TextDecoder().decode(fromBase64(leaf.entry.payload));
const setPayload = (leaf, text) => { leaf.entry.payload = toBase64(new TextEncoder().encode(text)); };
/** Replaces the base64 field of the note's signature line by `name`, editing its bytes. */
export const editSignature = (note, name, edit) => note.split('\n').map((line) => {
  const m = line.match(/^\u2014 (\S+) (\S+)$/u);
  return m && m[1] === name ? `\u2014 ${name} ${b64edit(m[2], edit)}` : line;
}).join('\n');

export const ALTERATIONS = [
  ['amount changed', CANCELLED, 'record.amount.amountMinor', (d) => { d.record.amount.amountMinor = '3840001'; }],
  ['buyer changed', CANCELLED, 'record.buyer', (d) => { d.record.buyer = 'participants/01a2450e-0000-7000-8000-000000000000'; }],
  ['filing number changed', CANCELLED, 'record.filingNumber', (d) => { d.record.filingNumber = 'DX-2022-000190'; }],
  ['state changed', CANCELLED, 'record.state', (d) => { d.record.state = 'TRADE_STATE_CONTRACTED'; }],
  ['settled amount changed', SETTLED, 'record.settledAmount.amountMinor', (d) => { d.record.settledAmount.amountMinor = '1'; }],
  ['a compliance evaluation changed', SETTLED, 'record.compliance.evaluations[0].outcome', (d) => { d.record.compliance.evaluations[0].outcome = 'PASSED'; }],
  ['a record member added with a value', CANCELLED, 'record.note', (d) => { d.record.note = 'trust me'; }],
  ['an event payload byte changed', SETTLED, 'leaves[3].entry.payload', (d) => { setPayload(d.leaves[3], payloadOf(d.leaves[3]).replace('135000000', '135000001')); }],
  ['a payload re-encoded (not canonical)', SETTLED, 'leaves[1].entry.payload', (d) => { setPayload(d.leaves[1], payloadOf(d.leaves[1]).replace('{"At"', '{ "At"')); }],
  ['the cancellation dropped', CANCELLED, 'leaves', (d) => { d.leaves.pop(); }],
  ['the last two events dropped', SETTLED, 'leaves', (d) => { d.leaves.splice(2); }],
  ['events reordered', SETTLED, 'leaves[0].entry.streamVersion', (d) => { [d.leaves[0], d.leaves[1]] = [d.leaves[1], d.leaves[0]]; }],
  ['an inclusion-proof hash changed', CANCELLED, 'leaves[0].inclusionProof', (d) => { d.leaves[0].inclusionProof[2] = b64edit(d.leaves[0].inclusionProof[2], (b) => { b[0] ^= 1; }); }],
  ['an inclusion-proof hash dropped', CANCELLED, 'leaves[1].inclusionProof', (d) => { d.leaves[1].inclusionProof.pop(); }],
  ['leaf index changed', CANCELLED, 'leaves[1].entry.leafIndex', (d) => { d.leaves[1].entry.leafIndex = String(Number(d.leaves[1].entry.leafIndex) + 1); }],
  ['leaf bytes changed', CANCELLED, 'leaves[1].entry.leaf', (d) => { d.leaves[1].entry.leaf = toBase64(new TextEncoder().encode(new TextDecoder().decode(fromBase64(d.leaves[1].entry.leaf)).replace('"leaf_index":', '"leaf_index": '))); }],
  ['event type relabelled', CANCELLED, 'leaves[1].entry.eventType', (d) => { d.leaves[1].entry.eventType = 'trade_delivered'; }],
  ['checkpoint root changed', CANCELLED, 'checkpoint.rootHash', (d) => { d.checkpoint.rootHash = b64edit(d.checkpoint.rootHash, (b) => { b[31] ^= 1; }); }],
  ['root changed inside the signed note', CANCELLED, 'checkpoint.signature.ed25519', (d) => {
    const lines = d.checkpoint.note.split('\n');
    lines[2] = b64edit(lines[2], (b) => { b[0] ^= 1; });
    d.checkpoint.note = lines.join('\n');
  }],
  ['checkpoint size changed', CANCELLED, 'treeSize', (d) => { d.treeSize = '2469'; }],
  ['checkpoint.treeSize changed', CANCELLED, 'checkpoint.treeSize', (d) => { d.checkpoint.treeSize = '2467'; }],
  ['Ed25519 signature byte flipped', CANCELLED, 'checkpoint.signature.ed25519', (d) => { d.checkpoint.note = editSignature(d.checkpoint.note, 'dataexchange-ed25519', (b) => { b[20] ^= 0x10; }); }],
  ['SM2 signature byte flipped', CANCELLED, 'checkpoint.signature.sm2', (d) => { d.checkpoint.note = editSignature(d.checkpoint.note, 'dataexchange-sm2', (b) => { b[20] ^= 0x10; }); }],
  ['SM2 signature line removed', CANCELLED, 'checkpoint.signature.sm2', (d) => { d.checkpoint.note = d.checkpoint.note.split('\n').filter((l) => !l.includes('dataexchange-sm2 ')).join('\n'); }],
  ['stream-heads proof changed', CANCELLED, 'streamHead.proof', (d) => { d.streamHead.proof[0] = b64edit(d.streamHead.proof[0], (b) => { b[7] ^= 1; }); }],
  ['stream-heads index changed', CANCELLED, 'streamHead.proof', (d) => { d.streamHead.index = String(Number(d.streamHead.index) ^ 1); }],
  ['stream-heads map size changed', CANCELLED, 'streamHead.mapSize', (d) => { d.streamHead.mapSize = '681'; }],
  ['wrong format version', CANCELLED, 'format', (d) => { d.format = 'dataexchange.trade-receipt/2'; }],
  ['format missing', CANCELLED, 'format', (d) => { delete d.format; }],
  ['hash algorithm changed', CANCELLED, 'leaves[0].entry.leaf', (d) => { d.hashAlgorithm = 'HASH_ALGORITHM_SM3'; }],
  ['trade relabelled', CANCELLED, 'trade', (d) => { d.trade = 'trades/01a2450e-df8a-7428-a93a-5a3b706bedc5'; }],
  ['origin changed', CANCELLED, 'origin', (d) => { d.origin = 'evil.example/ledger'; }],
  ['informational key id changed', CANCELLED, 'keys[1].keyId', (d) => { d.keys[1].keyId = 'e00fe3b3'; }],
  ['an unknown member with a value', CANCELLED, 'checkpoint.cosignatures', (d) => { d.checkpoint.cosignatures = [{ witness: 'w', verified: true }]; }],
];
