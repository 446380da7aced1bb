// A public shift and its signup form; the count of volunteers follows the shift's live topic.
import { createApi, applyPublicSettings } from './api.js';
import { h, render, message, onSubmit, field, start, fmtShift } from './ui.js';
import { connectLive } from './live.js';

const api = createApi('public');
const main = document.getElementById('app');
// The organisation's name and colours from the site settings.
applyPublicSettings();
const id = location.pathname.split('/').filter(Boolean)[1];

/** The public list is the only public read of shifts: look for this one in its pages. */
async function findShift() {
  for (let page = 1; page <= 20; page++) {
    const list = await api.get(`/api/public/shifts?page=${page}&pageSize=500`);
    const shift = list.items.find((s) => s.id === id);
    if (shift || page * list.pageSize >= list.total) return shift ?? null;
  }
  return null;
}

start(main, async () => {
  const shift = await findShift();
  if (!shift) { render(main, message('error', 'This shift is not open for public signup (it may be full, past or private).'), h('a', { href: '/' }, 'All shifts')); return; }
  const count = h('span', { id: 'shift-count', class: 'counts' }, `${shift.currentVolunteers} / ${shift.maxVolunteers}`);
  const showCount = (c, max) => { count.textContent = `${c} / ${max}`; };
  const form = h('form', { id: 'signup-form', class: 'card' },
    h('h3', null, 'Sign up'),
    field('Your name', h('input', { name: 'name', required: true, maxlength: 80, autocomplete: 'name' })),
    field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email' })),
    field('Phone (optional)', h('input', { name: 'phone', type: 'tel', autocomplete: 'tel' })),
    h('button', { type: 'submit', class: 'primary' }, 'Sign me up'));
  onSubmit(form, async (data) => {
    const body = { name: String(data.get('name')).trim(), email: String(data.get('email')).trim() };
    if (String(data.get('phone') ?? '').trim()) body.phone = String(data.get('phone')).trim();
    const signup = await api.post(`/api/public/shifts/${id}/signups`, body);
    render(form, message('ok', `You are signed up for ${signup.shiftTitle} on ${signup.date} at ${signup.startTime}. A confirmation is on its way to ${signup.email}.`));
  });
  render(main,
    h('section', { class: 'card' }, h('h2', null, shift.title), h('p', null, fmtShift(shift), shift.location ? ` · ${shift.location}` : ''),
      shift.description ? h('p', { class: 'muted' }, shift.description) : '',
      h('p', null, 'Volunteers: ', count, ' ', h('span', { class: 'badge badge-live', id: 'live-state' }, 'live'))),
    form);

  const live = connectLive({ onState: (s) => { main.querySelector('#live-state').textContent = s === 'connected' || s === 'reconnected' ? 'live' : s; } });
  live.on('shiftUpdated', (e) => { if (e.shiftId === id) showCount(e.currentVolunteers, e.maxVolunteers); });
  await live.subscribe(`shift:${id}`).catch((error) => main.querySelector('#live-state').textContent = `not live: ${error.message}`);
});
