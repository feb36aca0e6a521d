// C2SP signed notes, keys and checkpoints; and a static guard that the modules hold no network code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MODULES, fixtureText, fixtureJson, KEYS, WITNESS } from './helpers.mjs';

const note = await import(new URL('note.js', MODULES));
const { verifyReceipt } = await import(new URL('receipt.js', MODULES));

test('keys: verifier keys read; ids are SHA-256(name ‖ 0x0A ‖ type ‖ material)[:4]; PEM and vkey name the same key', async () => {
  const ed = await note.parseVerifierKey(KEYS[0]);
  const sm2 = await note.parseVerifierKey(KEYS[1]);
  assert.equal(ed.kind, 'ed25519');
  assert.equal(sm2.kind, 'sm2');
  assert.equal(ed.label, KEYS[0].split('+').slice(0, 2).join('+'));
  assert.equal(sm2.label, KEYS[1].split('+').slice(0, 2).join('+'));
  const fromPem = await note.keyFromSpki('dataexchange-sm2', fixtureText('keys/dataexchange-sm2.pem'));
  assert.equal(fromPem.idHex, sm2.idHex);
  assert.equal((await note.keyFromSpki('dataexchange-ed25519', fixtureText('keys/dataexchange-ed25519.pem'))).idHex, ed.idHex);
  const w = await note.parseVerifierKey(WITNESS);
  assert.equal(w.kind, 'cosignature');
  // An id that is not the key's, a bad name, an unknown type: refused.
  await assert.rejects(note.parseVerifierKey(KEYS[0].replace(/\+[0-9a-f]{8}\+/, '+00000000+')), /does not match/);
  await assert.rejects(note.parseVerifierKey(`bad name${KEYS[0].slice(KEYS[0].indexOf('+'))}`));
  await assert.rejects(note.parseVerifierKey('x+00000000+BwAA'));
  // The receipt's SigningKey objects read as well.
  const k = fixtureJson('receipt-cancelled-domestic.json').keys[1];
  assert.equal((await note.toKey({ keyName: k.keyName, publicKeyPem: k.publicKeyPem })).idHex, k.keyId);
});

test('notes: the real checkpoint verifies with both keys; the body parses with its stream-heads line', async () => {
  const text = fixtureText('checkpoint-2468.note');
  const keys = await Promise.all(KEYS.map(note.parseVerifierKey));
  const { note: parsed, results } = await note.verifyNote(text, keys);
  assert.deepEqual(results.map((r) => r.ok), [true, true]);
  assert.equal(parsed.signatures.length, 3, 'two log signatures and one witness cosignature');
  const cp = note.parseCheckpoint(parsed.text);
  assert.equal(cp.origin, 'dataexchange.local/ledger');
  assert.equal(cp.size, 2468n);
  assert.equal(cp.streamHeads.count, 682n);
  // Another text under the same signatures: both fail.
  const other = text.replace('\n2468\n', '\n2469\n');
  assert.deepEqual((await note.verifyNote(other, keys)).results.map((r) => r.ok), [false, false]);
});

test('notes: the witness cosignature (tlog-cosignature/v1) verifies over its own message, and only there', async () => {
  const parsed = note.parseNote(fixtureText('checkpoint-2468.note'));
  const w = await note.parseVerifierKey(WITNESS);
  const line = parsed.signatures.find((s) => s.name === w.name);
  const good = await note.verifyCosignature(w, parsed.text, line.sig);
  assert.equal(good.ok, true);
  assert.ok(good.timestamp > 1700000000n);
  assert.equal((await note.verifyCosignature(w, parsed.text.replace('2468', '2467'), line.sig)).ok, false);
  const later = line.sig.slice();
  later[7] ^= 1; // the timestamp is signed too
  assert.equal((await note.verifyCosignature(w, parsed.text, later)).ok, false);
  // A log key is not a witness key.
  assert.equal((await note.verifyCosignature(await note.parseVerifierKey(KEYS[0]), parsed.text, line.sig)).ok, false);
});

