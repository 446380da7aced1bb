// Campaigns with their email, call and response counts kept live (campaign:{id}).
import { h, render, message } from '../ui.js';

export default async function campaigns({ api, root, watch, hub, onLeave }) {
  const page = await api.get('/api/campaigns?pageSize=100');
  const cells = new Map();
  render(root, h('section', { class: 'card' }, h('h2', null, `Campaigns (${page.total})`),
    page.items.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'campaigns-table' },
      h('thead', null, h('tr', null, h('th', null, 'Campaign'), h('th', null, 'Status'), h('th', null, 'Emails'), h('th', null, 'Calls'), h('th', null, 'Responses'))),
      h('tbody', null, page.items.map((c) => {
        const emails = h('td', null, String(c.emailCount ?? 0));
        const calls = h('td', null, String(c.callCount ?? 0));
        const responses = h('td', null, String(c.responseCount ?? 0));
        cells.set(c.id, { emails, calls, responses });
        return h('tr', null, h('td', null, c.status === 'ACTIVE' ? h('a', { href: `/campaigns/${encodeURIComponent(c.slug)}` }, c.title) : c.title),
          h('td', null, h('span', { class: 'badge' }, c.status)), emails, calls, responses);
      })))) : message('info', 'No campaign yet.')));
  onLeave(hub().on('campaignCounts', (e) => {
    const c = cells.get(e.campaignId);
    if (!c) return;
    if (e.emailCount != null) c.emails.textContent = String(e.emailCount);
    if (e.callCount != null) c.calls.textContent = String(e.callCount);
    if (e.responseCount != null) c.responses.textContent = String(e.responseCount);
  }));
  await Promise.all(page.items.slice(0, 100).map((c) => watch(`campaign:${c.id}`)));
}
