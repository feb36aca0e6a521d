// verifyReceipt against real receipts from a seeded server (fixtures/README.md), and altered copies of them: each
// alteration must be refused with the member at fault named, as RECEIPTS.md requires.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MODULES, fixtureText, fixtureJson, KEYS, SM3_KEYS, WITNESS } from './helpers.mjs';

const { verifyReceipt, verifyConsistency, verifySealedText } = await import(new URL('index.js', MODULES));
const { toBase64 } = await import(new URL('note.js', MODULES));
const { ALTERATIONS, CANCELLED, SETTLED, b64edit, editSignature } = await import('./alterations.mjs');

// The verifier must never touch the network: any fetch during these tests fails them.
let fetchCalls = 0;
const realFetch = globalThis.fetch;
before(() => {
  globalThis.fetch = () => {
    fetchCalls++;
    throw new Error('verifyReceipt must not fetch');
  };
});
after(() => {
  globalThis.fetch = realFetch;
});

const RECEIPTS = ['receipt-cancelled-domestic.json', 'receipt-settled-crossborder.json', 'receipt-delivered-domestic.json', 'receipt-refused-crossborder.json'];
const SM3_RECEIPTS = ['sm3/receipt-cancelled-domestic.json', 'sm3/receipt-settled-crossborder.json'];
const ORIGIN = 'dataexchange.local/ledger';

const failures = (result) => result.checks.filter((c) => !c.ok);

function assertValid(result, label) {
  assert.deepEqual(failures(result), [], `${label}: every check passes`);
  assert.equal(result.ok, true, label);
}

/** Asserts the receipt is refused and that a failing check names `field`. */
function assertRejected(result, field, label = field) {
  assert.equal(result.ok, false, `${label}: must not verify`);
  const fields = failures(result).map((c) => c.field);
  assert.ok(fields.includes(field), `${label}: expected a failing check on ${field}, got ${JSON.stringify(failures(result))}`);
}

const options = { trustedKeys: KEYS, expectedOrigin: ORIGIN };

for (const name of RECEIPTS) {
  test(`valid: ${name} verifies with the exchange's keys, every check ok`, async () => {
    const r = await verifyReceipt(fixtureText(name), options);
    assertValid(r, name);
    assert.equal(r.trust, 'options');
    const fields = r.checks.map((c) => c.field);
    for (const f of ['format', 'trade', 'checkpoint.signature.ed25519', 'checkpoint.signature.sm2', 'checkpoint.note', 'checkpoint.rootHash',
      'leaves[0].entry.leaf', 'leaves[0].entry.payload', 'leaves[0].inclusionProof', 'streamHead.proof', 'leaves', 'record.amount', 'record.state', 'keys[0]']) {
      assert.ok(fields.includes(f), `${name}: a check on ${f}`);
    }
  });
}

for (const name of SM3_RECEIPTS) {
  test(`valid: ${name} (an SM3 log) verifies`, async () => {
    const r = await verifyReceipt(fixtureText(name), { trustedKeys: SM3_KEYS });
    assertValid(r, name);
    assert.match(r.checks.find((c) => c.field === 'hashAlgorithm').message, /SM3/);
  });
}

test('valid: without trusted keys the receipt\'s own keys are used, and the result says so', async () => {
  const r = await verifyReceipt(fixtureText(RECEIPTS[0]));
  assertValid(r, 'receipt keys');
  assert.equal(r.trust, 'receipt');
  assert.match(r.checks.find((c) => c.field === 'keys').message, /not who signed/);
  assertRejected(await verifyReceipt(fixtureText(RECEIPTS[0]), { requireTrustedKeys: true }), 'keys', 'requireTrustedKeys');
});

test('valid: a parsed object and UTF-8 bytes verify as the text does', async () => {
  assertValid(await verifyReceipt(fixtureJson(RECEIPTS[1]), options), 'object');
  assertValid(await verifyReceipt(new TextEncoder().encode(fixtureText(RECEIPTS[1])), options), 'bytes');
});

test('valid: the witness cosignature verifies with the witness key; the summary lists it', async () => {
  const r = await verifyReceipt(fixtureText(RECEIPTS[0]), { ...options, witnesses: [WITNESS] });
  assertValid(r, 'witnessed');
  assert.ok(r.checks.some((c) => c.field === 'checkpoint.witness[witness.localhost/run-sh]' && c.ok));
  assert.deepEqual(r.summary.cosignatures.map((c) => c.verified), [true]);
  assert.equal(r.summary.state, 'TRADE_STATE_CANCELLED');
  assert.equal(r.summary.filingNumber, 'DX-2022-000189');
});

// ------------------------------------------------------------------------------------------ altered receipts
for (const [label, file, field, alter] of ALTERATIONS) {
  test(`rejected: ${label} → ${field}`, async () => {
    const doc = fixtureJson(file);
    alter(doc);
    assertRejected(await verifyReceipt(JSON.stringify(doc), options), field, label);
  });
}

