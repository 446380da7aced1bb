// The admin console (/app): sign-in, then one screen per hash route (#/shifts). Each screen is a module under
// admin/ whose default export draws into the element it is given; what it watches live is released when another
// screen opens.
import { createApi } from './api.js';
import { h, render, message, onSubmit, field, start } from './ui.js';
import { connectLive } from './live.js';
import dashboard from './admin/dashboard.js';
import shifts from './admin/shifts.js';
import campaigns from './admin/campaigns.js';
import canvass from './admin/canvass.js';
import imports from './admin/imports.js';
import pages from './admin/pages.js';
import media from './admin/media.js';
import locations from './admin/locations.js';
import cuts from './admin/cuts.js';
import nar from './admin/nar.js';
import users from './admin/users.js';
import responses from './admin/responses.js';
import templates from './admin/templates.js';
import settings from './admin/settings.js';

const api = createApi('admin');
const main = document.getElementById('app');
const nav = document.getElementById('admin-nav');
const userLine = document.getElementById('user-line');
let live = null;
let cleanup = [];
/** The element the current screen draws into; a screen still loading when another opens draws into a detached one. */
let screen = main;

const SCREENS = {
  '#/': ['Dashboard', dashboard],
  '#/shifts': ['Shifts', shifts],
  '#/campaigns': ['Campaigns', campaigns],
  '#/canvass': ['Canvass map', canvass],
  '#/imports': ['Imports', imports],
  '#/pages': ['Pages', pages],
  '#/media': ['Media', media],
  '#/locations': ['Locations', locations],
  '#/cuts': ['Cuts', cuts],
  '#/nar': ['NAR import', nar],
  '#/users': ['Users', users],
  '#/responses': ['Responses', responses],
  '#/templates': ['Templates', templates],
  '#/settings': ['Settings', settings],
};

function liveHub() {
  // A screen still loading when its user signed out must not open an anonymous connection the next user would inherit.
  if (!api.signedIn) throw new Error('Signed out.');
  live ??= connectLive({ token: () => api.token() });
  return live;
}

/** Topics a screen watches are released when another screen opens. */
async function watch(topic) {
  const hub = liveHub();
  await hub.subscribe(topic);
  cleanup.push(() => hub.unsubscribe(topic));
}

function loginView() {
  screen = main;
  render(nav);
  render(userLine);
  const form = h('form', { id: 'login-form', class: 'card' },
    h('h2', null, 'Sign in'),
    field('Email', h('input', { name: 'email', id: 'login-email', type: 'email', autocomplete: 'username', required: true })),
    field('Password', h('input', { name: 'password', id: 'login-password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  onSubmit(form, async (data) => {
    await api.login(String(data.get('email')), String(data.get('password')));
    if (location.hash === '' || location.hash === '#') location.hash = '#/';
    await route();
  });
  render(main, form);
}

async function route() {
  for (const release of cleanup.splice(0)) {
    try { release(); } catch (error) { console.warn('releasing a screen:', error); }
  }
  if (!api.signedIn) return loginView();
  const hash = SCREENS[location.hash] ? location.hash : '#/';
  render(nav, Object.entries(SCREENS).map(([href, [label]]) => h('a', { href, 'aria-current': href === hash ? 'page' : false }, label)));
  const user = api.user;
  render(userLine, user?.email ?? '', ' · ', h('button', { type: 'button', class: 'link', id: 'sign-out', onclick: async () => {
    const hub = live;
    live = null;
    await api.logout();
    await route();
    hub?.stop().catch(() => {});
  } }, 'Sign out'));
  const mine = h('div', { class: 'screen' }, h('p', { class: 'muted' }, 'Loading…'));
  screen = mine;
  render(main, mine);
  try {
    await SCREENS[hash][1]({
      api,
      root: mine,
      watch,
      hub: liveHub,
      onLeave: (release) => cleanup.push(release),
      reload: route,
    });
  } catch (error) {
    if (screen !== mine) return;
    if (error.status === 401) return loginView();
    render(mine, message('error', error.message));
  }
}

window.addEventListener('hashchange', route);
start(main, route);