test('notes: malformed notes and checkpoint bodies are refused, and a receipt names checkpoint.note', async () => {
  const text = fixtureText('checkpoint-2468.note');
  for (const [label, bad] of [
    ['no blank line', text.replace('\n\n', '\n')],
    ['no final newline', text.slice(0, -1)],
    ['a line without the em dash', `${text}- x AAAAAAA=\n`],
    ['a signature not base64', text.replace(/(\u2014 dataexchange-sm2 )\S+/u, '$1not*base64')],
    ['a control character', text.replace('dataexchange.local', 'dataexchange\u0007.local')],
  ]) assert.throws(() => note.parseNote(bad), Error, label);
  assert.throws(() => note.parseCheckpoint('origin\n012\nAAAA\n'), /canonical decimal/);
  assert.throws(() => note.parseCheckpoint('origin\n12\nAAAA\n'), /32-byte/);
  assert.equal(note.parseCheckpoint(`o\n1\n${'A'.repeat(43)}=\n`).streamHeads, null, 'no stream-heads line');

  const doc = fixtureJson('receipt-cancelled-domestic.json');
  doc.checkpoint.note = doc.checkpoint.note.replace('\n\n', '\n');
  const r = await verifyReceipt(JSON.stringify(doc), { trustedKeys: KEYS });
  assert.equal(r.ok, false);
  assert.ok(r.checks.some((c) => c.field === 'checkpoint.note' && !c.ok));
  const lines = fixtureJson('receipt-cancelled-domestic.json');
  lines.checkpoint.note = lines.checkpoint.note.replace(/stream-heads [^\n]*\n/, '');
  const noHeads = await verifyReceipt(JSON.stringify(lines));
  assert.ok(noHeads.checks.some((c) => c.field === 'checkpoint.note' && !c.ok && /stream-heads/.test(c.message)));
});

test('no network code: the modules never call fetch, XMLHttpRequest, WebSocket, sendBeacon or import()', () => {
  const dir = fileURLToPath(MODULES);
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
  assert.ok(files.length >= 7);
  for (const f of files) {
    const src = readFileSync(dir + f, 'utf8').replace(/\/\/.*$/gm, '');
    assert.doesNotMatch(src, /\bfetch\s*\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon|\bimport\s*\(/, f);
    for (const m of src.matchAll(/from\s+'([^']+)'/g)) assert.match(m[1], /^\.\/[a-z0-9]+\.js$/, `${f} imports only sibling modules`);
  }
});

test('verifyCheckpoint: the real note with keys and witness; a forged line and an unknown witness fail', async () => {
  const { verifyCheckpoint } = await import(new URL('index.js', MODULES));
  const text = fixtureText('checkpoint-2468.note');
  const good = await verifyCheckpoint(text, { trustedKeys: KEYS, witnesses: [WITNESS], expectedOrigin: 'dataexchange.local/ledger' });
  assert.deepEqual(good.checks.filter((c) => !c.ok), []);
  assert.equal(good.ok, true);
  assert.equal(good.checkpoint.size, '2468');
  assert.equal(good.checkpoint.streamHeads.count, '682');
  assert.equal(good.cosignatures[0].verified, true);
  const forged = text.replace(/(\u2014 dataexchange-ed25519 \S{20})(\S)/u, (m, a, b) => a + (b === 'A' ? 'B' : 'A'));
  const bad = await verifyCheckpoint(forged, { trustedKeys: KEYS });
  assert.equal(bad.ok, false);
  assert.ok(bad.checks.some((c) => c.field === 'signature.ed25519' && !c.ok));
  // The same key material under another witness name: a well-formed key that never cosigned this note.
  const material = WITNESS.split('+').slice(2).join('+'); // base64 may hold '+'
  const id = Buffer.from(await note.keyId('other.example/w', note.fromBase64(material))).toString('hex');
  const w = await verifyCheckpoint(text, { trustedKeys: KEYS, witnesses: [`other.example/w+${id}+${material}`] });
  assert.equal(w.ok, false);
  assert.ok(w.checks.some((c) => c.field === 'witness[other.example/w]' && !c.ok && /no cosignature/.test(c.message)));
  assert.ok(w.checks.some((c) => c.field === 'witnesses' && !c.ok));
  assert.equal((await verifyCheckpoint('not a note', {})).ok, false);
});
