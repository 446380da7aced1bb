// The live canvass map: canvassers moving and visits appearing as they happen (canvass:live).
import { h, render, fmtDate } from '../ui.js';

export default async function canvass({ api, root, watch, hub, onLeave }) {
  const { createMap } = await import('../mapview.js');
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
  onLeave(() => { if (frame) cancelAnimationFrame(frame); });
  const cuts = await api.get('/api/map/cuts?pageSize=200').catch(() => ({ items: [] }));
  for (const cut of cuts.items.filter((c) => c.geojson)) view.cut(cut.geojson, { color: cut.color || '#2563eb', opacity: cut.opacity ?? 0.15 });
  const sessions = await api.get('/api/canvass/sessions?status=ACTIVE&pageSize=200');
  await Promise.all(sessions.items.slice(0, 50).map(async (s) => {
    const d = await api.get(`/api/canvass/sessions/${s.id}`).catch(() => null);
    if (d) place(s.id, d.lastLatitude ?? s.startLatitude, d.lastLongitude ?? s.startLongitude, `${d.totalVisits} visits`);
  }));
  view.fit();
  const live = hub();
  // Moves arrive at most once per interval per canvasser; a marker is moved, never redrawn.
  onLeave(live.on('canvasserMoved', (e) => place(e.sessionId, e.latitude, e.longitude)));
  onLeave(live.on('visitRecorded', (e) => {
    place(e.sessionId, e.latitude, e.longitude);
    feed.prepend(h('li', { class: 'visit', dataset: { sessionId: e.sessionId } }, h('span', null, e.outcome), h('small', { class: 'muted' }, fmtDate(e.visitedAt))));
    while (feed.children.length > 30) feed.lastChild.remove();
  }));
  onLeave(live.on('sessionChanged', (e) => {
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
