// Two implementations, one answer: every alteration of a real receipt is refused by tools/verify_receipt.py naming the
// same member as this verifier (signature failures: Python says checkpoint.note, this verifier
// checkpoint.signature.<type>). Skipped without python3 and openssl.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODULES, fixtureText, fixtureJson, KEYS } from './helpers.mjs';

const { verifyReceipt, isDefault } = await import(new URL('receipt.js', MODULES));
const { ALTERATIONS } = await import('./alterations.mjs');

const tool = fileURLToPath(new URL('../../tools/verify_receipt.py', import.meta.url));
const keyFiles = ['dataexchange-ed25519.vkey', 'dataexchange-sm2.vkey'].map((f) => fileURLToPath(new URL(`./fixtures/keys/${f}`, import.meta.url)));
const missing = (() => {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'python3 or openssl missing';
  }
})();

// The servers print proto3 defaults of members the receipt format does not define, which verify_receipt.py refuses
// (fixtures/README.md); drop those before handing a receipt to it. Map values (inputs) are data, not defaults.
function dropUndefinedDefaults(d) {
  const cp = d.checkpoint ?? {};
  for (const k of ['cosignatures', 'witnessQuorum', 'witnessQuorumState']) if (k in cp && isDefault(cp[k])) delete cp[k];
  const r = d.record;
  if (!r || typeof r !== 'object') return d;
  for (const j of ['vendorJurisdiction', 'buyerJurisdiction']) for (const k of ['code', 'chineseName', 'freeTradeZone']) if (r[j] && isDefault(r[j][k])) delete r[j][k];
  const c = r.compliance ?? {};
  for (const k of ['outcome', 'crossing', 'exemption', 'citations', 'openQuestion']) if (isDefault(c[k])) delete c[k];
  for (const e of c.evaluations ?? []) if (isDefault(e.citation)) delete e.citation;
  return d;
}

const python = (file) => new Promise((ok) => execFile('python3', [tool, file, ...keyFiles.flatMap((k) => ['--key', k])], (err, stdout) => ok(stdout.trim())));

test('cross-check: the Python verifier accepts the real receipts and refuses each alteration naming the same member', { skip: missing, timeout: 300000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'explorer-verify-'));
  try {
    for (const name of ['receipt-cancelled-domestic.json', 'receipt-settled-crossborder.json']) {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(dropUndefinedDefaults(fixtureJson(name))));
      assert.match(await python(file), /^OK: /, name);
      assert.equal((await verifyReceipt(fixtureText(name), { trustedKeys: KEYS })).ok, true);
    }
    let n = 0;
    for (const [label, fixture, field, alter] of ALTERATIONS) {
      const doc = fixtureJson(fixture);
      alter(doc);
      const file = join(dir, `altered-${n++}.json`);
      writeFileSync(file, JSON.stringify(dropUndefinedDefaults(doc)));
      const line = await python(file);
      const m = /^INVALID: (\S+): /.exec(line);
      assert.ok(m, `${label}: Python says ${line}`);
      const pyField = m[1] === 'checkpoint.note' && field.startsWith('checkpoint.signature.') ? field : m[1];
      const js = await verifyReceipt(JSON.stringify(doc), { trustedKeys: KEYS });
      assert.ok(js.checks.some((c) => !c.ok && c.field === pyField), `${label}: Python names ${m[1]}, this verifier ${JSON.stringify(js.checks.filter((c) => !c.ok).map((c) => c.field))}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
