// Email templates (SUPER_ADMIN, /api/email-templates, docs/api/templates.md): the list by key; one template's
// subject, HTML and text parts and declared variables edited and saved as a new version; the validator's findings
// with their part and line; a preview with sample values (the HTML drawn in a sandboxed frame that runs no script);
// the versions with their notes, each restorable; a test send showing what the SMTP server said.
import { h, render, message, onSubmit, field, fmtDate, showError, clearError } from '../ui.js';

const CATEGORIES = ['INFLUENCE', 'MAP', 'SYSTEM'];

export default async function templates({ api, root }) {
  const page = await api.get('/api/email-templates?pageSize=500');
  const editor = h('div', { id: 'template-editor' });
  const create = h('form', { id: 'new-template', class: 'card' }, h('h3', null, 'New template'),
    h('div', { class: 'row' },
      field('Key (lower case, digits, hyphens)', h('input', { name: 'key', required: true, pattern: '[a-z0-9-]+', maxlength: 100 })),
      field('Name', h('input', { name: 'name', required: true, maxlength: 200 })),
      field('Category', h('select', { name: 'category' }, CATEGORIES.map((c) => h('option', { value: c }, c))))),
    field('Subject', h('input', { name: 'subjectLine', required: true, maxlength: 500 })),
    h('button', { type: 'submit', class: 'primary' }, 'Create template'));
  onSubmit(create, async (data) => {
    const t = await api.post('/api/email-templates', {
      key: String(data.get('key')).trim(), name: String(data.get('name')).trim(), category: data.get('category'),
      subjectLine: String(data.get('subjectLine')), htmlContent: '<p></p>', textContent: '',
    });
    create.reset();
    await open(t.id);
  });

  render(root, h('section', { class: 'card' }, h('h2', null, `Email templates (${page.total})`),
    page.items.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'templates-table' },
      h('thead', null, h('tr', null, h('th', null, 'Key'), h('th', null, 'Name'), h('th', null, 'Category'), h('th', null, 'Version'), h('th', null, 'Updated'), h('th', null, ''))),
      h('tbody', null, page.items.map((t) => h('tr', { dataset: { templateId: t.id, key: t.key } },
        h('td', null, h('code', null, t.key), t.isSystem ? h('small', { class: 'muted' }, ' system') : '', t.isActive ? '' : h('small', { class: 'muted' }, ' inactive')),
        h('td', null, t.name), h('td', null, t.category), h('td', null, String(t.currentVersion)), h('td', null, fmtDate(t.updatedAt)),
        h('td', null, h('button', { type: 'button', class: 'open-template', onclick: () => open(t.id) }, 'Open'))))))) : message('info', 'No template yet.')),
  editor, create);

  /** One template's editor, preview, findings, versions and test send. */
  async function open(id, note) {
    let t;
    try { t = await api.get(`/api/email-templates/${id}`); } catch (error) { render(editor, message('error', error.message)); return; }
    const variables = h('tbody', null, t.variables.map(variableRow));
    const form = h('form', { id: 'template-form', class: 'card', dataset: { templateId: t.id } },
      h('h3', null, `${t.name} `, h('code', null, t.key), ` · version ${t.currentVersion}`),
      note ? message('ok', note) : '',
      h('div', { class: 'row' },
        field('Name', h('input', { name: 'name', value: t.name, required: true, maxlength: 200 })),
        field('Category', h('select', { name: 'category' }, CATEGORIES.map((c) => h('option', { value: c, selected: c === t.category }, c))))),
      field('Subject', h('input', { name: 'subjectLine', value: t.subjectLine, maxlength: 500 })),
      field('HTML part', h('textarea', { name: 'htmlContent', rows: 12, class: 'code', spellcheck: false }, t.htmlContent)),
      field('Text part', h('textarea', { name: 'textContent', rows: 8, class: 'code', spellcheck: false }, t.textContent)),
      h('fieldset', { name: 'variables', class: 'variables' }, h('legend', null, 'Declared variables ({{KEY}})'),
        h('div', { class: 'table-wrap' }, h('table', null,
          h('thead', null, h('tr', null, h('th', null, 'Key'), h('th', null, 'Label'), h('th', null, 'Sample value'), h('th', null, 'Required'), h('th', null, 'Conditional'), h('th', null, ''))),
          variables)),
        h('button', { type: 'button', id: 'add-variable', onclick: () => variables.append(variableRow({ key: '', label: '', sampleValue: '', isRequired: false, isConditional: false })) }, 'Add variable')),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'isActive', checked: t.isActive }), ' Active'),
      field('Change notes (kept with the new version)', h('input', { name: 'changeNotes', maxlength: 1000 })),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: 'save-template' }, 'Save')));
    onSubmit(form, async (data) => {
      const body = {
        name: String(data.get('name')), category: data.get('category'), subjectLine: String(data.get('subjectLine')),
        htmlContent: String(data.get('htmlContent')), textContent: String(data.get('textContent')), isActive: data.get('isActive') === 'on',
        variables: readVariables(variables),
      };
      const notes = String(data.get('changeNotes') ?? '').trim();
      if (notes) body.changeNotes = notes;
      const saved = await api.patch(`/api/email-templates/${t.id}`, body);
      await open(saved.id, `Saved as version ${saved.currentVersion}.`);
    });

    // Validation of the saved template: each finding with its part and line.
    const findings = h('div', { id: 'template-findings' });
    const validate = h('button', { type: 'button', id: 'validate-template', onclick: async () => {
      clearError(findings);
      try {
        const v = await api.post(`/api/email-templates/${t.id}/validate`);
        const issue = (kind) => (i) => h('li', { class: `issue issue-${kind}` },
          h('span', null, h('span', { class: 'badge' }, kind), ` ${i.part ?? ''}${i.line ? `, line ${i.line}` : ''}: ${i.message}`));
        render(findings, v.valid ? message('ok', 'The saved template is valid.') : message('error', 'The saved template has errors.'),
          h('ul', { class: 'list' }, v.errors.map(issue('error')), v.warnings.map(issue('warning'))),
          h('p', { class: 'muted' }, `Variables used: ${v.usedVariables.join(', ') || 'none'}`));
      } catch (error) { showError(findings, error); }
    } }, 'Validate saved template');

    // Preview: sample values filled in from the declared variables; the HTML in a frame without scripts.
    const frame = h('iframe', { id: 'template-preview-frame', title: 'HTML preview', sandbox: '', referrerpolicy: 'no-referrer' });
    const previewOut = h('div', { id: 'template-preview' });
    const previewForm = h('form', { id: 'preview-form', class: 'card' }, h('h3', null, 'Preview'),
      t.variables.length ? h('div', { class: 'row' }, t.variables.map((v) => field(v.label || v.key, h('input', { name: v.key, value: v.sampleValue ?? '' }))))
        : h('p', { class: 'muted' }, 'No declared variables.'),
      h('button', { type: 'submit', class: 'primary', id: 'preview-template' }, 'Preview saved template'), previewOut);
    onSubmit(previewForm, async (data) => {
      const values = {};
      for (const v of t.variables) { const x = String(data.get(v.key) ?? ''); if (x !== '') values[v.key] = x; }
      const p = await api.post(`/api/email-templates/${t.id}/preview`, { data: values });
      frame.srcdoc = p.html;
      render(previewOut, h('p', null, h('strong', null, 'Subject: '), h('span', { id: 'preview-subject' }, p.subject)), frame,
        h('details', null, h('summary', null, 'Text part'), h('pre', { id: 'preview-text' }, p.text)));
    });

    // Test send: what the SMTP server said, in its words.
    const sendOut = h('div', { id: 'test-send-result' });
    const sendForm = h('form', { id: 'test-send-form', class: 'card' }, h('h3', null, 'Send a test email'),
      field('To (empty: your own address)', h('input', { name: 'to', type: 'email' })),
      h('button', { type: 'submit' }, 'Send test'), sendOut);
    onSubmit(sendForm, async (data) => {
      const body = {};
      const to = String(data.get('to') ?? '').trim();
      if (to) body.to = to;
      const r = await api.post(`/api/email-templates/${t.id}/test-send`, body);
      render(sendOut, message(r.success ? 'ok' : 'error', r.success ? `Sent to ${r.recipient}.` : `Not sent to ${r.recipient}: ${r.error ?? 'unknown failure'}`),
        r.serverResponse ? h('p', { class: 'muted' }, `The server said: ${r.serverResponse}`) : '');
    });

    // Versions, newest first, each restorable as a new version.
    const versions = h('section', { class: 'card', id: 'template-versions' }, h('h3', null, 'Versions'), h('p', { class: 'muted' }, 'Loading…'));
    api.get(`/api/email-templates/${t.id}/versions`).then((list) => render(versions, h('h3', null, 'Versions'),
      h('ul', { class: 'list' }, list.map((v) => h('li', { dataset: { version: v.versionNumber } },
        h('span', null, h('strong', null, `Version ${v.versionNumber}`), ` · ${fmtDate(v.createdAt)}`, h('br'), h('small', { class: 'muted' }, v.changeNotes || 'no notes')),
        v.versionNumber === t.currentVersion ? h('span', { class: 'badge' }, 'current')
          : h('button', { type: 'button', class: 'restore', onclick: async (event) => {
            try {
              const restored = await api.post(`/api/email-templates/${t.id}/versions/${v.versionNumber}/restore`);
              await open(restored.id, `Version ${v.versionNumber} restored as version ${restored.currentVersion}.`);
            } catch (error) { showError(event.target.closest('li'), error); }
          } }, 'Restore'))))))
      .catch((error) => render(versions, h('h3', null, 'Versions'), message('error', error.message)));

    render(editor, form, h('section', { class: 'card' }, h('h3', null, 'Validation'), validate, findings), previewForm, versions, sendForm);
    form.scrollIntoView({ block: 'nearest' });
  }
}

