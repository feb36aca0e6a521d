// The explorer: one page, four views behind hash routes (#/, #/filings, #/verify, #/consistency), two languages.
import { h, replace, dl } from './dom.js';
import { t, setLanguage, initialLanguage, language, enumLabel, LANGUAGES, DICTIONARIES } from './i18n.js';
import { api, ApiError } from './api.js';
import { money, moneyList, count, dateTime, date, age, place, base64ToHex, parseNote } from './format.js';
import { monthlyChart } from './chart.js';

// The verification library (another module of this site): loaded with the page, so that verifying makes no request.
const verifier = import('./verify/index.js').then((lib) => lib, (error) => {
  console.error('verify library', error);
  return null;
});

const main = document.getElementById('main');
const state = { route: '', home: null, filings: null, verify: null, consistency: null, keys: null, ageTimer: 0 };

// ---------- chrome: language, navigation ----------

const ROUTES = [
  ['#/', 'nav.home'],
  ['#/filings', 'nav.filings'],
  ['#/verify', 'nav.verify'],
  ['#/consistency', 'nav.consistency'],
];

function renderChrome() {
  document.documentElement.lang = t('lang.htmlLang');
  document.title = `${viewTitle()} · ${t('site.title')}`;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  const select = document.getElementById('lang');
  if (select.options.length === 0) {
    for (const lang of LANGUAGES) select.appendChild(h('option', { value: lang, lang: DICTIONARIES[lang]['lang.htmlLang'] }, DICTIONARIES[lang]['lang.name']));
    select.addEventListener('change', () => {
      setLanguage(select.value);
      renderChrome();
      renderView();
    });
  }
  select.value = language();
  const nav = document.getElementById('nav-links');
  replace(nav, ROUTES.map(([href, key]) => h('li', {}, h('a', { href, 'aria-current': routeName() === href ? 'page' : undefined }, t(key)))));
}

function routeName() {
  const hash = window.location.hash || '#/';
  const path = hash.split('?')[0];
  return ROUTES.some(([r]) => r === path) ? path : '#/';
}

function routeParams() {
  const hash = window.location.hash || '';
  const at = hash.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
}

function viewTitle() {
  return t({ '#/': 'home.title', '#/filings': 'filings.title', '#/verify': 'verify.title', '#/consistency': 'consistency.title' }[routeName()]);
}

function heading(key) {
  return h('h1', { id: 'view-title', tabindex: '-1' }, t(key));
}

function errorBox(error) {
  const reason = error instanceof ApiError ? error.reason : undefined;
  const status = error instanceof ApiError ? error.status : undefined;
  const message = error instanceof ApiError && status === 0 ? t('error.network') : (error?.message || String(error));
  return h('div', { class: 'error', role: 'alert' },
    h('p', { class: 'error-title' }, t('error.title')),
    h('p', { class: 'error-message' }, message),
    reason ? h('p', { class: 'error-reason' }, t('error.reason', reason)) : null,
    status ? h('p', { class: 'error-status' }, t('error.http', status)) : null);
}

// ---------- front page ----------

async function loadHome() {
  const settle = (p) => p.then((value) => ({ value }), (error) => ({ error }));
  const [checkpoint, statistics, keys] = await Promise.all([settle(api.checkpoint()), settle(api.statistics()), settle(api.signingKeys())]);
  state.home = { checkpoint, statistics, keys };
  if (keys.value) state.keys = keys.value.keys ?? [];
}

