import { h } from './dom.js';
import { t, locale } from './i18n.js';
import { monthLabel, count, minorDigits } from './format.js';

/** Sum of a month's CNY value in yuan (the chart's line); other currencies are listed in the table only. */
function cnyValue(totals) {
  const cny = (totals?.totalValue ?? []).find((m) => m.currencyCode === 'CNY');
  return cny ? Number(cny.amountMinor ?? '0') / 10 ** minorDigits('CNY') : 0;
}

function compact(n) {
  return new Intl.NumberFormat(locale(), { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

/**
 * Filings per month as bars and the CNY value per month as a line, as an inline SVG the page draws itself. The SVG is
 * an image with a title and a description; the same figures are in a table after it.
 */
export function monthlyChart(months, idBase = 'monthly') {
  const W = 760, H = 280, left = 56, right = 64, top = 20, bottom = 44;
  const plotW = W - left - right, plotH = H - top - bottom;
  const filings = months.map((m) => Number(m.totals?.filedTrades ?? '0'));
  const values = months.map((m) => cnyValue(m.totals));
  const maxFilings = Math.ceil(Math.max(1, ...filings) / 4) * 4; // whole filings on every grid line
  const maxValue = Math.max(1, ...values);
  const step = plotW / Math.max(1, months.length);
  const barW = Math.min(36, Math.max(1, step * 0.7));
  const busiest = filings.indexOf(Math.max(...filings));

  const titleId = `${idBase}-title`, descId = `${idBase}-desc`;
  const first = months[0], last = months[months.length - 1];
  const svg = h('svg:svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': `${titleId} ${descId}`, focusable: 'false',
  },
  h('svg:title', { id: titleId }, t('home.monthly')),
  h('svg:desc', { id: descId }, t('home.chart.desc', months.length, monthLabel(first.year, first.month), monthLabel(last.year, last.month),
    count(filings[busiest]), monthLabel(months[busiest].year, months[busiest].month))));

  // Axes and grid.
  for (let i = 0; i <= 4; i++) {
    const y = top + plotH - (plotH * i) / 4;
    svg.appendChild(h('svg:line', { x1: left, x2: left + plotW, y1: y, y2: y, class: 'grid' }));
    svg.appendChild(h('svg:text', { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis-label' }, compact((maxFilings * i) / 4)));
    svg.appendChild(h('svg:text', { x: left + plotW + 6, y: y + 4, 'text-anchor': 'start', class: 'axis-label value' }, compact((maxValue * i) / 4)));
  }
  svg.appendChild(h('svg:line', { x1: left, x2: left + plotW, y1: top + plotH, y2: top + plotH, class: 'axis' }));

  // Bars.
  months.forEach((m, i) => {
    const barH = (plotH * filings[i]) / maxFilings;
    const x = left + i * step + (step - barW) / 2;
    svg.appendChild(h('svg:rect', { x: x.toFixed(2), y: (top + plotH - barH).toFixed(2), width: barW.toFixed(2), height: barH.toFixed(2), class: 'bar' },
      h('svg:title', {}, `${monthLabel(m.year, m.month)}: ${count(filings[i])}`)));
  });

  // Value line.
  const points = months.map((_, i) => `${(left + i * step + step / 2).toFixed(2)},${(top + plotH - (plotH * values[i]) / maxValue).toFixed(2)}`);
  if (points.length > 1) svg.appendChild(h('svg:polyline', { points: points.join(' '), class: 'line' }));
  points.forEach((p) => {
    const [cx, cy] = p.split(',');
    svg.appendChild(h('svg:circle', { cx, cy, r: 2.5, class: 'dot' }));
  });

  // Month labels: about eight along the axis, always January and the ends.
  const every = Math.max(1, Math.ceil(months.length / 8));
  months.forEach((m, i) => {
    if (i % every !== 0 && i !== months.length - 1) return;
    svg.appendChild(h('svg:text', { x: (left + i * step + step / 2).toFixed(2), y: H - bottom + 18, 'text-anchor': 'middle', class: 'axis-label' },
      monthLabel(m.year, m.month)));
  });

  // Legend.
  svg.appendChild(h('svg:rect', { x: left, y: H - 16, width: 12, height: 10, class: 'bar' }));
  svg.appendChild(h('svg:text', { x: left + 16, y: H - 7, class: 'axis-label' }, t('home.chart.filings')));
  svg.appendChild(h('svg:line', { x1: left + 170, x2: left + 190, y1: H - 11, y2: H - 11, class: 'line' }));
  svg.appendChild(h('svg:text', { x: left + 196, y: H - 7, class: 'axis-label' }, t('home.chart.value')));
  return svg;
}
