import { t, locale, enumLabel } from './i18n.js';

/** Minor-unit digits of a currency (CNY 2, JPY 0), as Intl knows them. */
export function minorDigits(currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

/** The decimal string of an amount in minor units ("384000", 2 → "3840.00"), exact for any size. */
export function minorToDecimal(amountMinor, digits) {
  let text = String(amountMinor ?? '0').trim();
  const negative = text.startsWith('-');
  if (negative) text = text.slice(1);
  if (!/^\d+$/.test(text)) return null;
  if (digits === 0) return (negative ? '-' : '') + text;
  text = text.padStart(digits + 1, '0');
  return (negative ? '-' : '') + text.slice(0, -digits) + '.' + text.slice(-digits);
}

/** { currencyCode, amountMinor } as money in the page's language. */
export function money(m) {
  if (!m || !m.currencyCode) return '—';
  const digits = minorDigits(m.currencyCode);
  const decimal = minorToDecimal(m.amountMinor ?? '0', digits);
  if (decimal === null) return `${m.amountMinor} ${m.currencyCode}`;
  try {
    return new Intl.NumberFormat(locale(), {
      style: 'currency', currency: m.currencyCode, minimumFractionDigits: digits, maximumFractionDigits: digits,
    }).format(decimal);
  } catch {
    return `${decimal} ${m.currencyCode}`;
  }
}

/** A list of Money (one per currency), joined; "—" when empty. */
export function moneyList(list) {
  if (!list || list.length === 0) return money({ currencyCode: 'CNY', amountMinor: '0' });
  return list.map(money).join(' + ');
}

/** An integer (int64 arrives as a string). */
export function count(value) {
  const text = String(value ?? '0');
  try {
    return new Intl.NumberFormat(locale()).format(BigInt(text));
  } catch {
    return text;
  }
}

export function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'Asia/Shanghai' }).format(d) + ' (UTC+8)';
}

/** google.type.Date or "YYYY-MM-DD". */
export function date(value) {
  if (!value) return '—';
  let y, m, d;
  if (typeof value === 'string') {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (!match) return value;
    [y, m, d] = match.slice(1).map(Number);
  } else {
    ({ year: y, month: m, day: d } = value);
  }
  if (!y) return '—';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(y, (m || 1) - 1, d || 1)));
}

export function monthLabel(year, month) {
  return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(year, month - 1, 1)));
}

/** "12 s ago" from a time. */
export function age(iso, now = Date.now()) {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return '—';
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 120) return t('age.seconds', seconds);
  if (seconds < 7200) return t('age.minutes', Math.round(seconds / 60));
  if (seconds < 172800) return t('age.hours', Math.round(seconds / 3600));
  return t('age.days', Math.round(seconds / 86400));
}

/** A place: its Chinese name and code, with the English city when the page is in English. */
export function place(j) {
  if (!j) return '—';
  const parts = [];
  if (j.chineseName) parts.push(j.chineseName);
  if (j.city && j.city !== j.chineseName) parts.push(j.city);
  const region = !j.code && j.region && j.region !== 'REGION_UNSPECIFIED' ? enumLabel(j.region) : '';
  if (region && !parts.includes(region)) parts.push(region);
  const name = parts.join(', ') || '—';
  return j.code ? `${name} (${j.code})` : name;
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function base64ToBytes(text) {
  const binary = atob(String(text ?? '').trim());
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function base64ToHex(text) {
  try {
    return bytesToHex(base64ToBytes(text));
  } catch {
    return String(text);
  }
}

/**
 * A C2SP signed note: { origin, size, rootBase64, extensions, signatures: [{ name, keyId, blob }] } or null.
 * The checkpoint body is origin, size, base64 root, optional extension lines; a blank line; "— name base64" lines.
 */
export function parseNote(text) {
  if (typeof text !== 'string') return null;
  const normalized = text.replace(/\r\n/g, '\n');
  const split = normalized.indexOf('\n\n');
  if (split < 0) return null;
  const body = normalized.slice(0, split).split('\n');
  if (body.length < 3 || !/^\d+$/.test(body[1])) return null;
  const signatures = [];
  for (const line of normalized.slice(split + 2).split('\n')) {
    if (line === '') continue;
    const match = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!match) return null;
    let keyId = '';
    try {
      keyId = bytesToHex(base64ToBytes(match[2]).slice(0, 4));
    } catch {
      return null;
    }
    signatures.push({ name: match[1], keyId, blob: match[2] });
  }
  return { origin: body[0], size: body[1], rootBase64: body[2], extensions: body.slice(3), signatures, text: normalized };
}