test('rejected: truncated JSON, not JSON, and a member given twice', async () => {
  const text = fixtureText(CANCELLED);
  assertRejected(await verifyReceipt(text.slice(0, text.length / 2), options), '$', 'truncated');
  assertRejected(await verifyReceipt('', options), '$', 'empty');
  assertRejected(await verifyReceipt('[]', options), '$', 'an array');
  assertRejected(await verifyReceipt('null', options), '$', 'null');
  assertRejected(await verifyReceipt(null, options), '$', 'no receipt at all');
  assertRejected(await verifyReceipt(new Uint8Array([0xff, 0xfe, 0x7b]), options), '$', 'not UTF-8');
  // A second "record" after the real one: JSON.parse would keep it silently.
  const twice = text.replace(/\}\s*$/, ', "record": {"trade": "x"}}');
  assertRejected(await verifyReceipt(twice, options), 'record', 'record twice');
});

test('rejected: keys that did not sign (another log\'s keys), and an unexpected origin', async () => {
  const r = await verifyReceipt(fixtureText(CANCELLED), { trustedKeys: SM3_KEYS });
  assertRejected(r, 'checkpoint.signature.ed25519', 'other ed25519 key');
  assertRejected(r, 'checkpoint.signature.sm2', 'other sm2 key');
  assertRejected(await verifyReceipt(fixtureText(CANCELLED), { ...options, expectedOrigin: 'other.example/log' }), 'origin', 'expected origin');
});

test('rejected: a flipped witness cosignature, and a missing one under a quorum', async () => {
  const doc = fixtureJson(CANCELLED);
  doc.checkpoint.note = editSignature(doc.checkpoint.note, 'witness.localhost/run-sh', (b) => { b[30] ^= 1; });
  const r = await verifyReceipt(JSON.stringify(doc), { ...options, witnesses: [WITNESS] });
  assertRejected(r, 'checkpoint.witness[witness.localhost/run-sh]');
  assertRejected(r, 'checkpoint.witnesses');
  // Without witness keys the cosignature lines are listed, unverified, and do not matter.
  assertValid(await verifyReceipt(JSON.stringify(doc), options), 'unverified cosignature ignored');
  const none = fixtureJson(SM3_RECEIPTS[0]);
  assertRejected(await verifyReceipt(JSON.stringify(none), { trustedKeys: SM3_KEYS, witnesses: [WITNESS] }), 'checkpoint.witnesses', 'no cosignature');
});

test('tolerated: members the proto has but the format leaves empty, with default values only', async () => {
  const doc = fixtureJson(CANCELLED);
  assert.deepEqual(doc.checkpoint.cosignatures, [], 'the real server prints them empty');
  doc.checkpoint.witnessQuorum = 0;
  doc.leaves[0].entry.leafHash = '';
  assertValid(await verifyReceipt(JSON.stringify(doc), options), 'defaults');
  doc.record.vendorJurisdiction.code = '520100';
  assertRejected(await verifyReceipt(JSON.stringify(doc), options), 'record.vendorJurisdiction.code', 'a value the events do not give');
});

// ---------------------------------------------------------------------------------------- consistency proofs
for (const [dir, keys] of [['', KEYS], ['sm3/', SM3_KEYS]]) {
  test(`consistency${dir ? ' (SM3 log)' : ''}: the real proof passes; a changed hash, a dropped hash, swapped checkpoints fail`, async () => {
    const c = fixtureJson(`${dir}consistency.json`);
    const opts = { trustedKeys: keys, hashAlgorithm: c.hashAlgorithm };
    const good = await verifyConsistency(c.oldNote, c.newNote, c.proof, opts);
    assert.deepEqual(good.checks.filter((x) => !x.ok), []);
    assert.equal(good.ok, true);
    assert.equal(good.old.size, c.firstTreeSize);
    assert.equal(good.new.size, c.secondTreeSize);

    const changed = c.proof.slice();
    changed[3] = b64edit(changed[3], (b) => { b[9] ^= 1; });
    assertRejected(await verifyConsistency(c.oldNote, c.newNote, changed, opts), 'proof', 'changed hash');
    assertRejected(await verifyConsistency(c.oldNote, c.newNote, c.proof.slice(1), opts), 'proof', 'dropped hash');
    assertRejected(await verifyConsistency(c.newNote, c.oldNote, c.proof, opts), 'newCheckpoint.treeSize', 'swapped');
    assertRejected(await verifyConsistency(c.oldNote, c.newNote, ['not base64!'], opts), 'proof[0]', 'malformed');
    // Without the hash named, SHA-256 then SM3 is tried: the right one is found and said.
    const guessed = await verifyConsistency(c.oldNote, c.newNote, c.proof, { trustedKeys: keys });
    assert.equal(guessed.ok, true);
    assert.equal(guessed.hashAlgorithm, c.hashAlgorithm);
    assertRejected(await verifyConsistency(c.oldNote, c.newNote, changed, { trustedKeys: keys }), 'proof', 'changed hash, either hash');
    assertRejected(await verifyConsistency(c.oldNote, c.newNote, c.proof, { ...opts, hashAlgorithm: c.hashAlgorithm.endsWith('SM3') ? 'HASH_ALGORITHM_SHA256' : 'HASH_ALGORITHM_SM3' }), 'proof', 'the other hash named');
    const forged = editSignature(c.newNote, 'dataexchange-ed25519', (b) => { b[10] ^= 1; });
    assertRejected(await verifyConsistency(c.oldNote, forged, c.proof, opts), 'newCheckpoint.signature.ed25519', 'forged signature');
  });
}

