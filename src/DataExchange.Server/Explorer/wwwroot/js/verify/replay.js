// Replay (RECEIPTS.md "Replay: from payloads to the record"): builds the trade record, in its proto3 JSON shape,
// from the receipt's payloads, so that the record the receipt shows can be compared member by member.

import { Invalid, parseTime } from './common.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Payload enum names (PascalCase) → proto enum value names (PREFIX_UPPER_SNAKE). */
const enumTable = (prefix, names) => Object.fromEntries(names.map((n) => [n, prefix + n.replace(/(?<!^)(?=[A-Z])/g, '_').toUpperCase()]));

const TERRITORY = enumTable('TERRITORY_', ['MainlandChina', 'GreaterBayArea', 'HongKong', 'Macao', 'Global']);
const REGION = enumTable('REGION_', ['MainlandChina', 'HongKong', 'Macao', 'Other']);
const MECHANISM = enumTable('EXPORT_MECHANISM_', ['None', 'Exempt', 'SecurityAssessment', 'StandardContract', 'Certification', 'GbaStandardContract']);
const ORIGIN = enumTable('TRADE_ORIGIN_', ['Executed', 'Filed']);
const STATE = enumTable('TRADE_STATE_', ['Contracted', 'Delivered', 'Received', 'Settled', 'Cancelled', 'Disputed', 'Refunded', 'Refused']);

// The states each later event may follow.
const AFTER = {
  trade_delivered: ['Contracted'],
  trade_receipt_acknowledged: ['Delivered'],
  trade_amount_adjusted: ['Received'],
  trade_settled: ['Received'],
  trade_cancelled: ['Contracted'],
  trade_dispute_opened: ['Delivered', 'Received', 'Settled'],
  trade_dispute_resolved: ['Disputed'],
};

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Typed access to one payload's members; any problem names the payload (leaves[i].entry.payload). */
class Payload {
  constructor(obj, path, event) {
    this.obj = obj;
    this.path = path;
    this.event = event;
  }

  get(dotted, kind, nullable = false) {
    let v = this.obj;
    for (const part of dotted.split('.')) {
      if (!isObject(v) || !Object.prototype.hasOwnProperty.call(v, part)) {
        if (nullable && isObject(v)) return null; // a serializer may leave a null member out
        throw new Invalid(this.path, `${this.event} payload lacks ${dotted}`);
      }
      v = v[part];
    }
    if (v === null && nullable) return null;
    const ok = kind === 'int' ? Number.isSafeInteger(v) : kind === 'object' ? isObject(v) : kind === 'array' ? Array.isArray(v) : typeof v === kind;
    if (!ok) throw new Invalid(this.path, `${this.event} payload member ${dotted} is not a ${kind}`);
    return v;
  }

  pick(dotted, table) {
    const v = this.get(dotted, 'string');
    if (!Object.prototype.hasOwnProperty.call(table, v)) throw new Invalid(this.path, `${this.event} payload member ${dotted} has the unknown value "${v}"`);
    return table[v];
  }

  uuid(dotted, nullable = false) {
    const v = this.get(dotted, 'string', nullable);
    if (v !== null && !UUID.test(v)) throw new Invalid(this.path, `${this.event} payload member ${dotted} is not a lowercase UUID`);
    return v;
  }

  money(dotted) {
    return { currencyCode: this.get(`${dotted}.CurrencyCode`, 'string'), amountMinor: this.get(`${dotted}.AmountMinor`, 'int') };
  }

  time(dotted) {
    const text = this.get(dotted, 'string');
    if (parseTime(text) === null) throw new Invalid(this.path, `${this.event} payload member ${dotted} is not an RFC 3339 time`);
    return text;
  }

  jurisdiction(party) {
    return {
      region: this.pick(`ComplianceInput.${party}.Region`, REGION),
      city: this.get(`ComplianceInput.${party}.City`, 'string', true) ?? '',
    };
  }
}

