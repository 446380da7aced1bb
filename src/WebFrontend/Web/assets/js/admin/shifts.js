// Shifts with their volunteer counts kept live (shift:{id}), and a form for a new shift.
import { h, render, message, onSubmit, field, fmtShift } from '../ui.js';

export default async function shifts({ api, root, watch, hub, onLeave, reload }) {
  const page = await api.get('/api/shifts?pageSize=100');
  const rows = new Map();
  const table = h('table', { id: 'shifts-table' },
    h('thead', null, h('tr', null, h('th', null, 'Shift'), h('th', null, 'When'), h('th', null, 'Where'), h('th', null, 'Volunteers'), h('th', null, 'Status'))),
    h('tbody', null, page.items.map((s) => {
      const count = h('td', { class: 'count', dataset: { shiftId: s.id } }, `${s.currentVolunteers} / ${s.maxVolunteers}`);
      const status = h('td', null, h('span', { class: 'badge' }, s.status));
      rows.set(s.id, { count, status });
      return h('tr', null, h('td', null, s.title, s.isPublic ? '' : h('small', { class: 'muted' }, ' (private)')), h('td', null, fmtShift(s)),
        h('td', null, s.location ?? ''), count, status);
    })));
  const form = h('form', { id: 'new-shift', class: 'card' }, h('h3', null, 'New shift'),
    field('Title', h('input', { name: 'title', required: true, maxlength: 200 })),
    h('div', { class: 'row' },
      field('Date', h('input', { name: 'date', type: 'date', required: true })),
      field('Starts', h('input', { name: 'startTime', type: 'time', required: true })),
      field('Ends', h('input', { name: 'endTime', type: 'time', required: true })),
      field('Places', h('input', { name: 'maxVolunteers', type: 'number', min: 1, required: true }))),
    field('Location', h('input', { name: 'location', maxlength: 500 })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'isPublic', checked: true }), ' Public (anyone may sign up)'),
    h('button', { type: 'submit', class: 'primary' }, 'Create shift'));
  onSubmit(form, async (data) => {
    await api.post('/api/shifts', {
      title: data.get('title'), date: data.get('date'), startTime: data.get('startTime'), endTime: data.get('endTime'),
      maxVolunteers: Number(data.get('maxVolunteers')), location: data.get('location') || undefined, isPublic: data.get('isPublic') === 'on',
    });
    await reload();
  });
  const state = h('span', { class: 'badge', id: 'live-state' }, 'connecting');
  render(root, h('section', { class: 'card' }, h('div', { class: 'row' }, h('h2', null, `Shifts (${page.total})`), state),
    page.items.length ? h('div', { class: 'table-wrap' }, table) : message('info', 'No shift yet.')), form);

  const live = hub();
  onLeave(live.on('shiftUpdated', (e) => {
    const row = rows.get(e.shiftId);
    if (!row) return;
    row.count.textContent = `${e.currentVolunteers} / ${e.maxVolunteers}`;
    row.status.firstChild.textContent = e.status;
  }));
  // A connection may watch at most LIVE_MAX_TOPICS_PER_CONNECTION topics (100): the first page's shifts.
  await Promise.all(page.items.slice(0, 100).map((s) => watch(`shift:${s.id}`)));
  state.textContent = 'live';
  state.className = 'badge badge-live';
}
