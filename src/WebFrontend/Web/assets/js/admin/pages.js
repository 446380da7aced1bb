// Landing pages (docs/api/pages.md): the list with drafts and published pages, a new page from its title, and the
// editor: VISUAL (blocks of the library, each with its text fields, added, moved and removed) or CODE (the HTML and
// CSS by hand), SEO and MkDocs export fields, a preview in a sandboxed frame, publish, unpublish and delete.
import { h, render, message, onSubmit, field, fmtDate, showError, clearError } from '../ui.js';
import { confirmButton } from '../content.js';

/** The editor's project JSON of a page built in VISUAL mode: the blocks in order with their values. */
const FORMAT = 'cml-blocks';

/** The style sheet of the library's blocks: written into a VISUAL page's CSS, linked by the preview. */
const BLOCKS_CSS = '/web/css/blocks.css';
let blocksCss = null;
const loadBlocksCss = () => {
  blocksCss ??= fetch(BLOCKS_CSS).then((r) => (r.ok ? r.text() : '')).catch(() => '');
  return blocksCss;
};

export default async function pages(ctx) {
  await showList(ctx, {});
}

async function showList(ctx, { notice, published = '', search = '' }) {
  const { api, root } = ctx;
  const query = new URLSearchParams({ pageSize: '100' });
  if (published) query.set('published', published);
  if (search) query.set('search', search);
  const list = await api.get(`/api/pages?${query}`);

  const filter = h('form', { id: 'pages-filter', class: 'row' },
    field('Show', h('select', { name: 'published', id: 'pages-show' },
      h('option', { value: '' }, 'All pages'),
      h('option', { value: 'false', selected: published === 'false' }, 'Drafts'),
      h('option', { value: 'true', selected: published === 'true' }, 'Published'))),
    field('Search', h('input', { name: 'search', type: 'search', value: search, maxlength: 200 })),
    h('button', { type: 'submit' }, 'Filter'));
  onSubmit(filter, async (data) => showList(ctx, { published: String(data.get('published')), search: String(data.get('search')).trim() }));

  const table = h('table', { id: 'pages-table' },
    h('thead', null, h('tr', null, h('th', null, 'Page (open to edit)'), h('th', null, 'Address'), h('th', null, 'Status'), h('th', null, 'Updated'))),
    h('tbody', null, list.items.map((p) => h('tr', { dataset: { pageId: p.id } },
      // The title opens the editor: the first column stays in view on a phone, where the table scrolls sideways.
      h('td', null, h('button', { type: 'button', class: 'link edit-page', 'aria-label': `Edit ${p.title}`, onclick: () => open(ctx, p.id) }, h('strong', null, p.title)),
        p.description ? h('br') : '', p.description ? h('small', { class: 'muted' }, p.description) : ''),
      h('td', null, p.published ? h('a', { href: `/p/${encodeURIComponent(p.slug)}`, target: '_blank', rel: 'noopener' }, `/p/${p.slug}`) : h('span', { class: 'muted' }, `/p/${p.slug}`)),
      h('td', null, statusBadge(p.published)),
      h('td', null, fmtDate(p.updatedAt))))));

  const create = h('form', { id: 'new-page', class: 'card' }, h('h3', null, 'New landing page'),
    field('Title', h('input', { name: 'title', required: true, maxlength: 200 })),
    field('Address (optional; made from the title when empty)', h('input', { name: 'slug', maxlength: 100, pattern: '[a-z0-9]+(-[a-z0-9]+)*', placeholder: 'spring-rally' })),
    h('button', { type: 'submit', class: 'primary' }, 'Create draft'));
  onSubmit(create, async (data) => {
    const body = { title: String(data.get('title')).trim(), editorMode: 'VISUAL', blocks: { format: FORMAT, version: 1, items: [] } };
    if (String(data.get('slug')).trim()) body.slug = String(data.get('slug')).trim();
    const created = await api.post('/api/pages', body);
    await showEditor(ctx, created.id, { notice: `Draft "${created.title}" created.` });
  });

  const exportBox = h('div', { id: 'export-status' });
  const check = h('button', { type: 'button', id: 'check-export' }, 'Check the MkDocs export');
  check.addEventListener('click', async () => {
    check.disabled = true;
    try {
      const r = await api.post('/api/pages/exports/validate');
      render(exportBox, message('ok', `${r.pages} pages, ${r.exported} exported; files written: ${r.written.length}, removed: ${r.removed.length}, left alone (not ours): ${r.refused.length}.`),
        r.refused.length ? h('ul', { class: 'list' }, r.refused.map((f) => h('li', null, f))) : '');
    } catch (error) {
      render(exportBox, message(error.status === 409 ? 'info' : 'error',
        error.status === 409 ? `The MkDocs export is off on this server (MKDOCS_DOCS_DIR is not set): pages publish at /p/ only. ${error.message}` : error.message));
    } finally { check.disabled = false; }
  });

  render(root,
    notice ? message('ok', notice) : '',
    h('section', { class: 'card' }, h('h2', null, `Landing pages (${list.total})`), filter,
      list.items.length ? h('div', { class: 'table-wrap' }, table) : message('info', published || search ? 'No page matches.' : 'No landing page yet.')),
    create,
    h('section', { class: 'card' }, h('h3', null, 'MkDocs export'),
      h('p', { class: 'muted' }, 'Published pages are also written into the MkDocs site when the server has a folder for it. This writes missing files and removes stale ones.'),
      check, exportBox));

  async function open(c, id) {
    try { await showEditor(c, id, {}); } catch (error) { showError(root, error); }
  }
}

