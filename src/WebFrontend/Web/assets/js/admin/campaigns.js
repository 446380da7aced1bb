// Campaigns with their email, call and response counts kept live (campaign:{id}), and the campaign editor: create
// or change a campaign's texts, target levels, email settings, response wall and status (docs/api/influence.md).
import { h, render, message, onSubmit, field } from '../ui.js';

const LEVELS = ['FEDERAL', 'PROVINCIAL', 'MUNICIPAL', 'SCHOOL_BOARD'];
/** The moves a campaign's status may make (DRAFT → ACTIVE, ACTIVE ⇄ PAUSED, ACTIVE/PAUSED → ARCHIVED). */
const MOVES = { DRAFT: ['DRAFT', 'ACTIVE'], ACTIVE: ['ACTIVE', 'PAUSED', 'ARCHIVED'], PAUSED: ['PAUSED', 'ACTIVE', 'ARCHIVED'], ARCHIVED: ['ARCHIVED'] };
const FLAGS = [
  ['allowSmtpEmail', 'Supporters may send through the site (SMTP)', true],
  ['allowMailtoLink', 'Supporters may send from their own mail app (mailto)', true],
  ['collectUserInfo', 'Keep the sender\'s name, email and postal code', true],
  ['allowEmailEditing', 'Supporters may edit the subject and text', false],
  ['allowCustomRecipients', 'Custom recipients beside the representatives', false],
  ['showEmailCount', 'Show the email count', true],
  ['showCallCount', 'Show the call count', true],
  ['showResponseWall', 'Show the response wall', false],
  ['highlightCampaign', 'Highlight on the home page', false],
];

export default async function campaigns({ api, root, watch, hub, onLeave, reload }) {
  const page = await api.get('/api/campaigns?pageSize=100');
  const cells = new Map();
  const editor = h('div', { id: 'campaign-editor' });
  render(root, h('section', { class: 'card' }, h('div', { class: 'row' }, h('h2', null, `Campaigns (${page.total})`),
    h('button', { type: 'button', id: 'new-campaign', class: 'primary', onclick: () => edit(null) }, 'New campaign')),
    page.items.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'campaigns-table' },
      h('thead', null, h('tr', null, h('th', null, 'Campaign'), h('th', null, 'Status'), h('th', null, 'Emails'), h('th', null, 'Calls'), h('th', null, 'Responses'), h('th', null, ''))),
      h('tbody', null, page.items.map((c) => {
        const emails = h('td', null, String(c.emailCount ?? 0));
        const calls = h('td', null, String(c.callCount ?? 0));
        const responses = h('td', null, String(c.responseCount ?? 0));
        cells.set(c.id, { emails, calls, responses });
        return h('tr', { dataset: { campaignId: c.id } }, h('td', null, c.status === 'ACTIVE' ? h('a', { href: `/campaigns/${encodeURIComponent(c.slug)}` }, c.title) : c.title),
          h('td', null, h('span', { class: 'badge' }, c.status)), emails, calls, responses,
          h('td', null, h('button', { type: 'button', class: 'edit-campaign', onclick: () => edit(c.id) }, 'Edit')));
      })))) : message('info', 'No campaign yet.')), editor);
  // Another screen (or a sign-out) took the console while this one loaded: watch nothing for it.
  if (!root.isConnected) return;
  onLeave(hub().on('campaignCounts', (e) => {
    const c = cells.get(e.campaignId);
    if (!c) return;
    if (e.emailCount != null) c.emails.textContent = String(e.emailCount);
    if (e.callCount != null) c.calls.textContent = String(e.callCount);
    if (e.responseCount != null) c.responses.textContent = String(e.responseCount);
  }));

  /** The editor of one campaign (null: a new one). A save reads the list again. */
  async function edit(id) {
    let c = null;
    if (id) {
      try { c = await api.get(`/api/campaigns/${id}`); } catch (error) { render(editor, message('error', error.message)); return; }
    }
    const text = (name, label, props = {}) => field(label, h('input', { name, value: c?.[name] ?? '', ...props }));
    const area = (name, label, props = {}) => field(label, h('textarea', { name, rows: 5, ...props }, c?.[name] ?? ''));
    const form = h('form', { id: 'campaign-form', class: 'card' },
      h('h3', null, c ? `Edit ${c.title}` : 'New campaign'),
      c ? h('p', { class: 'muted' }, 'Address: ', h('code', null, `/campaigns/${c.slug}`), ' (made from the title when created)') : '',
      text('title', 'Title', { required: true, maxlength: 200 }),
      area('description', 'Description'),
      text('callToAction', 'Call to action'),
      text('coverPhoto', 'Cover photo (http or https address)', { type: 'url' }),
      text('emailSubject', 'Email subject', { required: true }),
      area('emailBody', 'Email text', { required: true, rows: 8 }),
      h('fieldset', { class: 'choices', name: 'targetGovernmentLevels' }, h('legend', null, 'Representatives written to'),
        LEVELS.map((l) => h('label', { class: 'choice' }, h('input', { type: 'checkbox', name: `level.${l}`, checked: c ? c.targetGovernmentLevels.includes(l) : l === 'FEDERAL' }), ` ${l}`))),
      h('fieldset', { class: 'flags' }, h('legend', null, 'Email and wall settings'),
        FLAGS.map(([name, label, initial]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name, checked: c ? c[name] : initial }), ` ${label}`))),
      c ? field('Status', h('select', { name: 'status' }, (MOVES[c.status] ?? [c.status]).map((s) => h('option', { value: s, selected: s === c.status }, s)))) : '',
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, c ? 'Save campaign' : 'Create campaign'),
        h('button', { type: 'button', onclick: () => render(editor) }, 'Close')));
    onSubmit(form, async (data) => {
      const body = {
        title: String(data.get('title')).trim(), description: String(data.get('description') ?? ''), callToAction: String(data.get('callToAction') ?? ''),
        emailSubject: String(data.get('emailSubject')), emailBody: String(data.get('emailBody')),
        targetGovernmentLevels: LEVELS.filter((l) => data.get(`level.${l}`) === 'on'),
      };
      const cover = String(data.get('coverPhoto') ?? '').trim();
      if (cover || c?.coverPhoto) body.coverPhoto = cover;
      for (const [name] of FLAGS) body[name] = data.get(name) === 'on';
      if (c && data.get('status') !== c.status) body.status = data.get('status');
      const saved = c ? await api.patch(`/api/campaigns/${c.id}`, body) : await api.post('/api/campaigns', body);
      await reload();
      document.querySelector(`#campaigns-table tr[data-campaign-id="${saved.id}"]`)?.classList.add('saved');
    });
    render(editor, form);
    form.scrollIntoView({ block: 'nearest' });
  }

  await Promise.all(page.items.slice(0, 100).map((c) => watch(`campaign:${c.id}`)));
}
