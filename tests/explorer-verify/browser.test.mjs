// The same modules in a real browser: headless Chromium loads them as ES modules over HTTP (no build step) and
// verifies the real receipts there. Skipped when no chromium is installed (set DX_CHROMIUM to its path otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MODULES, KEYS } from './helpers.mjs';

function findChromium() {
  for (const c of [process.env.DX_CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean)) {
    try {
      execFileSync('sh', ['-c', `command -v "${c}"`], { stdio: 'ignore' });
      return c;
    } catch { /* next */ }
  }
  return null;
}

const chromium = findChromium();
const FIXTURES = new URL('./fixtures/', import.meta.url);

const PAGE = `<!doctype html><meta charset="utf-8"><pre id="out">pending</pre><script type="module">
import { verifyReceipt, verifyConsistency } from '/verify/index.js';
const keys = ${JSON.stringify(KEYS)};
const get = async (p) => (await fetch('/fixtures/' + p)).text();
const out = {};
try {
  for (const f of ['receipt-cancelled-domestic.json', 'receipt-settled-crossborder.json', 'sm3/receipt-settled-crossborder.json']) {
    const r = await verifyReceipt(await get(f), f.startsWith('sm3/') ? {} : { trustedKeys: keys });
    out[f] = { ok: r.ok, failed: r.checks.filter((c) => !c.ok).map((c) => c.field) };
  }
  const bad = JSON.parse(await get('receipt-cancelled-domestic.json'));
  bad.checkpoint.note = bad.checkpoint.note.replace(/(\\u2014 dataexchange-sm2 \\S{30})(\\S)/u, (m, a, b) => a + (b === 'A' ? 'B' : 'A'));
  const r = await verifyReceipt(JSON.stringify(bad), { trustedKeys: keys });
  out.altered = { ok: r.ok, failed: r.checks.filter((c) => !c.ok).map((c) => c.field) };
  const c = JSON.parse(await get('consistency.json'));
  out.consistency = (await verifyConsistency(c.oldNote, c.newNote, c.proof, { trustedKeys: keys })).ok;
} catch (e) { out.error = String(e && e.stack || e); }
document.getElementById('out').textContent = JSON.stringify(out);
</script>`;

test('in headless Chromium: real receipts verify, an altered SM2 signature fails, the consistency proof holds', { skip: !chromium && 'no chromium installed', timeout: 120000 }, async () => {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    try {
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      } else if (path.startsWith('/verify/') && !path.includes('..')) {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(await readFile(fileURLToPath(new URL(path.slice(8), MODULES))));
      } else if (path.startsWith('/fixtures/') && !path.includes('..')) {
        res.writeHead(200).end(await readFile(fileURLToPath(new URL(path.slice(10), FIXTURES))));
      } else {
        res.writeHead(404).end();
      }
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const url = `http://127.0.0.1:${server.address().port}/`;
    const dom = await new Promise((ok, fail) => execFile(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=30000', '--dump-dom', url],
      { timeout: 100000, maxBuffer: 1 << 22 }, (err, stdout) => (err ? fail(err) : ok(stdout))));
    const m = /<pre id="out">([\s\S]*?)<\/pre>/.exec(dom);
    assert.ok(m, 'the page rendered its result');
    const out = JSON.parse(m[1].replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
    assert.equal(out.error, undefined);
    for (const f of ['receipt-cancelled-domestic.json', 'receipt-settled-crossborder.json', 'sm3/receipt-settled-crossborder.json']) assert.deepEqual(out[f], { ok: true, failed: [] }, f);
    assert.deepEqual(out.altered, { ok: false, failed: ['checkpoint.signature.sm2'] });
    assert.equal(out.consistency, true);
  } finally {
    server.close();
  }
});
