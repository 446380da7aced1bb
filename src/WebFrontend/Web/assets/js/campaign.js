// A campaign's public page: find your representatives by postal code, write to them by email (sent by the site,
// SMTP) or through your own mail app (mailto links), and read and upvote their responses.
import { createApi, applyPublicSettings } from './api.js';
import { h, render, message, onSubmit, field, start, uuid, fmtDate } from './ui.js';

const api = createApi('public');
const main = document.getElementById('app');
// The organisation's name and colours from the site settings.
const site = applyPublicSettings();
const slug = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] ?? '');

start(main, async () => {
  const campaign = await api.get(`/api/public/campaigns/${encodeURIComponent(slug)}`);
  document.title = `${campaign.title} · ${(await site)?.organizationName || 'Changemaker Lite'}`;
  const reps = h('div', { id: 'representatives' });
  const lookup = h('form', { id: 'lookup-form', class: 'card' },
    h('h3', null, 'Find your representatives'),
    field('Postal code', h('input', { name: 'postalCode', id: 'postal-code', required: true, autocomplete: 'postal-code', placeholder: 'A1A 1A1', maxlength: 10 })),
    h('button', { type: 'submit', class: 'primary' }, 'Look up'));
  onSubmit(lookup, async (data) => {
    const postalCode = String(data.get('postalCode')).trim();
    const found = await api.post('/api/public/representatives/lookup', { postalCode });
    showRepresentatives(campaign, found, reps);
  });

  const counts = [campaign.emailCount != null ? `${campaign.emailCount} emails sent` : '', campaign.callCount != null ? `${campaign.callCount} calls` : '']
    .filter(Boolean).join(' · ');
  const wall = h('section', { class: 'card', id: 'response-wall' });
  render(main,
    h('div', { class: 'hero' }, h('h2', null, campaign.title), campaign.description ? h('p', null, campaign.description) : '',
      campaign.callToAction ? h('p', null, h('strong', null, campaign.callToAction)) : '', counts ? h('p', null, counts) : ''),
    lookup, reps, campaign.showResponseWall ? wall : '');
  if (campaign.showResponseWall) await showWall(wall);
});

function showRepresentatives(campaign, found, where) {
  const levels = campaign.targetGovernmentLevels ?? [];
  const targets = found.representatives.filter((r) => r.email && (levels.length === 0 || levels.includes(r.level)));
  if (targets.length === 0) { render(where, message('info', `No representative of ${found.postalCode} for this campaign has an email address.`)); return; }
  const form = h('form', { id: 'send-form', class: 'card' },
    h('h3', null, `Your representatives for ${found.postalCode}`),
    found.stale ? message('info', 'These are from a saved copy; the directory could not be reached just now.') : '',
    h('ul', { class: 'list' }, targets.map((r, i) => h('li', { class: 'rep' },
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'rep', value: String(i), checked: true }),
        h('span', null, h('strong', null, r.name), ` · ${r.electedOffice ?? ''} ${r.districtName ? `(${r.districtName})` : ''}`,
          r.partyName ? h('span', { class: 'muted' }, ` · ${r.partyName}`) : ''))))),
    field('Your name', h('input', { name: 'senderName', maxlength: 200, autocomplete: 'name', required: !!campaign.collectUserInfo })),
    field('Your email', h('input', { name: 'senderEmail', type: 'email', autocomplete: 'email', required: !!campaign.collectUserInfo })),
    h('p', { class: 'muted' }, `Subject: ${campaign.emailSubject ?? ''}`),
    h('div', { class: 'row' },
      campaign.allowSmtpEmail ? h('button', { type: 'submit', class: 'primary', value: 'SMTP', id: 'send-smtp' }, 'Send the email') : '',
      campaign.allowMailtoLink ? h('button', { type: 'submit', value: 'MAILTO', id: 'send-mailto' }, 'Write it in my mail app') : ''));
  const result = h('div', { id: 'send-result' });
  onSubmit(form, async (data, submitter) => {
    const method = submitter?.value === 'MAILTO' ? 'MAILTO' : 'SMTP';
    const chosen = data.getAll('rep').map((i) => targets[Number(i)]);
    if (chosen.length === 0) throw new Error('Choose at least one representative.');
    const body = {
      idempotencyKey: uuid(), method, postalCode: found.postalCode,
      recipients: chosen.map((r) => ({ email: r.email, name: r.name, title: r.electedOffice, level: r.level })),
    };
    if (String(data.get('senderName') ?? '').trim()) body.senderName = String(data.get('senderName')).trim();
    if (String(data.get('senderEmail') ?? '').trim()) body.senderEmail = String(data.get('senderEmail')).trim();
    const sent = await api.post(`/api/public/campaigns/${encodeURIComponent(slug)}/emails`, body);
    render(result, method === 'MAILTO'
      ? h('div', { class: 'card' }, message('ok', 'Open each message in your mail app and press send:'),
          h('ul', { class: 'list' }, sent.emails.map((e) => h('li', null,
            h('a', { class: 'mailto-link button', href: e.mailtoUrl }, `Email ${e.recipientEmail}`)))))
      : message('ok', `Thank you: your email to ${sent.emails.map((e) => e.recipientEmail).join(', ')} is on its way.`));
    result.scrollIntoView({ block: 'nearest' });
  });
  render(where, form, result);
}