function renderHome() {
  const view = [heading('home.title')];
  if (!state.home) {
    view.push(h('p', { class: 'loading', role: 'status' }, t('loading')));
    replace(main, view);
    loadHome().then(() => routeName() === '#/' && renderHome());
    return;
  }
  const { checkpoint, statistics, keys } = state.home;
  view.push(h('section', { 'aria-labelledby': 'checkpoint-h', class: 'card', id: 'checkpoint' },
    h('h2', { id: 'checkpoint-h' }, t('home.checkpoint')),
    checkpoint.error ? errorBox(checkpoint.error) : checkpointFacts(checkpoint.value, keys.value?.keys ?? [])));
  view.push(h('section', { 'aria-labelledby': 'totals-h', class: 'card', id: 'totals' },
    h('h2', { id: 'totals-h' }, t('home.totals')),
    statistics.error ? errorBox(statistics.error) : totals(statistics.value)));
  if (statistics.value) {
    view.push(h('section', { 'aria-labelledby': 'dest-h', class: 'card', id: 'destinations' },
      h('h2', { id: 'dest-h' }, t('home.destinations')), destinations(statistics.value.crossBorderDestinations ?? [])));
    view.push(h('section', { 'aria-labelledby': 'monthly-h', class: 'card', id: 'monthly' },
      h('h2', { id: 'monthly-h' }, t('home.monthly')), monthly(statistics.value.months ?? [])));
  }
  replace(main, view);
  clearInterval(state.ageTimer);
  state.ageTimer = setInterval(() => {
    const el = document.querySelector('[data-testid="checkpoint-age"]');
    if (!el) return clearInterval(state.ageTimer);
    el.textContent = age(el.dataset.time);
  }, 10000);
}

function signatureRows(note, keys, cosignatures) {
  const parsed = parseNote(note ?? '');
  if (!parsed) return [];
  return parsed.signatures.map((s) => {
    const key = keys.find((k) => k.keyName === s.name && k.keyId === s.keyId);
    const witness = cosignatures.find((c) => c.witness === s.name || c.keyId === s.keyId);
    return {
      name: s.name, keyId: s.keyId,
      algorithm: key ? enumLabel(key.type) : witness ? 'Ed25519 (C2SP tlog-cosignature)' : t('home.sig.unknown'),
      kind: key ? t('home.sig.exchange') : witness ? t('home.sig.witness') : t('home.sig.unknown'),
    };
  });
}

function checkpointFacts(cp, keys) {
  const cosignatures = cp.cosignatures ?? [];
  const rows = signatureRows(cp.note, keys, cosignatures);
  return [
    h('p', {}, t('home.checkpoint.intro')),
    dl([
      [t('home.origin'), h('code', {}, cp.origin ?? ''), { 'data-testid': 'checkpoint-origin' }],
      [t('home.size'), count(cp.treeSize), { 'data-testid': 'checkpoint-size' }],
      [t('home.root'), h('code', { class: 'hash' }, base64ToHex(cp.rootHash)), { 'data-testid': 'checkpoint-root' }],
      [t('home.hash'), enumLabel(cp.hashAlgorithm)],
      [t('home.created'), dateTime(cp.createTime)],
      [t('home.age'), h('span', { 'data-testid': 'checkpoint-age', 'data-time': cp.createTime ?? '' }, age(cp.createTime))],
    ]),
    h('h3', {}, t('home.signatures')),
    h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'signatures' },
      h('thead', {}, h('tr', {}, [t('home.sig.name'), t('home.sig.keyId'), t('home.sig.alg'), t('home.sig.kind')].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, h('td', {}, h('code', {}, r.name)), h('td', {}, h('code', {}, r.keyId)), h('td', {}, r.algorithm), h('td', {}, r.kind)))))),
    h('h3', {}, t('home.witnesses')),
    (cp.witnessQuorum ?? 0) === 0 && cosignatures.length === 0
      ? h('p', { 'data-testid': 'witnesses' }, t('home.witness.none'))
      : [h('p', { 'data-testid': 'witnesses' }, t('home.witness.quorum', cosignatures.length, cp.witnessQuorum ?? 0, enumLabel(cp.witnessQuorumState))),
        cosignatures.length ? h('ul', {}, cosignatures.map((c) => h('li', {}, h('code', {}, c.witness), ` (${c.keyId}) — ${t('home.witness.time')}: ${dateTime(c.cosignTime)}`))) : null],
    h('details', {}, h('summary', {}, t('home.note')), h('pre', { class: 'note', 'data-testid': 'checkpoint-note' }, cp.note ?? '')),
  ];
}

