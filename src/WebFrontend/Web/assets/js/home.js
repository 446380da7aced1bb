// The public home page: active campaigns and upcoming public shifts; the published landing pages and the video
// gallery while their modules are on.
import { createApi, applyPublicSettings } from './api.js';
import { h, render, message, start, fmtShift } from './ui.js';
import { videoCard } from './content.js';

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

  // A module switched off in the site settings is not linked (its routes answer 404 anyway).
  api.get('/api/public/settings').then(async (settings) => {
    if (settings?.features?.enableLandingPages) landingPages();
    if (!settings?.features?.enableMedia) return;
    document.querySelector('.topbar nav')?.prepend(h('a', { href: '/media', id: 'nav-media' }, 'Videos'), ' ');
    const videos = h('section', { class: 'card', id: 'videos' }, h('h2', null, 'Videos'));
    main.append(videos);
    const page = await api.get('/api/public/media?pageSize=3').catch((error) => { render(videos, h('h2', null, 'Videos'), message('error', error.message)); throw error; });
    render(videos, h('h2', null, 'Videos'), page.items.length ? h('ul', { class: 'video-grid' }, page.items.map(videoCard)) : message('info', 'No video yet.'),
      h('a', { href: '/media', id: 'all-videos' }, 'All videos'));
  }).catch((error) => console.warn('the videos of the home page:', error));
});

/** The published landing pages, each a link to its own sandboxed address (never its HTML in this page). */
async function landingPages() {
  const box = h('section', { class: 'card', id: 'landing-pages' }, h('h2', null, 'Pages'));
  main.append(box);
  try {
    const page = await api.get('/api/public/pages?pageSize=20');
    if (page.items.length === 0) { box.remove(); return; }
    render(box, h('h2', null, 'Pages'), h('ul', { class: 'list' }, page.items.map((p) => h('li', null,
      h('div', null, h('a', { href: `/p/${encodeURIComponent(p.slug)}` }, h('strong', null, p.title)), p.description ? h('p', { class: 'muted' }, p.description) : '')))));
  } catch (error) {
    render(box, h('h2', null, 'Pages'), message('error', error.message));
  }
}

