// The live canvass map: canvassers moving and visits appearing as they happen (canvass:live). Built for thousands of
// canvassers at once: every position goes to one canvas layer (dotlayer.js) that redraws once per animation frame
// whatever the number of moves, and the visit feed is also updated once per frame.
import { h, render, fmtDate } from '../ui.js';
import { loadLeaflet } from '../maptools.js';
import { dotLayer } from '../dotlayer.js';

/** Active sessions read at the start: 20 pages of the API's largest page. */
const MAX_START_PAGES = 20;
/** Sessions whose last position and visit count are asked for one by one at the start; the rest show where they started until they move. */
const DETAILED = 50;
const FEED = 30;

export default async function canvass({ api, root, watch, hub, onLeave }) {
  await loadLeaflet();
  const { createMap } = await import('../mapview.js');
  const mapEl = h('div', { class: 'map map-tall', id: 'canvass-map' });
  const count = h('p', { class: 'muted', id: 'canvasser-count', role: 'status' }, '');
  const feed = h('ul', { class: 'list', id: 'canvass-feed' });
  render(root, h('section', { class: 'card' }, h('h2', null, 'Canvassers now'), mapEl, count,
    h('p', { class: 'muted' }, 'Click a canvasser for their visits.')), h('section', { class: 'card' }, h('h3', null, 'Latest visits'), feed));
  const view = await createMap(mapEl, { preferCanvas: true });

  let moves = 0;
  let shown = '';
  const dots = dotLayer(L, view.map, {
    onDraw: (drawn, total) => {
      mapEl.dataset.canvassers = String(total);
      mapEl.dataset.moves = String(moves);
      const words = `${total} canvasser${total === 1 ? '' : 's'} active${drawn < total ? `, ${drawn} in view` : ''}`;
      if (words !== shown) count.textContent = shown = words;
    },
  });
  onLeave(() => dots.destroy());
  const place = (sessionId, lat, lng, label) => {
    if (lat == null || lng == null) return;
    moves += 1;
    dots.set(sessionId, lat, lng, label);
  };

  // Visits come in at any rate; the feed shows the newest FEED, drawn once per frame.
  let visits = [];
  let feedFrame = 0;
  const showVisits = () => {
    feedFrame = 0;
    const fresh = visits.slice(-FEED).reverse();
    visits = [];
    feed.prepend(...fresh.map((e) => h('li', { class: 'visit', dataset: { sessionId: e.sessionId } }, h('span', null, e.outcome), h('small', { class: 'muted' }, fmtDate(e.visitedAt)))));
    while (feed.children.length > FEED) feed.lastChild.remove();
  };
  onLeave(() => { if (feedFrame) cancelAnimationFrame(feedFrame); });

  const cuts = await api.get('/api/map/cuts?pageSize=200').catch(() => ({ items: [] }));
  for (const cut of cuts.items.filter((c) => c.geojson)) view.cut(cut.geojson, { color: cut.color || '#2563eb', opacity: cut.opacity ?? 0.15 });
  const sessions = [];
  for (let page = 1; page <= MAX_START_PAGES; page += 1) {
    const got = await api.get(`/api/canvass/sessions?status=ACTIVE&pageSize=500&page=${page}`);
    sessions.push(...got.items);
    if (sessions.length >= got.total || got.items.length === 0) break;
  }
  for (const s of sessions) place(s.id, s.startLatitude, s.startLongitude);
  await Promise.all(sessions.slice(0, DETAILED).map(async (s) => {
    const d = await api.get(`/api/canvass/sessions/${s.id}`).catch(() => null);
    if (d) place(s.id, d.lastLatitude ?? s.startLatitude, d.lastLongitude ?? s.startLongitude, `${d.totalVisits} visits`);
  }));
  const here = sessions.filter((s) => s.startLatitude != null).map((s) => [s.startLatitude, s.startLongitude]);
  if (here.length) view.map.fitBounds(here, { padding: [16, 16], maxZoom: 17 });
  else view.fit();

  if (!root.isConnected) return; // another screen opened, or the user signed out, while this one loaded
  const live = hub();
  // Moves arrive at most once a second per canvasser; each only updates the point, the layer draws at the next frame.
  onLeave(live.on('canvasserMoved', (e) => place(e.sessionId, e.latitude, e.longitude)));
  onLeave(live.on('visitRecorded', (e) => {
    place(e.sessionId, e.latitude, e.longitude);
    visits.push(e);
    if (visits.length > FEED * 4) visits = visits.slice(-FEED);
    feedFrame ||= requestAnimationFrame(showVisits);
  }));
  onLeave(live.on('sessionChanged', (e) => {
    if (e.status === 'ACTIVE') return;
    dots.remove(e.sessionId);
  }));
  const state = h('span', { class: 'badge', id: 'live-state' }, 'connecting');
  root.querySelector('h2').append(' ', state);
  await watch('canvass:live');
  state.textContent = 'live';
  state.className = 'badge badge-live';
}