const RESPONSE_TYPES = [['EMAIL', 'Email'], ['LETTER', 'Letter'], ['PHONE_CALL', 'Phone call'], ['MEETING', 'Meeting'], ['SOCIAL_MEDIA', 'Social media'], ['OTHER', 'Other']];
const LEVELS = [['FEDERAL', 'Federal'], ['PROVINCIAL', 'Provincial'], ['MUNICIPAL', 'Municipal'], ['SCHOOL_BOARD', 'School board']];
const select = (name, options) => h('select', { name, required: true }, options.map(([value, label]) => h('option', { value }, label)));

/** A supporter shares an answer they received; it shows on the wall once a moderator approves it. */
function responseForm() {
  const form = h('form', { id: 'response-form', class: 'card' },
    h('h3', null, 'Did they answer you? Share it'),
    field('Representative', h('input', { name: 'representativeName', required: true, maxlength: 200 })),
    field('Their title', h('input', { name: 'representativeTitle', maxlength: 200 })),
    field('Level', select('representativeLevel', LEVELS)),
    field('How they answered', select('responseType', RESPONSE_TYPES)),
    field('What they said', h('textarea', { name: 'responseText', required: true, rows: 4, maxlength: 10000 })),
    field('Your comment (optional)', h('textarea', { name: 'userComment', rows: 2, maxlength: 2000 })),
    field('Your name (optional)', h('input', { name: 'submittedByName', maxlength: 200 })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'isAnonymous' }), ' Do not show my name'),
    h('button', { type: 'submit', class: 'primary' }, 'Share the response'));
  onSubmit(form, async (data) => {
    const body = { campaignSlug: slug, isAnonymous: data.get('isAnonymous') === 'on' };
    for (const name of ['representativeName', 'representativeTitle', 'representativeLevel', 'responseType', 'responseText', 'userComment', 'submittedByName']) {
      const value = String(data.get(name) ?? '').trim();
      if (value) body[name] = value;
    }
    await api.post('/api/public/responses', body);
    render(form, message('ok', 'Thank you. It will show here once a moderator has approved it.'));
  });
  return form;
}

async function showWall(wall) {
  const list = h('ul', { class: 'list', id: 'responses' });
  render(wall, h('h3', null, 'What they answered'), list);
  wall.after(responseForm());
  const page = await api.get(`/api/public/responses/${encodeURIComponent(slug)}?sort=upvotes&pageSize=50`).catch((error) => {
    render(list, message('error', error.message));
    return null;
  });
  if (!page) return;
  if (page.items.length === 0) { render(list, h('li', { class: 'muted' }, 'No response has been published yet.')); return; }
  render(list, page.items.map((r) => {
    const count = h('span', { class: 'upvotes' }, String(r.upvoteCount ?? 0));
    const note = h('span', { class: 'muted' });
    const button = h('button', { type: 'button', class: 'upvote', onclick: async () => {
      button.disabled = true;
      try {
        const res = await api.post(`/api/public/responses/${r.id}/upvote`);
        count.textContent = String(res.upvoteCount);
        note.textContent = ' Thanks!';
      } catch (error) {
        note.textContent = error.reason === 'already_upvoted' ? ' You upvoted this already.' : ` ${error.message}`;
      }
    } }, '▲ ', count);
    return h('li', { class: 'response' },
      h('div', null, h('strong', null, r.representativeName), r.representativeTitle ? ` · ${r.representativeTitle}` : '',
        r.isVerified ? h('span', { class: 'badge badge-live' }, ' verified') : '',
        h('p', null, r.responseText), r.userComment ? h('p', { class: 'muted' }, r.userComment) : '',
        h('p', { class: 'muted' }, `${r.submittedByName ?? 'Anonymous'} · ${fmtDate(r.createdAt)}`)),
      h('div', null, button, note));
  }));
}