const statusBadge = (published, id) => h('span', { class: `badge ${published ? 'badge-live' : ''}`, id, dataset: { published: String(published) } },
  published ? 'published' : 'draft');

/** The blocks of a page made here, or null when its editor JSON is another editor's (it is then replaced when saved visually). */
function readBlocks(json) {
  if (json && json.format === FORMAT && Array.isArray(json.items)) return json.items.map((i) => ({ ...i, values: { ...(i.values ?? {}) } }));
  return json == null ? [] : null;
}

async function showEditor(ctx, id, { notice }) {
  const { api, root } = ctx;
  const [page, library, css] = await Promise.all([api.get(`/api/pages/${id}`), api.get('/api/page-blocks?pageSize=100'), loadBlocksCss()]);
  const foreign = readBlocks(page.blocks) === null;
  const blocks = readBlocks(page.blocks) ?? [];
  const byType = new Map(library.items.map((b) => [b.type, b]));
  let mode = page.editorMode === 'CODE' ? 'CODE' : 'VISUAL';

  const text = (name, label, value, props = {}) => field(label, h('input', { name, value: value ?? '', ...props }));
  const html = h('textarea', { name: 'htmlOutput', id: 'page-html', rows: 14, spellcheck: false, class: 'code' }, page.htmlOutput ?? '');
  const cssInput = h('textarea', { name: 'cssOutput', id: 'page-css', rows: 8, spellcheck: false, class: 'code' }, page.cssOutput || css);
  const blockList = h('ol', { id: 'block-list', class: 'blocks' });
  const picker = h('select', { id: 'block-type', name: 'blockType' }, library.items.map((b) => h('option', { value: b.type }, `${b.label}${b.category ? ` (${b.category})` : ''}`)));
  const addBlock = h('button', { type: 'button', id: 'add-block' }, 'Add block');
  addBlock.addEventListener('click', () => {
    const block = byType.get(picker.value);
    if (!block) return;
    const values = structuredClone(block.defaults ?? {});
    delete values.html;
    for (const f of fieldsOf(block)) if (f.type === 'richtext' && typeof values[f.name] === 'string') values[f.name] = textOf(values[f.name]);
    blocks.push({ type: block.type, blockId: block.id, label: block.label, values });
    drawBlocks();
    blockList.lastElementChild?.querySelector('input, textarea')?.focus();
  });

  const visual = h('div', { id: 'visual-editor' },
    foreign ? message('info', 'This page was laid out in another editor. Blocks added here replace its HTML when the page is saved in visual mode.') : '',
    h('div', { class: 'row block-picker' }, field('Block', picker), addBlock),
    blockList);
  const code = h('div', { id: 'code-editor' },
    field('HTML (the page\'s body)', html),
    field('CSS', cssInput));
  const modes = h('fieldset', { class: 'choices modes' }, h('legend', null, 'Editor'),
    ['VISUAL', 'CODE'].map((m) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name: 'editorMode', value: m, checked: mode === m, onchange: () => switchMode(m) }), m === 'VISUAL' ? ' Visual (blocks)' : ' Code (HTML and CSS)')));

  function switchMode(next) {
    if (next === 'CODE' && mode === 'VISUAL' && blocks.length) html.value = blocksHtml(blocks, byType);
    mode = next;
    visual.hidden = mode !== 'VISUAL';
    code.hidden = mode !== 'CODE';
  }

  function drawBlocks() {
    render(blockList, blocks.length === 0 ? h('li', { class: 'muted' }, 'No block yet: pick one above and add it.') : blocks.map((item, index) => {
      const block = byType.get(item.type);
      const move = (to) => { blocks.splice(to, 0, blocks.splice(index, 1)[0]); drawBlocks(); blockList.children[to]?.querySelector('.block-head button')?.focus(); };
      return h('li', { class: 'block-item card', dataset: { type: item.type, index: String(index) } },
        h('div', { class: 'block-head row' }, h('strong', null, `${index + 1}. ${item.label ?? item.type}`),
          h('span', { class: 'spacer' }),
          h('button', { type: 'button', class: 'move-up', disabled: index === 0, 'aria-label': `Move ${item.label ?? item.type} up`, onclick: () => move(index - 1) }, '↑'),
          h('button', { type: 'button', class: 'move-down', disabled: index === blocks.length - 1, 'aria-label': `Move ${item.label ?? item.type} down`, onclick: () => move(index + 1) }, '↓'),
          h('button', { type: 'button', class: 'danger remove-block', onclick: () => { blocks.splice(index, 1); drawBlocks(); } }, 'Remove')),
        block ? fieldsOf(block).map((f) => fieldEditor(f, item.values, `b${index}`)) : message('info', 'This block is no longer in the library: it keeps its last values.'));
    }));
  }

  const form = h('form', { id: 'page-editor', class: 'card' },
    h('div', { class: 'row' }, h('h2', null, page.title), statusBadge(page.published, 'page-status')),
    page.published ? h('p', null, 'Public at ', h('a', { id: 'page-public-link', href: `/p/${encodeURIComponent(page.slug)}`, target: '_blank', rel: 'noopener' }, `/p/${page.slug}`)) : '',
    exportLine(page),
    text('title', 'Title', page.title, { required: true, maxlength: 200 }),
    text('slug', 'Address (/p/…)', page.slug, { required: true, maxlength: 100, pattern: '[a-z0-9]+(-[a-z0-9]+)*' }),
    field('Description', h('textarea', { name: 'description', rows: 2, maxlength: 2000 }, page.description ?? '')),
    modes, visual, code,
    h('details', { class: 'seo' }, h('summary', null, 'Search engines and sharing'),
      text('seoTitle', 'SEO title', page.seoTitle, { maxlength: 200 }),
      field('SEO description', h('textarea', { name: 'seoDescription', rows: 2, maxlength: 500 }, page.seoDescription ?? '')),
      text('seoImage', 'Share image (https://… or /path)', page.seoImage, { maxlength: 2000 })),
    h('details', { class: 'export' }, h('summary', null, 'MkDocs export'),
      field('Export as', h('select', { name: 'mkdocsExportMode' },
        h('option', { value: 'THEMED', selected: page.mkdocsExportMode === 'THEMED' }, 'Themed (inside the site\'s theme)'),
        h('option', { value: 'STANDALONE', selected: page.mkdocsExportMode === 'STANDALONE' }, 'Standalone (the page alone)'))),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'mkdocsHideNav', checked: page.mkdocsHideNav }), ' Hide the site navigation'),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'mkdocsHideToc', checked: page.mkdocsHideToc }), ' Hide the table of contents'),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'mkdocsSkipExport', checked: page.mkdocsSkipExport }), ' Do not export (publish at /p/ only)')),
    h('div', { class: 'row actions' },
      h('button', { type: 'submit', class: 'primary', id: 'save-page', value: 'save' }, 'Save'),
      page.published
        ? h('button', { type: 'submit', id: 'unpublish-page', value: 'unpublish' }, 'Unpublish')
        : h('button', { type: 'submit', id: 'publish-page', value: 'publish' }, 'Save and publish'),
      h('button', { type: 'button', id: 'preview-page', onclick: () => showPreview() }, 'Preview'),
      h('button', { type: 'button', onclick: () => showList(ctx, {}) }, 'Back to the list')));

  onSubmit(form, async (data, submitter) => {
    const body = {
      title: String(data.get('title')).trim(),
      description: String(data.get('description')),
      editorMode: mode,
      seoTitle: String(data.get('seoTitle')).trim(),
      seoDescription: String(data.get('seoDescription')),
      seoImage: String(data.get('seoImage')).trim(),
      mkdocsExportMode: String(data.get('mkdocsExportMode')),
      mkdocsHideNav: data.get('mkdocsHideNav') === 'on',
      mkdocsHideToc: data.get('mkdocsHideToc') === 'on',
      mkdocsSkipExport: data.get('mkdocsSkipExport') === 'on',
    };
    const slug = String(data.get('slug')).trim();
    if (slug !== page.slug) body.slug = slug;
    if (mode === 'VISUAL') {
      body.blocks = { format: FORMAT, version: 1, items: blocks };
      body.htmlOutput = blocksHtml(blocks, byType);
      body.cssOutput = css;
    } else {
      if (!foreign) body.blocks = { format: FORMAT, version: 1, items: blocks };
      body.htmlOutput = html.value;
      body.cssOutput = cssInput.value;
    }
    if (submitter?.value === 'publish') body.published = true;
    if (submitter?.value === 'unpublish') body.published = false;
    let saved;
    try {
      saved = await api.put(`/api/pages/${id}`, body);
    } catch (error) {
      // A refused field inside a closed section is opened, so its message beside it can be seen.
      for (const name of Object.keys(error.fields ?? {})) form.elements.namedItem(name)?.closest?.('details')?.setAttribute('open', '');
      throw error;
    }
    await showEditor(ctx, saved.id, {
      notice: submitter?.value === 'publish' ? `Published at /p/${saved.slug}.` : submitter?.value === 'unpublish' ? 'Unpublished: the page is a draft again.' : 'Saved.',
    });
  });

  const preview = h('section', { class: 'card', id: 'preview-box', hidden: true });
  function showPreview() {
    const body = mode === 'VISUAL' ? blocksHtml(blocks, byType) : html.value;
    const style = mode === 'VISUAL' ? '' : cssInput.value;
    // The page's own markup in a frame of no origin (no allow-same-origin): it cannot reach this console's storage.
    // The frame inherits the console's policy, so its own scripts and inline styles stay off; the blocks' style
    // sheet is a file of this site and applies.
    const doc = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
      + `<link rel="stylesheet" href="${BLOCKS_CSS}"><style>${style.replaceAll('</style', '<\\/style')}</style></head><body>${body}</body></html>`;
    render(preview, h('div', { class: 'row' }, h('h3', null, 'Preview'), h('span', { class: 'spacer' }),
      h('button', { type: 'button', onclick: () => { preview.hidden = true; } }, 'Close preview')),
      h('p', { class: 'muted' }, mode === 'CODE'
        ? 'Scripts and your own CSS are off in this preview; the published page runs them.'
        : 'Scripts are off in this preview; the published page runs them.'),
      h('iframe', { id: 'page-preview', title: `Preview of ${page.title}`, sandbox: '', srcdoc: doc }));
    preview.hidden = false;
    preview.scrollIntoView({ block: 'nearest' });
  }

  const remove = confirmButton('Delete page', `Delete "${page.title}"${page.published ? ' (it is published)' : ''}?`, 'Delete for good', async () => {
    try {
      await api.del(`/api/pages/${id}`);
      await showList(ctx, { notice: `"${page.title}" was deleted.` });
    } catch (error) { showError(form, error); }
  }, { id: 'delete-page' });

  drawBlocks();
  switchMode(mode);
  clearError(root);
  render(root, notice ? message('ok', notice) : '', form, preview, h('section', { class: 'card' }, h('h3', null, 'Delete'), remove));
}