function totals(stats) {
  const o = stats.overall ?? {};
  return [
    dl([
      [t('home.filed'), count(o.filedTrades), { 'data-testid': 'filed-trades', class: 'figure' }],
      [t('home.value'), moneyList(o.totalValue), { 'data-testid': 'total-value', class: 'figure' }],
      [t('home.crossBorder'), count(o.crossBorderTrades), { 'data-testid': 'cross-border-trades', class: 'figure' }],
      [t('home.crossBorderValue'), moneyList(o.crossBorderValue), { 'data-testid': 'cross-border-value', class: 'figure' }],
      [t('home.refused'), count(o.refusedAttempts), { 'data-testid': 'refused-attempts', class: 'figure' }],
    ], { class: 'figures' }, true),
    stats.asOf ? h('p', { class: 'muted' }, t('home.asOf', dateTime(stats.asOf))) : null,
  ];
}

function destinations(list) {
  if (list.length === 0) return h('p', {}, t('home.dest.none'));
  return h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'destinations' },
    h('thead', {}, h('tr', {}, [t('home.dest.place'), t('home.dest.code'), t('home.dest.filings'), t('home.dest.value')].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, list.map((d) => h('tr', { 'data-code': d.code },
      h('th', { scope: 'row' }, language() === 'zh' ? (d.chineseName || d.englishName || d.code) : (d.englishName || d.chineseName || d.code)),
      h('td', {}, d.code), h('td', { class: 'num', 'data-testid': 'dest-filings' }, count(d.filedTrades)),
      h('td', { class: 'num', 'data-testid': 'dest-value' }, moneyList(d.value)))))));
}

function monthly(months) {
  if (months.length === 0) return h('p', {}, t('home.chart.empty'));
  return [
    h('figure', { class: 'chart-figure' }, monthlyChart(months)),
    h('details', {}, h('summary', {}, t('home.chart.table')),
      h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'monthly-table' },
        h('caption', {}, t('home.monthly')),
        h('thead', {}, h('tr', {}, [t('home.chart.month'), t('home.chart.filings'), t('home.value')].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, months.map((m) => h('tr', {},
          h('th', { scope: 'row' }, `${m.year}-${String(m.month).padStart(2, '0')}`),
          h('td', { class: 'num' }, count(m.totals?.filedTrades)),
          h('td', { class: 'num' }, moneyList(m.totals?.totalValue)))))))),
  ];
}

// ---------- filing lookup ----------

const FILING_NUMBER = /^DX-\d{4}-\d{1,}$/i;

async function lookUp(query) {
  state.filings = { query, loading: true };
  renderFilings();
  try {
    if (FILING_NUMBER.test(query)) {
      const filing = await api.filing(query.toUpperCase());
      state.filings = { query, filings: [filing], more: false };
    } else {
      const found = await api.searchFilings(query);
      state.filings = { query, filings: found.filings ?? [], more: Boolean(found.nextPageToken) };
    }
  } catch (error) {
    state.filings = error instanceof ApiError && error.status === 404 ? { query, filings: [], more: false } : { query, error };
  }
  if (routeName() === '#/filings') renderFilings();
}

