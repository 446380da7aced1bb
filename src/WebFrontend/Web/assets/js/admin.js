// The admin console (/app): sign in, a dashboard, shifts with their counts kept live (shift:{id}), campaigns with
// theirs (campaign:{id}), and the canvass map following canvass:live. Screens are hash routes (#/shifts).
import { createApi } from './api.js';
import { h, render, message, onSubmit, field, start, fmtShift, fmtDate } from './ui.js';
import { connectLive } from './live.js';

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
};

function liveHub() {
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
    await SCREENS[hash][1]();
  } catch (error) {
    if (screen !== mine) return;
    if (error.status === 401) return loginView();
    render(mine, message('error', error.message));
  }
}

async function dashboard() {
  const root = screen;
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

async function shifts() {
  const root = screen;
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
    await route();
  });
  const state = h('span', { class: 'badge', id: 'live-state' }, 'connecting');
  render(root, h('section', { class: 'card' }, h('div', { class: 'row' }, h('h2', null, `Shifts (${page.total})`), state),
    page.items.length ? h('div', { class: 'table-wrap' }, table) : message('info', 'No shift yet.')), form);

  const hub = liveHub();
  cleanup.push(hub.on('shiftUpdated', (e) => {
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

async function campaigns() {
  const root = screen;
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
  cleanup.push(liveHub().on('campaignCounts', (e) => {
    const c = cells.get(e.campaignId);
    if (!c) return;
    if (e.emailCount != null) c.emails.textContent = String(e.emailCount);
    if (e.callCount != null) c.calls.textContent = String(e.callCount);
    if (e.responseCount != null) c.responses.textContent = String(e.responseCount);
  }));
  await Promise.all(page.items.slice(0, 100).map((c) => watch(`campaign:${c.id}`)));
}

async function canvass() {
  const root = screen;
  const { createMap } = await import('./mapview.js');
  if (!window.L) await new Promise((resolve, reject) => document.head.append(h('script', { src: '/web/lib/leaflet.js', onload: resolve, onerror: reject })));
  if (!document.querySelector('link[href="/web/lib/leaflet.css"]')) document.head.append(h('link', { rel: 'stylesheet', href: '/web/lib/leaflet.css' }));
  const mapEl = h('div', { class: 'map', id: 'canvass-map' });
  const feed = h('ul', { class: 'list', id: 'canvass-feed' });
  render(root, h('section', { class: 'card' }, h('h2', null, 'Canvassers now'), mapEl), h('section', { class: 'card' }, h('h3', null, 'Latest visits'), feed));
  // Canvas, not one SVG element per marker: the live map may follow thousands of canvassers.
  const view = await createMap(mapEl, { preferCanvas: true });
  const markers = new Map();
  // Moves are applied once per animation frame, the latest per canvasser: thousands of canvassers moving cost one
  // canvas redraw a frame, not one per event.
  const moves = new Map();
  let frame = 0;
  const draw = () => {
    frame = 0;
    for (const [sessionId, { lat, lng, label }] of moves) {
      let m = markers.get(sessionId);
      if (!m) { m = L.circleMarker([lat, lng], { radius: 7, color: '#b45309', fillOpacity: 0.8 }).addTo(view.map); markers.set(sessionId, m); }
      else m.setLatLng([lat, lng]);
      if (label) m.bindTooltip(label);
    }
    moves.clear();
  };
  const place = (sessionId, lat, lng, label) => {
    if (lat == null || lng == null) return;
    moves.set(sessionId, { lat, lng, label: label ?? moves.get(sessionId)?.label });
    frame ||= requestAnimationFrame(draw);
  };
  cleanup.push(() => { if (frame) cancelAnimationFrame(frame); });
  const cuts = await api.get('/api/map/cuts?pageSize=200').catch(() => ({ items: [] }));
  for (const cut of cuts.items.filter((c) => c.geojson)) view.cut(cut.geojson, { color: cut.color || '#2563eb', opacity: cut.opacity ?? 0.15 });
  const sessions = await api.get('/api/canvass/sessions?status=ACTIVE&pageSize=200');
  await Promise.all(sessions.items.slice(0, 50).map(async (s) => {
    const d = await api.get(`/api/canvass/sessions/${s.id}`).catch(() => null);
    if (d) place(s.id, d.lastLatitude ?? s.startLatitude, d.lastLongitude ?? s.startLongitude, `${d.totalVisits} visits`);
  }));
  view.fit();
  const hub = liveHub();
  // Moves arrive at most once per interval per canvasser; a marker is moved, never redrawn.
  cleanup.push(hub.on('canvasserMoved', (e) => place(e.sessionId, e.latitude, e.longitude)));
  cleanup.push(hub.on('visitRecorded', (e) => {
    place(e.sessionId, e.latitude, e.longitude);
    feed.prepend(h('li', { class: 'visit', dataset: { sessionId: e.sessionId } }, h('span', null, e.outcome), h('small', { class: 'muted' }, fmtDate(e.visitedAt))));
    while (feed.children.length > 30) feed.lastChild.remove();
  }));
  cleanup.push(hub.on('sessionChanged', (e) => {
    if (e.status === 'ACTIVE') return;
    moves.delete(e.sessionId);
    markers.get(e.sessionId)?.remove();
    markers.delete(e.sessionId);
  }));
  const state = h('span', { class: 'badge', id: 'live-state' }, 'connecting');
  root.querySelector('h2').append(' ', state);
  await watch('canvass:live');
  state.textContent = 'live';
  state.className = 'badge badge-live';
}

/** Spreadsheet imports of doors (POST /api/map/imports/csv), their progress followed live on job:{id}. */
async function imports() {
  const root = screen;
  const progress = h('div', { id: 'import-progress' });
  const form = h('form', { id: 'import-form', class: 'card' }, h('h2', null, 'Import doors from a spreadsheet'),
    h('p', { class: 'muted' }, 'A CSV file whose header names at least address, latitude and longitude; one row per unit.'),
    field('CSV file', h('input', { type: 'file', name: 'file', id: 'import-file', accept: '.csv,text/csv', required: true })),
    h('button', { type: 'submit', class: 'primary' }, 'Import'));
  onSubmit(form, async (data) => {
    const upload = new FormData();
    upload.append('file', data.get('file'));
    const { jobId } = await api.upload('/api/map/imports/csv', upload);
    await followJob(jobId, progress);
  });
  render(root, form, progress);
}

const FINISHED = ['completed', 'failed', 'cancelled'];

async function followJob(jobId, where) {
  const bar = h('progress', { max: 100, value: 0, id: 'import-bar' });
  const state = h('p', { id: 'import-state' }, 'queued');
  const details = h('div', { id: 'import-details' });
  render(where, h('section', { class: 'card' }, h('h3', null, 'Import'), bar, state, details));
  let done = false;
  const show = (job) => {
    bar.value = job.total ? Math.round((100 * job.processed) / job.total) : job.status === 'completed' ? 100 : 0;
    state.textContent = `${job.status}: ${job.processed}${job.total != null ? ` of ${job.total}` : ''} rows`;
    state.dataset.status = job.status;
  };
  const finish = async () => {
    if (done) return;
    done = true;
    const job = await api.get(`/api/map/jobs/${jobId}`);
    show(job);
    const result = job.result ? Object.entries(job.result).map(([k, v]) => `${k}: ${v}`).join(' · ') : '';
    render(details, result ? h('p', { id: 'import-result' }, result) : '', job.error ? message('error', job.error) : '',
      job.errors?.length ? h('ul', { class: 'list' }, job.errors.slice(0, 50).map((e) => h('li', null, `line ${e.line}: ${e.message}`))) : '');
  };
  cleanup.push(liveHub().on('jobProgress', (e) => {
    if (e.jobId !== jobId) return;
    show(e);
    if (FINISHED.includes(String(e.status).toLowerCase())) finish();
  }));
  await watch(`job:${jobId}`);
  // The job may have finished before the subscription: read it once after subscribing.
  const now = await api.get(`/api/map/jobs/${jobId}`);
  show(now);
  if (FINISHED.includes(String(now.status).toLowerCase())) await finish();
}

window.addEventListener('hashchange', route);
start(main, route);
