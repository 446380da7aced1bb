// Small DOM helpers shared by every page: building elements without HTML strings (text is always text, never
// markup), showing a failure in words, and forms that report their errors beside them.

/** h('p', { class: 'x', onclick }, 'text', child) — attributes, event handlers (on…) and children. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function render(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** A message box: kind 'error' | 'info' | 'ok'. Errors are announced to screen readers. */
export function message(kind, text) {
  return h('p', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/** Shows what went wrong in a box at the top of `where`, replacing the previous one. */
export function showError(where, error) {
  const box = where.querySelector(':scope > .msg-error') ?? where.prepend(message('error', '')) ?? where.firstChild;
  box.textContent = error?.message || String(error);
  box.hidden = false;
  return box;
}

export function clearError(where) {
  const box = where.querySelector(':scope > .msg-error');
  if (box) box.remove();
}

/**
 * Runs `action` for a form's submit: the button is disabled meanwhile, a failure is written above the form, and
 * each field the server named is marked (aria-invalid) with its message under it.
 */
export function onSubmit(form, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const buttons = form.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    clearError(form);
    form.querySelectorAll('.field-error').forEach((e) => e.remove());
    form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
    try {
      await action(new FormData(form), event.submitter);
    } catch (error) {
      showError(form, error);
      for (const [field, messages] of Object.entries(error?.fields ?? {})) {
        const input = form.elements.namedItem(field);
        if (input instanceof Element) {
          input.setAttribute('aria-invalid', 'true');
          input.after(h('span', { class: 'field-error' }, [].concat(messages).join(' ')));
        }
      }
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
}

/** A labelled input. */
export function field(label, input) {
  return h('label', { class: 'field' }, h('span', null, label), input);
}

export const fmtDate = (iso) => (iso ? new Date(iso).toLocaleString() : '');

/** A shift's day and hours as the API writes them (YYYY-MM-DD, HH:MM). */
export const fmtShift = (s) => `${s.date} ${s.startTime}–${s.endTime}`;

/** Runs a page's start function, showing any failure instead of a blank screen. */
export async function start(main, fn) {
  try {
    await fn();
  } catch (error) {
    console.error(error);
    render(main, message('error', error?.message || String(error)));
  }
}

/** A RFC 4122 version-4 identifier, also where crypto.randomUUID is missing (a page not on https). */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
