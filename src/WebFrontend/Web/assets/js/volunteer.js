// The canvasser app (/volunteer): sign in, start a session on a cut, walk the list in walking order, record visits,
// end the session. Mobile first. Everything recorded goes through the outbox (outbox.js), so the app works the
// same with or without a network, and the header always says how much is not yet sent.
import { createApi } from './api.js';
import { h, render, message, onSubmit, field, start, uuid, showError } from './ui.js';
import { createOutbox, kv } from './outbox.js';
import { createMap } from './mapview.js';
import { connectLive } from './live.js';

const api = createApi('volunteer');
const main = document.getElementById('app');
const statusLine = document.getElementById('outbox-status');
const userLine = document.getElementById('user-line');

const OUTCOMES = [
  ['SPOKE_WITH', 'Spoke with'], ['NOT_HOME', 'Not home'], ['LEFT_LITERATURE', 'Left literature'],
  ['COME_BACK_LATER', 'Come back later'], ['REFUSED', 'Refused'], ['MOVED', 'Moved'], ['ALREADY_VOTED', 'Already voted'],
];
const OUTCOME_NAMES = Object.fromEntries(OUTCOMES);
const SUPPORT = [['LEVEL_1', '1 Strong yes'], ['LEVEL_2', '2 Leaning yes'], ['LEVEL_3', '3 Leaning no'], ['LEVEL_4', '4 Strong no']];

const outbox = createOutbox(api, { onChange: showOutbox, live: () => live });

// The live connection a session's visits travel on (outbox.js); while it is down they go as requests. Its state is on
// the page (data-live) for whoever needs to know, tests included.
let live = null;
function openLive() {
  if (live || !api.signedIn || typeof signalR === 'undefined') return;
  live = connectLive({ token: () => api.token(), onState: (state) => { document.body.dataset.live = state; } });
  live.connect().catch(() => {});
}
function closeLive() {
  live?.stop().catch(() => {});
  live = null;
  delete document.body.dataset.live;
}

function showOutbox(s) {
  const offline = navigator.onLine === false;
  statusLine.dataset.pending = String(s.pending);
  statusLine.className = `outbox ${s.pending ? 'outbox-pending' : 'outbox-clear'}`;
  render(statusLine,
    h('strong', { id: 'pending-count' }, `${s.pending} not yet sent`),
    offline ? ' · offline' : s.sending ? ' · sending…' : s.lastError && s.pending ? ` · ${s.lastError}` : '',
    s.rejected.length ? h('span', { class: 'rejected' }, ` · ${s.rejected.length} refused: ${s.rejected[0].rejected.message} `,
      h('button', { type: 'button', class: 'link', onclick: () => outbox.dismissRejected() }, 'Dismiss')) : '');
}

// ---- sign-in -------------------------------------------------------------------------------------------------