/** One declared variable as a row of inputs. */
function variableRow(v) {
  const row = h('tr', { class: 'variable' },
    h('td', null, h('input', { 'aria-label': 'Variable key', class: 'var-key', value: v.key, pattern: '[A-Z0-9_]+', placeholder: 'NAME' })),
    h('td', null, h('input', { 'aria-label': 'Label', class: 'var-label', value: v.label ?? '' })),
    h('td', null, h('input', { 'aria-label': 'Sample value', class: 'var-sample', value: v.sampleValue ?? '' })),
    h('td', null, h('input', { 'aria-label': 'Required', type: 'checkbox', class: 'var-required', checked: !!v.isRequired })),
    h('td', null, h('input', { 'aria-label': 'Conditional', type: 'checkbox', class: 'var-conditional', checked: !!v.isConditional })),
    h('td', null, h('button', { type: 'button', class: 'link', onclick: () => row.remove() }, 'Remove')));
  return row;
}

function readVariables(tbody) {
  return [...tbody.querySelectorAll('tr.variable')].map((row) => ({
    key: row.querySelector('.var-key').value.trim(),
    label: row.querySelector('.var-label').value.trim() || row.querySelector('.var-key').value.trim(),
    sampleValue: row.querySelector('.var-sample').value,
    isRequired: row.querySelector('.var-required').checked,
    isConditional: row.querySelector('.var-conditional').checked,
  })).filter((v) => v.key !== '');
}
