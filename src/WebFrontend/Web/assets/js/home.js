// The public home page: active campaigns and upcoming public shifts.
import { createApi, applyPublicSettings } from './api.js';
import { h, render, message, start, fmtShift } from './ui.js';

const api = createApi('public');
const main = document.getElementById('app');
// The organisation's name and colours from the site settings.
applyPublicSettings();

start(main, async () => {
  const campaigns = h('section', { class: 'card', id: 'campaigns' }, h('h2', null, 'Campaigns'), h('p', { class: 'muted' }, 'Loading…'));
  const shifts = h('section', { class: 'card', id: 'shifts' }, h('h2', null, 'Volunteer shifts'), h('p', { class: 'muted' }, 'Loading…'));
  render(main, h('div', { class: 'hero' }, h('h2', null, 'Take action'), h('p', null, 'Write to your representatives, or join a shift.')), campaigns, shifts);

  api.get('/api/public/campaigns?pageSize=50').then((page) => {
    render(campaigns, h('h2', null, 'Campaigns'), page.items.length === 0 ? message('info', 'No active campaign right now.')
      : h('ul', { class: 'list' }, page.items.map((c) => h('li', { class: 'campaign-item' },
        h('div', null, h('a', { href: `/campaigns/${encodeURIComponent(c.slug)}` }, h('strong', null, c.title)),
          c.description ? h('p', { class: 'muted' }, c.description) : ''),
        c.emailCount != null ? h('span', { class: 'badge' }, `${c.emailCount} emails`) : ''))));
  }).catch((error) => render(campaigns, h('h2', null, 'Campaigns'), message('error', error.message)));

  api.get('/api/public/shifts?pageSize=50').then((page) => {
    render(shifts, h('h2', null, 'Volunteer shifts'), page.items.length === 0 ? message('info', 'No upcoming shift right now.')
      : h('ul', { class: 'list' }, page.items.map((s) => h('li', { class: 'shift-item' },
        h('div', null, h('strong', null, s.title), h('p', { class: 'muted' }, fmtShift(s), s.location ? ` · ${s.location}` : '')),
        h('a', { class: 'button primary', href: `/shifts/${s.id}` }, `${s.currentVolunteers}/${s.maxVolunteers} · Sign up`)))));
  }).catch((error) => render(shifts, h('h2', null, 'Volunteer shifts'), message('error', error.message)));
});