function renderFilings() {
  const query = routeParams().get('q') ?? '';
  if (query && state.filings?.query !== query) {
    lookUp(query);
    return;
  }
  const input = h('input', { id: 'filing-query', name: 'q', type: 'search', value: query, autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'filings-intro' });
  const form = h('form', { class: 'lookup', role: 'search', 'aria-labelledby': 'view-title' },
    h('label', { for: 'filing-query' }, t('filings.label')),
    h('div', { class: 'row' }, input, h('button', { type: 'submit' }, t('filings.submit'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    state.filings = null;
    const target = '#/filings?q=' + encodeURIComponent(q);
    if (window.location.hash === target) renderFilings(); else window.location.hash = target;
  });
  const results = h('div', { id: 'filing-results', 'aria-live': 'polite' });
  const s = state.filings;
  if (s && s.query === query) {
    if (s.loading) results.appendChild(h('p', { role: 'status' }, t('loading')));
    else if (s.error) results.appendChild(errorBox(s.error));
    else if (s.filings.length === 0) results.appendChild(h('p', { 'data-testid': 'no-filings' }, t('filings.none')));
    else {
      results.appendChild(h('p', { 'data-testid': 'filing-count' }, t('filings.count', s.filings.length)));
      for (const f of s.filings) results.appendChild(filingCard(f));
      if (s.more) results.appendChild(h('p', {}, t('filings.more')));
    }
  }
  replace(main, heading('filings.title'), h('p', { id: 'filings-intro' }, t('filings.intro')), form, results);
}

function filingCard(f) {
  const leaves = (f.leafIndexes ?? []).map(String);
  return h('article', { class: 'card filing', 'data-filing': f.filingNumber, 'aria-labelledby': `filing-${f.filingNumber}` },
    h('h2', { id: `filing-${f.filingNumber}` }, f.filingNumber, ' · ', f.listingTitle || ''),
    dl([
      [t('filings.number'), f.filingNumber, { 'data-testid': 'filing-number' }],
      [t('filings.trade'), h('code', {}, f.trade ?? ''), { 'data-testid': 'filing-trade' }],
      [t('filings.product'), f.listingTitle, { 'data-testid': 'filing-product' }],
      [t('filings.registration'), f.listingRegistrationNumber || undefined, { 'data-testid': 'filing-registration' }],
      [t('filings.vendor'), f.vendorDisplayName, { 'data-testid': 'filing-vendor' }],
      [t('filings.vendorPlace'), place(f.vendorJurisdiction), { 'data-testid': 'filing-vendor-place' }],
      [t('filings.buyerPlace'), place(f.buyerJurisdiction), { 'data-testid': 'filing-buyer-place' }],
      [t('filings.crossing'), enumLabel(f.crossing), { 'data-testid': 'filing-crossing' }],
      [t('filings.crossBorder'), f.crossBorder ? t('yes') : t('no'), { 'data-testid': 'filing-cross-border' }],
      [t('filings.amount'), money(f.amount), { 'data-testid': 'filing-amount' }],
      [t('filings.date'), date(f.tradeDate), { 'data-testid': 'filing-date' }],
      [t('filings.origin'), enumLabel(f.origin), { 'data-testid': 'filing-origin' }],
      [t('filings.state'), enumLabel(f.state) + (f.withdrawn ? ` — ${t('filings.withdrawn')}` : ''), { 'data-testid': 'filing-state' }],
      [t('filings.outcome'), enumLabel(f.outcome), { 'data-testid': 'filing-outcome' }],
      [t('filings.ruleSet'), f.ruleSetVersion, { 'data-testid': 'filing-rule-set' }],
      [t('filings.mechanism'), enumLabel(f.mechanism), { 'data-testid': 'filing-mechanism' }],
      [t('filings.exemption'), f.exemption && f.exemption !== 'EXPORT_EXEMPTION_UNSPECIFIED' ? enumLabel(f.exemption) : undefined, { 'data-testid': 'filing-exemption' }],
      [t('filings.citations'), (f.citations ?? []).length ? h('ul', { class: 'inline' }, f.citations.map((c) => h('li', {}, c))) : undefined, { 'data-testid': 'filing-citations' }],
      [t('filings.leaves'), h('span', {},
        h('ul', { class: 'inline leaves' }, leaves.map((i) => h('li', {}, h('a', { href: api.inclusionProofUrl(i), 'data-leaf': i }, t('filings.leaf', i))))),
        h('span', { class: 'muted' }, ' ', t('filings.leaves.hint'))), { 'data-testid': 'filing-leaves' }],
    ]));
}

// ---------- receipt verification ----------

async function prepareVerify() {
  const lib = await verifier;
  if (!state.keys) {
    try {
      state.keys = (await api.signingKeys()).keys ?? [];
    } catch {
      state.keys = [];
    }
  }
  return lib;
}

function renderVerify() {
  const status = h('p', { id: 'verify-status', role: 'status', class: 'muted' }, t('verify.loadingLib'));
  const input = h('input', { id: 'receipt-file', type: 'file', accept: '.json,application/json', 'aria-describedby': 'verify-privacy' });
  const drop = h('div', { class: 'dropzone', 'data-testid': 'dropzone' },
    h('label', { for: 'receipt-file' }, t('verify.file')), input, h('p', { class: 'muted' }, t('verify.drop')));
  const output = h('div', { id: 'verify-result', 'aria-live': 'polite' });
  replace(main, heading('verify.title'), h('p', {}, t('verify.intro')),
    h('p', { id: 'verify-privacy', class: 'privacy' }, h('strong', {}, t('verify.privacy'))), drop, status, output);

  const ready = (lib) => {
    main.dataset.verifier = lib ? 'ready' : 'missing';
    status.textContent = lib ? '' : t('verify.libMissing');
    status.hidden = Boolean(lib);
  };
  prepareVerify().then(ready);

  const handle = async (file) => {
    if (!file) return;
    const lib = await prepareVerify();
    if (!lib) return;
    status.hidden = false;
    status.textContent = t('verify.running');
    main.dataset.verifying = 'true';
    delete main.dataset.verified;
    replace(output);
    const text = await file.text();
    let parsed = null;
    try {
      parsed = JSON.parse(text);
    } catch { /* shown below */ }
    let result;
    try {
      result = parsed === null
        ? { ok: false, checks: [{ field: 'file', ok: false, message: t('verify.notJson') }] }
        : await lib.verifyReceipt(text, trustOptions());
    } catch (error) {
      result = { ok: false, checks: [{ field: 'receipt', ok: false, message: error?.message ?? String(error) }] };
    }
    state.verify = { fileName: file.name, receipt: parsed, result };
    status.hidden = true;
    status.textContent = '';
    renderVerifyResult(output);
    delete main.dataset.verifying;
    main.dataset.verified = result.ok ? 'ok' : 'failed';
  };
  input.addEventListener('change', () => handle(input.files?.[0]));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    handle(e.dataTransfer?.files?.[0]);
  });
  if (state.verify) renderVerifyResult(output);
}

