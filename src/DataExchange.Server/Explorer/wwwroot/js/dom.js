// A tiny element builder: text is always set as text (never parsed as HTML), so data from the API or a receipt
// cannot inject markup.

/** h('p', { class: 'x', 'data-field': 'a' }, 'text', child, [children]) */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A definition list from [label, value, attrs] rows, skipping rows whose value is undefined; grouped: each pair in a div. */
export function dl(rows, attrs = {}, grouped = false) {
  return h('dl', { class: 'facts', ...attrs },
    rows.filter((r) => r && r[1] !== undefined).map(([label, value, ddAttrs]) => {
      const pair = [h('dt', {}, label), h('dd', ddAttrs ?? {}, value)];
      return grouped ? h('div', { class: 'pair' }, pair) : pair;
    }));
}
