// Response moderation: the responses of the wall per campaign and status (pending first), approved, rejected or
// marked verified (POST /api/responses/{id}/approve|reject|verify, docs/api/influence.md). Moderation publishes no
// event, so the list is read again after each action; a response submitted meanwhile raises the campaign's
// responseCount on campaign:{id}, which reads the list again too.
import { h, render, message, onSubmit, field, fmtDate, showError } from '../ui.js';

const STATUSES = ['PENDING', 'APPROVED', 'REJECTED'];

export default async function responses({ api, root, watch, hub, onLeave }) {
  const campaigns = await api.get('/api/campaigns?pageSize=500');
  const list = h('div', { id: 'responses-list' });
  const state = h('span', { class: 'badge', id: 'live-state' }, 'connecting');
  const filters = h('form', { id: 'responses-filter', class: 'card' },
    h('div', { class: 'row' }, h('h2', null, 'Responses'), state),
    h('div', { class: 'row' },
      field('Campaign', h('select', { name: 'campaignId', id: 'responses-campaign' }, h('option', { value: '' }, 'every campaign'),
        campaigns.items.map((c) => h('option', { value: c.id }, `${c.title} (${c.status})`)))),
      field('Status', h('select', { name: 'status', id: 'responses-status' }, h('option', { value: '' }, 'any status'),
        STATUSES.map((s) => h('option', { value: s, selected: s === 'PENDING' }, s))))),
    h('button', { type: 'submit', class: 'primary' }, 'Show'));
  const titles = new Map(campaigns.items.map((c) => [c.id, c.title]));
  let query = new URLSearchParams({ status: 'PENDING', pageSize: '100' });

  const load = async () => {
    const page = await api.get(`/api/responses?${query}`);
    render(list, h('section', { class: 'card' }, h('h3', null, `${page.total} response${page.total === 1 ? '' : 's'}`),
      page.items.length ? h('ul', { class: 'list responses' }, page.items.map(item)) : message('info', 'No response matches.')));
  };

  /** One response with its moderation buttons; an action's failure is written on the response itself. */
  const item = (r) => {
    const act = (action) => async (event) => {
      const li = event.target.closest('li');
      li.querySelectorAll('button').forEach((b) => { b.disabled = true; });
      try {
        await api.post(`/api/responses/${r.id}/${action}`);
        await load();
      } catch (error) {
        showError(li, error);
        li.querySelectorAll('button').forEach((b) => { b.disabled = false; });
      }
    };
    return h('li', { class: 'moderation', dataset: { responseId: r.id, status: r.status } },
      h('div', null,
        h('p', null, h('strong', null, r.representativeName), r.representativeTitle ? `, ${r.representativeTitle}` : '', ` · ${r.representativeLevel} · ${r.responseType}`),
        h('p', { class: 'response-text' }, r.responseText),
        r.userComment ? h('p', { class: 'muted' }, `Comment: ${r.userComment}`) : '',
        h('p', { class: 'muted' }, `${titles.get(r.campaignId) ?? r.campaignSlug} · ${fmtDate(r.createdAt)} · by `,
          r.isAnonymous ? 'anonymous' : (r.submittedByName ?? 'unnamed'), r.submittedByEmail ? ` <${r.submittedByEmail}>` : '',
          ` · ${r.upvoteCount} upvotes`),
        h('p', null, h('span', { class: 'badge' }, r.status), ' ', r.isVerified ? h('span', { class: 'badge badge-live' }, `verified${r.verifiedBy ? ` by ${r.verifiedBy}` : ''}`) : '',
          r.reportedAt ? h('span', { class: 'badge' }, 'reported') : '')),
      h('div', { class: 'actions' },
        r.status !== 'APPROVED' ? h('button', { type: 'button', class: 'primary approve', onclick: act('approve') }, 'Approve') : '',
        r.status !== 'REJECTED' ? h('button', { type: 'button', class: 'danger reject', onclick: act('reject') }, 'Reject') : '',
        r.isVerified ? '' : h('button', { type: 'button', class: 'verify', onclick: act('verify') }, 'Mark verified')));
  };

  onSubmit(filters, async (data) => {
    query = new URLSearchParams({ pageSize: '100' });
    for (const key of ['campaignId', 'status']) { const v = String(data.get(key) ?? ''); if (v) query.set(key, v); }
    await load();
  });
  await load();
  render(root, filters, list);

  // Another screen (or a sign-out) took the console while this one loaded: watch nothing for it.
  if (!root.isConnected) return;
  // New submissions raise a campaign's response count (campaign:{id}; shown when the campaign has a wall).
  const counts = new Map(campaigns.items.map((c) => [c.id, c.responseCount ?? 0]));
  onLeave(hub().on('campaignCounts', (e) => {
    if (e.responseCount == null || e.responseCount === counts.get(e.campaignId)) return;
    counts.set(e.campaignId, e.responseCount);
    load().catch((error) => showError(list, error));
  }));
  try {
    await Promise.all(campaigns.items.slice(0, 100).map((c) => watch(`campaign:${c.id}`)));
    state.textContent = 'live';
    state.className = 'badge badge-live';
  } catch (error) {
    state.textContent = `not live: ${error.message}`;
  }
}