test('sealed text: a (text, salt) opens its commitment; another text does not', async () => {
  const salt = toBase64(new Uint8Array(16).fill(7));
  const commitment = 'sha256:' + Buffer.from(await crypto.subtle.digest('SHA-256', Buffer.concat([Buffer.alloc(16, 7), Buffer.from('Received and checked')]))).toString('hex');
  assert.ok(await verifySealedText(commitment, 'Received and checked', salt));
  assert.ok(!(await verifySealedText(commitment, 'Received and checked.', salt)));
  assert.ok(!(await verifySealedText(commitment.replace('sha256:', 'sm3:'), 'Received and checked', salt)));
  // SM3 logs: the commitment as `openssl dgst -sm3` computes it over salt ‖ UTF-8 text.
  const sm3Commitment = 'sm3:ef1f0070bd50b211249c1acc17b6f1fd7153dfdec246cf951384a0dfe8b7787f';
  assert.ok(await verifySealedText(sm3Commitment, '交付完成', salt));
  assert.ok(!(await verifySealedText(sm3Commitment, '交付未完成', salt)));
});

test('no network: nothing above called fetch', () => {
  assert.equal(fetchCalls, 0);
});

test('keys across a rotation: another key of a trusted name that did not sign is fine; a trusted name that did not sign fails', async () => {
  const { keyFromSpki } = await import(new URL('note.js', MODULES));
  // A second (made-up) Ed25519 key of the same name stands for the key before or after a rotation.
  const other = await keyFromSpki('dataexchange-ed25519', `-----BEGIN PUBLIC KEY-----\n${toBase64(Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00, ...new Uint8Array(32).fill(9)]))}\n-----END PUBLIC KEY-----\n`);
  assertValid(await verifyReceipt(fixtureText(CANCELLED), { trustedKeys: [...KEYS, other] }), 'rotation');
  // Only the made-up key for that name: not signed by it.
  assertRejected(await verifyReceipt(fixtureText(CANCELLED), { trustedKeys: [KEYS[1], other] }), 'checkpoint.signature.ed25519', 'not the signing key');
  // A trusted key the page cannot read is the page's error, named `keys`.
  assertRejected(await verifyReceipt(fixtureText(CANCELLED), { trustedKeys: ['nonsense'] }), 'keys', 'unreadable trusted key');
});

test('robustness: 150 random one-character changes never throw, and every change to signed or hashed bytes fails', async () => {
  const text = fixtureText(SETTLED);
  let seed = 20261205;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const doc = JSON.parse(text);
  // Spans whose bytes a signature or a hash covers: any change there must be refused.
  const covered = [doc.checkpoint.note.split('\n\n')[0], ...doc.leaves.flatMap((l) => [l.entry.leaf, l.entry.payload]), doc.streamHead.entry]
    .map((s) => JSON.stringify(s).slice(1, -1)).map((s) => [text.indexOf(s), text.indexOf(s) + s.length]);
  let refused = 0;
  for (let k = 0; k < 150; k++) {
    const at = rand(text.length);
    const ch = 'AZaz09+/=:,{}[]" \\'[rand(18)];
    if (text[at] === ch) continue;
    const mutated = text.slice(0, at) + ch + text.slice(at + 1);
    const r = await verifyReceipt(mutated, { trustedKeys: KEYS });
    assert.equal(typeof r.ok, 'boolean');
    assert.ok(r.checks.every((c) => typeof c.field === 'string' && typeof c.message === 'string'));
    if (!r.ok) refused++;
    if (covered.some(([a, b]) => a >= 0 && at >= a && at < b)) assert.equal(r.ok, false, `a change at ${at} inside signed or hashed bytes`);
  }
  assert.ok(refused > 100, `most random changes are refused (${refused})`);
});

// proto3 JSON lets a writer leave out every default value (Google.Protobuf's JsonFormatter.Default does): the same
// receipts with every default dropped verify alike (RECEIPTS.md "The document": present or omitted, treated alike).
function withoutDefaults(v) {
  if (Array.isArray(v)) return v.map(withoutDefaults);
  if (v === null || typeof v !== 'object') return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    const y = withoutDefaults(x);
    const empty = y === null || y === false || y === 0 || y === '' || y === '0' || (Array.isArray(y) && y.length === 0)
      || (typeof y === 'string' && y.endsWith('_UNSPECIFIED'));
    if (!empty) out[k] = y;
  }
  return out;
}

test('receipts with every default value left out verify like those that show them', async () => {
  for (const name of RECEIPTS) {
    const receipt = withoutDefaults(fixtureJson(name));
    assertValid(await verifyReceipt(receipt, { trustedKeys: KEYS, expectedOrigin: ORIGIN }), `${name} without defaults`);
  }
});