function start(p, contracted) {
  const vendor = p.uuid('VendorId');
  const approval = p.uuid('Compliance.ApprovalId', true);
  const evaluations = p.get('Compliance.Evaluations', 'array').map((ev, j) => {
    if (!isObject(ev)) throw new Invalid(p.path, `${p.event} payload member Compliance.Evaluations.${j} is not an object`);
    const q = new Payload(ev, p.path, p.event);
    const inputs = q.get('Inputs', 'object');
    if (!Object.values(inputs).every((v) => typeof v === 'string')) throw new Invalid(p.path, `${p.event} payload member Compliance.Evaluations.${j}.Inputs has a non-string value`);
    return { ruleId: q.get('RuleId', 'string'), description: q.get('Description', 'string'), outcome: q.get('Outcome', 'string'), inputs };
  });
  const at = p.time('At');
  return {
    trade: `trades/${p.uuid('TradeId')}`,
    filingNumber: contracted ? p.get('FilingNumber', 'string') : '',
    listing: `listings/${p.uuid('ListingId')}`,
    listingRevision: p.get('ListingRevision', 'int'),
    vendor: `participants/${vendor}`,
    vendorJurisdiction: p.jurisdiction('Exporter'),
    buyer: `participants/${p.uuid('BuyerId')}`,
    buyerJurisdiction: p.jurisdiction('Importer'),
    licence: {
      purpose: p.get('Licence.Purpose', 'string'),
      termDays: p.get('Licence.TermDays', 'int'),
      exclusive: p.get('Licence.Exclusive', 'boolean'),
      onwardTransferAllowed: p.get('Licence.OnwardTransferAllowed', 'boolean'),
      territory: p.pick('Licence.Territory', TERRITORY),
    },
    amount: p.money('Amount'),
    contractDate: p.get('EffectiveDate', 'string'),
    state: STATE[contracted ? 'Contracted' : 'Refused'],
    origin: p.pick('Origin', ORIGIN),
    externalReference: p.get('ExternalReference', 'string', true) ?? '',
    compliance: {
      accepted: p.get('Compliance.Accepted', 'boolean'),
      crossBorder: p.get('Compliance.CrossBorder', 'boolean'),
      ruleSetVersion: p.get('Compliance.RuleSetVersion', 'string'),
      mechanism: p.pick('Compliance.Mechanism', MECHANISM),
      approval: approval ? `participants/${vendor}/exportApprovals/${approval}` : '',
      approvalReference: p.get('Compliance.ApprovalReference', 'string', true) ?? '',
      refusalReason: p.get('Compliance.RefusalReason', 'string', true) ?? '',
      refusedByRule: p.get('Compliance.RefusedByRule', 'string', true) ?? '',
      explanation: p.get('Compliance.Explanation', 'string'),
      evaluations,
      cumulativeIndividuals: p.get('Compliance.VolumeAfter.Individuals', 'int'),
      cumulativeSensitiveIndividuals: p.get('Compliance.VolumeAfter.SensitiveIndividuals', 'int'),
    },
    version: 0,
    createTime: at,
    updateTime: at,
  };
}

/**
 * events: [{ L (the parsed leaf), body (the parsed payload), at ("leaves[i].entry") }] in stream order.
 * Returns the record; throws Invalid naming leaves[i].entry.payload / .eventType / .leaf.
 */
export function replay(events, tradeId) {
  let rec = null;
  let beforeDispute = null;
  for (const { L, body, at } of events) {
    const event = L.event_type;
    const path = `${at}.payload`;
    if (!isObject(body)) throw new Invalid(path, 'a payload is a JSON object');
    const p = new Payload(body, path, event);
    if (p.uuid('TradeId') !== tradeId) throw new Invalid(path, `TradeId ${body.TradeId} is not the trade's ${tradeId}`);
    // The leaf's effective_date is the payload's top-level EffectiveDate (how the ledger builds leaves).
    const eff = body.EffectiveDate;
    const effOk = typeof eff === 'string' && /^\d{4}-\d\d-\d\d$/.test(eff) ? eff : null;
    if ((L.effective_date ?? null) !== effOk) throw new Invalid(`${at}.leaf`, `effective_date ${L.effective_date ?? 'absent'} is not the payload's EffectiveDate ${eff ?? 'absent'}`);
    const atTime = p.time('At');
    const cannot = () => new Invalid(`${at}.eventType`, `${event} cannot follow a trade in state ${rec.state}`);
    if (rec === null) {
      if (event !== 'trade_contracted' && event !== 'trade_refused') throw new Invalid(`${at}.eventType`, `${event} cannot start a trade (trade_contracted or trade_refused must)`);
      rec = start(p, event === 'trade_contracted');
    } else if (!AFTER[event]) {
      throw cannot();
    } else if (!AFTER[event].map((s) => STATE[s]).includes(rec.state)) {
      throw cannot();
    } else if (event === 'trade_delivered') {
      rec.state = STATE.Delivered;
    } else if (event === 'trade_receipt_acknowledged') {
      rec.state = STATE.Received;
    } else if (event === 'trade_amount_adjusted') {
      rec.amount = p.money('To');
    } else if (event === 'trade_settled') {
      rec.state = STATE.Settled;
      rec.settledAmount = p.money('Amount');
    } else if (event === 'trade_cancelled') {
      rec.state = STATE.Cancelled;
    } else if (event === 'trade_dispute_opened') {
      rec.state = STATE.Disputed;
      beforeDispute = p.pick('PreviousState', STATE);
    } else if (event === 'trade_dispute_resolved') {
      if (beforeDispute === null) throw cannot();
      const refund = p.pick('Resolution', { UpheldRefund: true, Dismissed: false });
      rec.state = refund ? STATE.Refunded : beforeDispute;
      beforeDispute = null;
    }
    rec.updateTime = atTime;
    rec.version += 1;
  }
  return rec;
}
