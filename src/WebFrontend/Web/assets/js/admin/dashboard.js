// Dashboard: who is signed in, the next shifts and the campaigns.
import { h, render, message, fmtShift } from '../ui.js';

export default async function dashboard({ api, root }) {
  const me = await api.get('/api/auth/me');
  const shiftsBox = h('section', { class: 'card' }, h('h2', null, 'Next shifts'), h('p', { class: 'muted' }, 'Loading…'));
  const campaignsBox = h('section', { class: 'card' }, h('h2', null, 'Campaigns'), h('p', { class: 'muted' }, 'Loading…'));
  render(root, h('section', { class: 'card' }, h('h2', null, `Welcome, ${me.name || me.email}`), h('p', { class: 'muted' }, `Role: ${me.role}`)),
    h('div', { class: 'grid' }, shiftsBox, campaignsBox));
  api.get('/api/shifts?pageSize=5').then((page) => render(shiftsBox, h('h2', null, 'Next shifts'),
    page.items.length ? h('ul', { class: 'list' }, page.items.map((s) => h('li', null, h('span', null, s.title, h('br'), h('small', { class: 'muted' }, fmtShift(s))),
      h('span', { class: 'badge' }, `${s.currentVolunteers}/${s.maxVolunteers}`)))) : message('info', 'No upcoming shift.'),
    h('a', { href: '#/shifts' }, 'All shifts')))
    .catch((error) => render(shiftsBox, h('h2', null, 'Next shifts'), message('error', error.message)));
  api.get('/api/campaigns?pageSize=5').then((page) => render(campaignsBox, h('h2', null, 'Campaigns'),
    page.items.length ? h('ul', { class: 'list' }, page.items.map((c) => h('li', null, h('span', null, c.title), h('span', { class: 'badge' }, c.status)))) : message('info', 'No campaign yet.'),
    h('a', { href: '#/campaigns' }, 'All campaigns')))
    .catch((error) => render(campaignsBox, h('h2', null, 'Campaigns'), message('error', error.message)));
}
