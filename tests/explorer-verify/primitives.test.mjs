// SM3, SM2 and RFC 9162 Merkle known answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, getHashes, randomBytes } from 'node:crypto';
import { MODULES, fixtureJson, fixtureText, hexOf, bytes } from './helpers.mjs';

const { sm3 } = await import(new URL('sm3.js', MODULES));
const { sm2Verify, za, onCurve, CURVE } = await import(new URL('sm2.js', MODULES));
const merkle = await import(new URL('merkle.js', MODULES));
const { pemToDer, fromBase64, toBase64, parseNote } = await import(new URL('note.js', MODULES));

test('SM3: GB/T 32905 known answers', () => {
  assert.equal(hexOf(sm3(bytes('abc'))), '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  assert.equal(hexOf(sm3(bytes('abcd'.repeat(16)))), 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
  assert.equal(hexOf(sm3(new Uint8Array(0))), '1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b');
});

test('SM3: agrees with OpenSSL (node:crypto) at every length around the block and padding boundaries', { skip: !getHashes().includes('sm3') && 'no sm3 in node:crypto' }, () => {
  for (const n of [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000]) {
    const data = randomBytes(n);
    assert.equal(hexOf(sm3(data)), createHash('sm3').update(data).digest('hex'), `length ${n}`);
  }
});

// GB/T 32918.2-2016 / draft-shen-sm2-ecdsa-02 Annex A.2: the example on a 256-bit test curve, user id ALICE123@YAHOO.COM.
const H = (s) => BigInt(`0x${s.replace(/ /g, '')}`);
const EXAMPLE_CURVE = {
  p: H('8542D69E 4C044F18 E8B92435 BF6FF7DE 45728391 5C45517D 722EDB8B 08F1DFC3'),
  a: H('787968B4 FA32C3FD 2417842E 73BBFEFF 2F3C848B 6831D7E0 EC65228B 3937E498'),
  b: H('63E4C6D3 B23B0C84 9CF84241 484BFE48 F61D59A5 B16BA06E 6E12D1DA 27C5249A'),
  gx: H('421DEBD6 1B62EAB6 746434EB C3CC315E 32220B3B ADD50BDC 4C4E6C14 7FEDD43D'),
  gy: H('0680512B CBB42C07 D47349D2 153B70C4 E5D7FDFC BFA36EA1 A85841B9 E46E09A2'),
  n: H('8542D69E 4C044F18 E8B92435 BF6FF7DD 29772063 0485628D 5AE74EE7 C32E79B7'),
};
const EXAMPLE_KEY = { x: H('0AE4C779 8AA0F119 471BEE11 825BE462 02BB79E2 A5844495 E97C04FF 4DF2548A'), y: H('7C0240F8 8F1CD4E1 6352A73C 17B7F16F 07353E53 A176D684 A9FE0C6B B798E857') };
const EXAMPLE_SIG = Buffer.from('3044022040F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D102206FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7', 'hex');
const ALICE = bytes('ALICE123@YAHOO.COM');

test('SM2: the GB/T 32918 example signature (Z_A and verification)', () => {
  assert.equal(hexOf(za(EXAMPLE_KEY, ALICE, EXAMPLE_CURVE)), 'f4a38489e32b45b6f876e3ac2168ca392362dc8f23459c1d1146fc3dbfb7bc9a');
  assert.ok(sm2Verify(EXAMPLE_KEY, bytes('message digest'), new Uint8Array(EXAMPLE_SIG), ALICE, EXAMPLE_CURVE));
  assert.ok(!sm2Verify(EXAMPLE_KEY, bytes('message digesT'), new Uint8Array(EXAMPLE_SIG), ALICE, EXAMPLE_CURVE));
  assert.ok(!sm2Verify(EXAMPLE_KEY, bytes('message digest'), new Uint8Array(EXAMPLE_SIG), bytes('1234567812345678'), EXAMPLE_CURVE), 'another user id');
});

test('SM2: the recommended curve sm2p256v1 has its generator on it', () => {
  assert.ok(onCurve(CURVE.gx, CURVE.gy));
});

test('SM2: a signature made by OpenSSL 3 (distid 1234567812345678) verifies; a flipped bit does not', () => {
  const f = fixtureJson('sm2-openssl.json');
  const key = pemToDer(f.publicKeyPem);
  const sig = fromBase64(f.signatureDerBase64);
  assert.ok(sm2Verify(key, bytes(f.message), sig));
  const msg = bytes(f.message);
  msg[0] ^= 1;
  assert.ok(!sm2Verify(key, msg, sig), 'message bit flipped');
  for (const at of [8, 40, sig.length - 1]) {
    const bad = sig.slice();
    bad[at] ^= 0x01;
    assert.ok(!sm2Verify(key, bytes(f.message), bad), `signature byte ${at} flipped`);
  }
  assert.ok(!sm2Verify(key, bytes(f.message), sig.subarray(0, sig.length - 1)), 'truncated DER');
  assert.ok(!sm2Verify(key, bytes(f.message), sig, bytes('')), 'the empty id (OpenSSL 3 default) is another Z_A');
});

test('SM2: the real server\'s signature on a checkpoint verifies; an off-curve key is refused', () => {
  const note = parseNote(fixtureText('checkpoint-2468.note'));
  const line = note.signatures.find((s) => s.name === 'dataexchange-sm2');
  const spki = pemToDer(fixtureText('keys/dataexchange-sm2.pem'));
  assert.ok(sm2Verify(spki, note.textBytes, line.sig));
  const offCurve = spki.slice();
  offCurve[offCurve.length - 1] ^= 1;
  assert.ok(!sm2Verify(offCurve, note.textBytes, line.sig));
});

// RFC 6962 reference tree (transparency-dev/merkle proof/verify_test.go), as tests/DataExchange.Ledger.Tests uses it.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => new Uint8Array(Buffer.from(h, 'hex')));
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', 'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4', '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c', '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const hx = (s) => new Uint8Array(Buffer.from(s, 'hex'));
const INCLUSION = [
  [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [0, 1, []],
];
const CONSISTENCY = [
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [6, 7, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [1, 1, []],
];

test('Merkle: RFC 6962 reference roots for sizes 0 to 8', async () => {
  assert.equal(hexOf(await merkle.treeHash(merkle.SHA256, [])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  for (let n = 1; n <= 8; n++) assert.equal(hexOf(await merkle.treeHash(merkle.SHA256, LEAVES.slice(0, n))), ROOTS[n - 1], `size ${n}`);
});

test('Merkle: RFC 6962 inclusion proofs verify, and any change fails', async () => {
  const h = merkle.SHA256;
  for (const [index, size, proof] of INCLUSION) {
    const leaf = await merkle.hashLeaf(h, LEAVES[index]);
    const root = hx(ROOTS[size - 1]);
    assert.ok(await merkle.verifyInclusion(h, index, size, leaf, proof.map(hx), root), `${index}/${size}`);
    if (size > 1) assert.ok(!(await merkle.verifyInclusion(h, index + 1 < size ? index + 1 : index - 1, size, leaf, proof.map(hx), root)), `wrong index ${index}/${size}`);
    if (proof.length) {
      const bad = proof.map(hx);
      bad[0][0] ^= 1;
      assert.ok(!(await merkle.verifyInclusion(h, index, size, leaf, bad, root)), `changed hash ${index}/${size}`);
      assert.ok(!(await merkle.verifyInclusion(h, index, size, leaf, proof.slice(1).map(hx), root)), `short proof ${index}/${size}`);
    }
    assert.ok(!(await merkle.verifyInclusion(h, index, size, leaf, [...proof.map(hx), hx(ROOTS[0])], root)), `long proof ${index}/${size}`);
  }
  assert.equal(await merkle.rootFromInclusionProof(h, 8, 8, new Uint8Array(32), []), null, 'index outside the tree');
});

test('Merkle: RFC 6962 consistency proofs verify, and any change fails', async () => {
  const h = merkle.SHA256;
  for (const [a, b, proof] of CONSISTENCY) {
    const [ra, rb] = [hx(ROOTS[a - 1]), hx(ROOTS[b - 1])];
    assert.ok(await merkle.verifyConsistency(h, a, b, ra, rb, proof.map(hx)), `${a}→${b}`);
    if (a !== b) {
      assert.ok(!(await merkle.verifyConsistency(h, b, a, rb, ra, proof.map(hx))), `swapped ${a}→${b}`);
      const bad = proof.map(hx);
      bad[bad.length - 1][5] ^= 1;
      assert.ok(!(await merkle.verifyConsistency(h, a, b, ra, rb, bad)), `changed ${a}→${b}`);
      assert.ok(!(await merkle.verifyConsistency(h, a, b, ra, hx(ROOTS[0]), proof.map(hx))), `other root ${a}→${b}`);
    }
  }
  assert.ok(!(await merkle.verifyConsistency(h, 3, 3, hx(ROOTS[2]), hx(ROOTS[3]), [])), 'same size, other root');
});

test('Merkle: SM3 leaf and node hashing is RFC 9162 with H = SM3', async () => {
  const h = merkle.SM3;
  assert.equal(hexOf(await merkle.treeHash(h, [])), hexOf(sm3(new Uint8Array(0))));
  const l0 = sm3(Uint8Array.of(0, 0x61));
  const l1 = sm3(Uint8Array.of(0, 0x62));
  const root = sm3(Uint8Array.from([1, ...l0, ...l1]));
  assert.equal(hexOf(await merkle.treeHash(h, [bytes('a'), bytes('b')])), hexOf(root));
  assert.ok(await merkle.verifyInclusion(h, 1, 2, l1, [l0], root));
});

test('base64: strict and canonical', () => {
  assert.equal(toBase64(bytes('ab')), 'YWI=');
  assert.deepEqual(fromBase64('YWI='), bytes('ab'));
  for (const bad of ['YWJ=', 'YWI', 'YW I=', 'YWI==', '====', 'Y-I=']) assert.equal(fromBase64(bad), null, bad);
});