/** The keys this exchange publishes (fetched before verifying), as verifier keys; none: the receipt's own keys are used. */
function trustOptions() {
  const keys = (state.keys ?? []).map((k) => k.verifierKey).filter(Boolean);
  return keys.length ? { trustedKeys: keys } : {};
}

function renderVerifyResult(output) {
  const { fileName, receipt, result } = state.verify;
  const checks = result.checks ?? [];
  const failed = checks.filter((c) => !c.ok);
  const ok = Boolean(result.ok) && failed.length === 0;
  const parts = [
    h('div', { class: ok ? 'verdict ok' : 'verdict failed', 'data-testid': 'verdict', 'data-ok': String(ok) },
      h('h2', {}, h('span', { 'aria-hidden': 'true' }, ok ? '✓ ' : '✗ '), ok ? t('verify.ok') : t('verify.failed')),
      h('p', { class: 'muted' }, t('verify.file.name', fileName)),
      ok ? h('p', {}, t('verify.okDetail')) : [
        h('p', {}, t('verify.failedCount', failed.length)),
        h('ul', { class: 'failures', 'data-testid': 'failures' }, failed.map((c) => h('li', { 'data-field': c.field },
          h('code', { class: 'field' }, c.field), ': ', c.message ?? '', typeof c.detail === 'string' && c.detail ? h('span', { class: 'detail' }, ` (${c.detail})`) : null))),
      ]),
  ];
  if (receipt && typeof receipt === 'object') parts.push(receiptFacts(receipt, ok));
  if (checks.length) {
    parts.push(h('details', { class: 'all-checks' }, h('summary', {}, t('verify.checks', checks.length)),
      h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'checks' },
        h('thead', {}, h('tr', {}, [t('verify.field'), t('verify.result'), t('verify.message')].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, checks.map((c) => h('tr', { class: c.ok ? 'pass' : 'fail', 'data-field': c.field },
          h('th', { scope: 'row' }, h('code', {}, c.field)), h('td', {}, c.ok ? t('verify.pass') : t('verify.fail')), h('td', {}, c.message ?? ''))))))));
  }
  replace(output, parts);
}