function loginView() {
  const form = h('form', { id: 'login-form', class: 'card' },
    h('h2', null, 'Sign in to canvass'),
    field('Email', h('input', { name: 'email', id: 'login-email', type: 'email', autocomplete: 'username', required: true })),
    field('Password', h('input', { name: 'password', id: 'login-password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  onSubmit(form, async (data) => {
    await api.login(String(data.get('email')), String(data.get('password')));
    await home();
  });
  render(main, form);
}

// ---- choosing a cut ------------------------------------------------------------------------------------------

async function cutsView() {
  let cuts;
  try {
    cuts = (await api.get('/api/map/cuts?pageSize=200')).items;
    await kv.set('cuts', cuts);
  } catch (error) {
    if (error.status === 401) return loginView();
    cuts = await kv.get('cuts');
    if (!cuts) throw error;
  }
  const list = h('ul', { class: 'list', id: 'cut-list' });
  for (const cut of cuts) {
    list.append(h('li', { class: 'cut-item' },
      h('div', null, h('strong', null, cut.name), cut.description ? h('p', { class: 'muted' }, cut.description) : ''),
      h('button', { type: 'button', class: 'primary', dataset: { cutId: cut.id }, onclick: (e) => startSession(cut, e.currentTarget) }, 'Start')));
  }
  render(main, h('section', { class: 'card' }, h('h2', null, 'Choose your turf'),
    cuts.length ? list : message('info', 'No turf is open to you yet. Ask your organiser to assign one.')));
}

/** The phone's position if it comes quickly; a session starts without one rather than wait. */
const position = (timeout = 4000) => new Promise((resolve) => {
  if (!navigator.geolocation) return resolve(null);
  navigator.geolocation.getCurrentPosition((p) => resolve(p.coords), () => resolve(null), { enableHighAccuracy: true, timeout, maximumAge: 60_000 });
});

async function startSession(cut, button) {
  button.disabled = true;
  try {
    const coords = await position();
    const body = { cutId: cut.id };
    if (coords) { body.startLatitude = coords.latitude; body.startLongitude = coords.longitude; }
    let session;
    try {
      session = await api.post('/api/canvass/sessions', body);
    } catch (error) {
      // Already canvassing (another tab, a lost answer): carry on with that session.
      if (error.status === 409 && error.body?.activeSessionId) session = (await api.get('/api/canvass/sessions/active')).session;
      else throw error;
    }
    await kv.set('session', { session, cut });
    await sessionView({ session, cut }, true);
  } catch (error) {
    showError(main, error);
  } finally {
    button.disabled = false;
  }
}

// ---- the session: walk list, visits, GPS ---------------------------------------------------------------------

let tracking = null;

function startTracking(sessionId) {
  if (tracking || !navigator.geolocation) return;
  const seqKey = `cml.seq.${sessionId}`;
  let last = null;
  const id = navigator.geolocation.watchPosition((p) => {
    const now = Date.now();
    const { latitude, longitude, accuracy } = p.coords;
    // A fix every 10 s at most, or sooner after 15 m of walking: enough for the trail, little for the battery.
    if (last && now - last.t < 10_000 && distanceM(last, { latitude, longitude }) < 15) return;
    last = { t: now, latitude, longitude };
    const seq = Number(localStorage.getItem(seqKey) ?? '0') + 1;
    localStorage.setItem(seqKey, String(seq));
    outbox.addPoints(sessionId, [{ seq, latitude, longitude, accuracy, recordedAt: new Date(p.timestamp || now).toISOString() }]);
  }, () => {}, { enableHighAccuracy: true, maximumAge: 5000 });
  tracking = () => navigator.geolocation.clearWatch(id);
}

function stopTracking() { tracking?.(); tracking = null; }

function distanceM(a, b) {
  const r = 6371000, rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad, dLng = (b.longitude - a.longitude) * rad;
  const x = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(x));
}

/** Every page of the walk list (500 doors a page), in walking order; the last copy when offline. */
async function walkList(cutId, from) {
  const key = `walk:${cutId}`;
  try {
    const items = [];
    for (let page = 1; ; page++) {
      const q = new URLSearchParams({ page: String(page), pageSize: '500' });
      if (from) { q.set('fromLat', String(from.latitude)); q.set('fromLng', String(from.longitude)); }
      const list = await api.get(`/api/canvass/cuts/${cutId}/walk-list?${q}`);
      items.push(...list.items);
      if (list.items.length === 0 || items.length >= list.doors) break;
    }
    await kv.set(key, items);
    return { items, cached: false };
  } catch (error) {
    const items = await kv.get(key);
    if (!items || !error.retryable) throw error;
    return { items, cached: true };
  }
}

async function sessionView({ session, cut }, fresh = false) {
  const recordedKey = `recorded:${session.id}`;
  const recorded = (await kv.get(recordedKey)) ?? {};
  startTracking(session.id);
  openLive();

  const listEl = h('ol', { id: 'walk-list', class: 'walk-list' });
  const mapEl = h('div', { class: 'map', id: 'session-map', 'aria-label': 'Map of the turf' });
  const info = h('p', { class: 'muted', id: 'walk-info' }, 'Loading the walk list…');
  const endButton = h('button', { type: 'button', class: 'danger', id: 'end-session' }, 'End session');
  const root = h('section', null,
    h('div', { class: 'card session-head' },
      h('div', null, h('h2', null, cut?.name ?? 'Canvassing'), info),
      endButton),
    mapEl, listEl);
  render(main, root);

  const { items, cached } = await walkList(session.cutId, fresh ? await position(1500) : null);
  info.textContent = `${items.length} doors in walking order${cached ? ' (saved copy: offline)' : ''}`;

  let mapView = null;
  createMap(mapEl).then((m) => {
    mapView = m;
    if (cut?.geojson) m.cut(cut.geojson, { color: cut.color || '#2563eb' });
    drawDoors();
  }).catch((error) => render(mapEl, message('error', `The map could not be shown: ${error.message}`)));

  function drawDoors() {
    if (!mapView) return;
    mapView.clear();
    if (cut?.geojson) mapView.cut(cut.geojson, { color: cut.color || '#2563eb' });
    mapView.doors(items.map((i) => ({ ...i, visited: !!recorded[i.addressId] })), (item) => openVisit(item));
    mapView.fit();
  }

  function drawList() {
    render(listEl, items.map((item) => {
      const mine = recorded[item.addressId];
      const last = mine ? `${OUTCOME_NAMES[mine] ?? mine} (you)` : item.lastVisit ? `${OUTCOME_NAMES[item.lastVisit.outcome] ?? 'visited'} ${new Date(item.lastVisit.visitedAt).toLocaleDateString()}` : '';
      return h('li', { class: `door${mine ? ' done' : ''}`, dataset: { addressId: item.addressId } },
        h('button', { type: 'button', class: 'door-button', onclick: () => openVisit(item) },
          h('span', { class: 'order' }, String(item.order)),
          h('span', { class: 'addr' }, item.address ?? '(no address)', item.unitNumber ? ` #${item.unitNumber}` : ''),
          last ? h('span', { class: 'last' }, last) : ''));
    }));
  }
  drawList();

  function openVisit(item) {
    const radios = (name, options, required) => h('fieldset', { class: 'choices' },
      h('legend', null, name === 'outcome' ? 'Outcome' : 'Support level'),
      options.map(([value, label]) => h('label', { class: 'choice' },
        h('input', { type: 'radio', name, value, required }), h('span', null, label))));
    const form = h('form', { id: 'visit-form', class: 'card sheet' },
      h('h3', null, `${item.order}. ${item.address ?? ''}${item.unitNumber ? ` #${item.unitNumber}` : ''}`),
      radios('outcome', OUTCOMES, true),
      radios('supportLevel', SUPPORT, false),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'signRequested' }), ' Wants a sign'),
      field('Sign size', h('input', { name: 'signSize', maxlength: 50 })),
      field('Notes', h('textarea', { name: 'notes', rows: 3, maxlength: 4000 })),
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'primary', id: 'save-visit' }, 'Save visit'),
        h('button', { type: 'button', onclick: () => form.remove() }, 'Cancel')));
    const opened = Date.now();
    onSubmit(form, async (data) => {
      const body = {
        clientVisitId: uuid(),
        addressId: item.addressId,
        outcome: data.get('outcome'),
        signRequested: data.get('signRequested') === 'on',
        durationSeconds: Math.min(86400, Math.round((Date.now() - opened) / 1000)),
        visitedAt: new Date().toISOString(),
      };
      if (data.get('supportLevel')) body.supportLevel = data.get('supportLevel');
      if (String(data.get('signSize') ?? '').trim()) body.signSize = String(data.get('signSize')).trim();
      if (String(data.get('notes') ?? '').trim()) body.notes = String(data.get('notes')).trim();
      await outbox.addVisit(session.id, body);
      recorded[item.addressId] = body.outcome;
      await kv.set(recordedKey, recorded);
      form.remove();
      drawList();
      drawDoors();
    });
    main.querySelector('#visit-form')?.remove();
    main.append(form);
    form.scrollIntoView({ block: 'nearest' });
  }

  endButton.addEventListener('click', async () => {
    endButton.disabled = true;
    try {
      await outbox.flush();
      const { pendingVisits } = await outbox.status();
      if (pendingVisits > 0) throw new Error(`${pendingVisits} visits are not yet sent; end the session once they are (the network must be back).`);
      try {
        await api.post(`/api/canvass/sessions/${session.id}/end`);
      } catch (error) {
        if (error.status !== 409 && error.status !== 404) throw error;
      }
      stopTracking();
      await kv.del('session');
      await kv.del(recordedKey);
      await home();
    } catch (error) {
      showError(main, error);
    } finally {
      endButton.disabled = false;
    }
  });
}

// ---- start ---------------------------------------------------------------------------------------------------

async function home() {
  showOutbox(await outbox.status());
  const user = api.user;
  render(userLine, user ? h('span', null, user.name || user.email, ' · ',
    h('button', { type: 'button', class: 'link', id: 'sign-out', onclick: async () => { stopTracking(); closeLive(); await api.logout(); await home(); } }, 'Sign out')) : '');
  if (!api.signedIn) return loginView();
  const saved = await kv.get('session');
  let active = null;
  try {
    active = (await api.get('/api/canvass/sessions/active')).session;
  } catch (error) {
    if (error.status === 401) return loginView();
    if (error.status === 404) { await kv.del('session'); active = null; }
    else if (saved) return sessionView(saved); // offline: carry on with the session this phone knows
    else throw error;
  }
  if (!active) return cutsView();
  const cut = saved?.session?.id === active.id ? saved.cut : (await kv.get('cuts'))?.find((c) => c.id === active.cutId) ?? null;
  await kv.set('session', { session: active, cut });
  outbox.flush();
  return sessionView({ session: active, cut });
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/volunteer-sw.js', { scope: '/volunteer' }).catch((error) => console.warn('no offline shell:', error));
}
start(main, home);