function exportLine(page) {
  if (!page.published) return h('p', { class: 'muted', id: 'export-line' }, 'A draft: not public and not exported.');
  if (page.mkdocsSkipExport) return h('p', { class: 'muted', id: 'export-line' }, 'Not exported to MkDocs (publish at /p/ only).');
  return h('p', { class: 'muted', id: 'export-line' }, `Exported to MkDocs (when the server has an export folder) as ${page.mkdocsStubPath} with the template ${page.mkdocsPath}.`);
}

const fieldsOf = (block) => (Array.isArray(block.schema?.fields) ? block.schema.fields.filter((f) => f && typeof f.name === 'string') : []);

/** The text of a piece of HTML, paragraphs kept apart by a blank line (a block's rich text is edited as plain text). */
function textOf(markup) {
  const body = new DOMParser().parseFromString(markup, 'text/html').body;
  const paragraphs = [...body.querySelectorAll('p')].map((p) => p.textContent.trim()).filter(Boolean);
  return paragraphs.length ? paragraphs.join('\n\n') : body.textContent.trim();
}

const label = (name) => name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

/** The inputs of one field of a block; values are kept in `values` as they are typed. */
function fieldEditor(f, values, prefix) {
  const id = `${prefix}-${f.name}`;
  if (f.type === 'list') {
    const items = Array.isArray(values[f.name]) ? values[f.name] : (values[f.name] = []);
    const sub = Array.isArray(f.of?.fields) ? f.of.fields : [];
    const box = h('fieldset', { class: 'list-field' }, h('legend', null, label(f.name)));
    const draw = () => {
      render(box, h('legend', null, label(f.name)), items.map((item, i) => h('div', { class: 'list-item' },
        sub.map((s) => fieldEditor(s, item, `${id}-${i}`)),
        h('button', { type: 'button', class: 'link', onclick: () => { items.splice(i, 1); draw(); } }, `Remove ${label(f.name).toLowerCase()} ${i + 1}`))),
      h('button', { type: 'button', onclick: () => { items.push(Object.fromEntries(sub.map((s) => [s.name, s.type === 'boolean' ? false : '']))); draw(); } }, 'Add one'));
    };
    draw();
    return box;
  }
  if (f.type === 'boolean')
    return h('label', { class: 'check' }, h('input', { type: 'checkbox', id, dataset: { field: f.name }, checked: !!values[f.name], onchange: (e) => { values[f.name] = e.target.checked; } }), ` ${label(f.name)}`);
  const input = f.type === 'richtext'
    ? h('textarea', { id, rows: 4, dataset: { field: f.name } }, values[f.name] ?? '')
    : h('input', { id, type: 'text', inputmode: f.type === 'url' || f.type === 'image' ? 'url' : undefined, value: values[f.name] ?? '', dataset: { field: f.name } });
  input.addEventListener('input', () => { values[f.name] = input.value; });
  return field(label(f.name) + (f.type === 'richtext' ? ' (a blank line starts a paragraph)' : f.type === 'image' ? ' (image address)' : ''), input);
}