function receiptFacts(receipt, ok) {
  const record = receipt.record ?? {};
  const note = parseNote(receipt.checkpoint?.note ?? '');
  const keys = Array.isArray(receipt.keys) ? receipt.keys : [];
  const signatures = note ? note.signatures.map((s) => {
    const key = keys.find((k) => k.keyName === s.name && k.keyId === s.keyId);
    return `${s.name} (${s.keyId}${key ? ', ' + enumLabel(key.type) : ''})`;
  }) : [];
  let keysNote = null;
  if (note && state.keys && state.keys.length) {
    const published = note.signatures.filter((s) => state.keys.some((k) => k.keyName === s.name && k.keyId === s.keyId));
    keysNote = h('p', { class: 'muted', 'data-testid': 'keys-note' }, published.length >= Math.min(2, state.keys.length) ? t('verify.keysPublished') : t('verify.keysDiffer'));
  }
  return h('section', { class: 'card', 'aria-labelledby': 'proves-h', 'data-testid': 'receipt-facts' },
    h('h2', { id: 'proves-h' }, ok ? t('verify.proves') : t('verify.claims')),
    dl([
      [t('verify.filingNumber'), record.filingNumber || '—', { 'data-testid': 'receipt-filing-number' }],
      [t('verify.trade'), h('code', {}, record.trade ?? receipt.trade ?? ''), { 'data-testid': 'receipt-trade' }],
      [t('verify.vendorPlace'), place(record.vendorJurisdiction), { 'data-testid': 'receipt-vendor-place' }],
      [t('verify.buyerPlace'), place(record.buyerJurisdiction), { 'data-testid': 'receipt-buyer-place' }],
      [t('verify.amount'), money(record.amount), { 'data-testid': 'receipt-amount' }],
      [t('verify.settled'), record.settledAmount ? money(record.settledAmount) : undefined, { 'data-testid': 'receipt-settled' }],
      [t('verify.date'), date(record.contractDate), { 'data-testid': 'receipt-date' }],
      [t('verify.state'), enumLabel(record.state), { 'data-testid': 'receipt-state' }],
      [t('verify.events'), count(Array.isArray(receipt.leaves) ? receipt.leaves.length : 0), { 'data-testid': 'receipt-events' }],
      [t('verify.treeSize'), count(receipt.treeSize), { 'data-testid': 'receipt-tree-size' }],
      [t('verify.origin'), h('code', {}, receipt.origin ?? ''), { 'data-testid': 'receipt-origin' }],
      [t('verify.signatures'), h('ul', { class: 'plain' }, signatures.map((s) => h('li', {}, s))), { 'data-testid': 'receipt-signatures' }],
    ]),
    keysNote);
}

// ---------- consistency ----------

function renderConsistency() {
  const s = state.consistency ?? { old: '', new: '' };
  const older = h('textarea', { id: 'note-old', rows: 7, spellcheck: 'false', autocomplete: 'off' });
  const newer = h('textarea', { id: 'note-new', rows: 7, spellcheck: 'false', autocomplete: 'off' });
  older.value = s.old;
  newer.value = s.new;
  const result = h('div', { id: 'consistency-result', 'aria-live': 'polite' });
  const fill = h('button', { type: 'button', class: 'secondary', id: 'fill-latest' }, t('consistency.fillLatest'));
  const form = h('form', { class: 'consistency' },
    h('div', { class: 'field' }, h('label', { for: 'note-old' }, t('consistency.old')), older),
    h('div', { class: 'field' }, h('label', { for: 'note-new' }, t('consistency.new')), newer),
    h('div', { class: 'row' }, h('button', { type: 'submit', id: 'check-consistency' }, t('consistency.check')), fill));
  fill.addEventListener('click', async () => {
    try {
      newer.value = (await api.checkpoint()).note ?? '';
    } catch (error) {
      replace(result, errorBox(error));
    }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    state.consistency = { old: older.value, new: newer.value };
    await checkConsistency(result);
  });
  replace(main, heading('consistency.title'), h('p', {}, t('consistency.intro')), form, result);
  if (s.outcome) showConsistency(result, s.outcome);
}

