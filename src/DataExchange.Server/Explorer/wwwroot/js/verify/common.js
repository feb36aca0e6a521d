// Shared by receipt.js and replay.js: the failure type that names a receipt member, and RFC 3339 times.

/** A failure naming the receipt member at fault; thrown where later checks cannot go on without the member. */
export class Invalid extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

/** RFC 3339 date-time (Z or ±hh:mm, up to 9 fractional digits) → BigInt nanoseconds since the epoch; null if not one. */
export function parseTime(text) {
  const m = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)$/.exec(text ?? '');
  if (!m) return null;
  const [y, mo, d, hh, mi, ss] = m.slice(1, 7).map(Number);
  const dt = new Date(0);
  dt.setUTCFullYear(y, mo - 1, d);
  dt.setUTCHours(hh, mi, ss, 0);
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d || hh > 23 || mi > 59 || ss > 59) return null;
  const z = m[8];
  const off = z === 'Z' || z === 'z' ? 0 : (Number(z.slice(1, 3)) * 60 + Number(z.slice(4, 6))) * (z[0] === '+' ? 1 : -1);
  return (BigInt(dt.getTime() / 1000) - BigInt(off * 60)) * 1000000000n + BigInt((m[7] ?? '').padEnd(9, '0'));
}

export function validDate(text) {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(text ?? '');
  if (!m) return false;
  const dt = new Date(0);
  dt.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return dt.getUTCFullYear() === Number(m[1]) && dt.getUTCMonth() === Number(m[2]) - 1 && dt.getUTCDate() === Number(m[3]);
}