// ---- The HTML of the blocks: built as elements of a detached document and serialised, so every value is text or an
// attribute, never markup.

const SAFE_URL = /^(https?:|mailto:|tel:|\/|#|\.|[^:]*$)/i;
const url = (value) => (typeof value === 'string' && value.trim() && SAFE_URL.test(value.trim()) ? value.trim() : '#');

function blocksHtml(blocks, byType) {
  const doc = document.implementation.createHTMLDocument('');
  const el = (tag, attrs, ...children) => {
    const e = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs ?? {})) if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
    for (const c of children.flat()) if (c !== undefined && c !== null && c !== false && c !== '') e.append(c);
    return e;
  };
  const paragraphs = (value) => String(value ?? '').split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)
    .map((p) => el('p', null, ...p.split('\n').flatMap((line, i) => (i ? [el('br'), line] : [line]))));
  const has = (v) => typeof v === 'string' && v.trim() !== '';
  const button = (textValue, href) => (has(textValue) ? el('a', { class: 'cml-button', href: url(href) }, textValue) : '');
  const renderers = {
    hero: (v) => {
      const s = el('section', { class: 'cml-hero' }, has(v.heading) ? el('h1', null, v.heading) : '', has(v.subheading) ? el('p', null, v.subheading) : '', button(v.buttonText, v.buttonUrl));
      if (has(v.backgroundImage) && url(v.backgroundImage) !== '#') s.style.backgroundImage = `url(${JSON.stringify(url(v.backgroundImage))})`;
      return s;
    },
    text: (v) => el('section', { class: 'cml-text' }, has(v.heading) ? el('h2', null, v.heading) : '', paragraphs(v.body)),
    image: (v) => el('figure', { class: 'cml-image' }, has(v.src) ? el('img', { src: url(v.src), alt: v.alt ?? '' }) : '', has(v.caption) ? el('figcaption', null, v.caption) : ''),
    cta: (v) => el('section', { class: 'cml-cta' }, has(v.heading) ? el('h2', null, v.heading) : '', has(v.text) ? el('p', null, v.text) : '', button(v.buttonText, v.buttonUrl)),
    features: (v) => el('section', { class: 'cml-features' }, has(v.heading) ? el('h2', null, v.heading) : '',
      el('div', { class: 'cml-feature-list' }, (v.items ?? []).map((i) => el('div', { class: 'cml-feature' }, has(i.title) ? el('h3', null, i.title) : '', has(i.text) ? el('p', null, i.text) : '')))),
    testimonials: (v) => el('section', { class: 'cml-testimonials' }, has(v.heading) ? el('h2', null, v.heading) : '',
      (v.items ?? []).map((i) => el('blockquote', null, el('p', null, i.quote ?? ''), el('footer', null, [i.name, i.role].filter(has).join(', '))))),
    form: (v) => el('section', { class: 'cml-form' }, has(v.heading) ? el('h2', null, v.heading) : '',
      el('form', { method: 'post', action: has(v.action) ? url(v.action) : undefined },
        (v.fields ?? []).filter((f) => has(f.name)).map((f) => el('label', null, `${f.label || f.name} `,
          f.type === 'textarea' ? el('textarea', { name: f.name, required: !!f.required })
            : el('input', { type: ['email', 'tel', 'number', 'url', 'date'].includes(f.type) ? f.type : 'text', name: f.name, required: !!f.required }))),
        el('button', { type: 'submit' }, has(v.submitText) ? v.submitText : 'Send'))),
  };
  // A block of the library this editor has no layout for: its heading and its other texts, one paragraph each.
  const generic = (item) => {
    const fields = fieldsOf(byType.get(item.type) ?? {});
    const names = fields.length ? fields.map((f) => f.name) : Object.keys(item.values ?? {});
    const v = item.values ?? {};
    return el('section', { class: `cml-block cml-${item.type}` }, has(v.heading) ? el('h2', null, v.heading) : '',
      names.filter((n) => n !== 'heading' && has(v[n])).map((n) => el('p', null, v[n])));
  };
  return blocks.map((item) => (renderers[item.type] ?? (() => generic(item)))(item.values ?? {}).outerHTML).join('\n');
}