async function checkConsistency(result) {
  const { old: oldText, new: newText } = state.consistency;
  const a = parseNote(oldText.trim() + '\n'), b = parseNote(newText.trim() + '\n');
  if (!a || !b) {
    state.consistency.outcome = { ok: false, message: t('consistency.badNote', !a ? t('consistency.old') : t('consistency.new')) };
    return showConsistency(result, state.consistency.outcome);
  }
  if (a.origin !== b.origin) {
    state.consistency.outcome = { ok: false, message: t('consistency.otherOrigin') };
    return showConsistency(result, state.consistency.outcome);
  }
  const [small, large] = BigInt(a.size) <= BigInt(b.size) ? [a, b] : [b, a];
  replace(result, h('p', { role: 'status' }, t('consistency.fetching')));
  try {
    const lib = await verifier;
    if (!lib) throw new Error(t('verify.libMissing'));
    let hashes = [];
    let hashAlgorithm;
    if (small.size !== large.size) {
      const proof = await api.consistencyProof(small.size, large.size);
      hashes = proof.hashes ?? [];
      hashAlgorithm = proof.hashAlgorithm || undefined;
    }
    if (!state.keys) await prepareVerify();
    const verdict = await lib.verifyConsistency(small.text, large.text, hashes, { ...trustOptions(), hashAlgorithm });
    const ok = typeof verdict === 'boolean' ? verdict : Boolean(verdict?.ok);
    state.consistency.outcome = {
      ok, small: small.size, large: large.size, proofLength: hashes.length,
      message: ok ? t('consistency.ok', count(small.size), count(large.size)) : t('consistency.failed'),
      checks: typeof verdict === 'object' ? verdict?.checks ?? [] : [],
      trees: typeof verdict === 'object' && verdict?.old && verdict?.new ? [verdict.old, verdict.new] : null,
    };
  } catch (error) {
    state.consistency.outcome = { ok: false, error };
  }
  showConsistency(result, state.consistency.outcome);
}

function showConsistency(result, outcome) {
  const failed = (outcome.checks ?? []).filter((c) => !c.ok);
  replace(result, outcome.error ? [errorBox(outcome.error), h('div', { 'data-testid': 'consistency-verdict', 'data-ok': 'false', hidden: true })] :
    h('div', { class: outcome.ok ? 'verdict ok' : 'verdict failed', 'data-testid': 'consistency-verdict', 'data-ok': String(outcome.ok) },
      h('p', {}, h('strong', {}, h('span', { 'aria-hidden': 'true' }, outcome.ok ? '✓ ' : '✗ '), outcome.message)),
      outcome.proofLength !== undefined ? h('p', { class: 'muted' }, t('consistency.proof', outcome.proofLength)) : null,
      outcome.trees ? dl(outcome.trees.map((tree, i) => [t(i === 0 ? 'consistency.old' : 'consistency.new'),
        h('span', {}, t('consistency.tree', count(tree.size)), ' ', h('code', { class: 'hash' }, tree.root ?? ''))]), { 'data-testid': 'consistency-trees' }) : null,
      failed.length ? h('ul', { class: 'failures' }, failed.map((c) => h('li', { 'data-field': c.field }, h('code', { class: 'field' }, c.field), ': ', c.message ?? ''))) : null));
}

// ---------- routing ----------

function renderView() {
  const name = routeName();
  if (name === '#/filings') renderFilings();
  else if (name === '#/verify') renderVerify();
  else if (name === '#/consistency') renderConsistency();
  else renderHome();
}

function navigate(focus) {
  const name = routeName();
  if (name === '#/' && state.route && state.route !== '#/') state.home = null; // fresh figures when coming back
  state.route = name;
  renderChrome();
  renderView();
  if (focus) document.getElementById('view-title')?.focus();
}

setLanguage(initialLanguage(), false);
window.addEventListener('hashchange', () => navigate(true));
navigate(false);
