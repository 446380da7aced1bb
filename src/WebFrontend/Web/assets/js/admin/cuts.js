// Cuts: the turf's named polygons on a map in their colours and in a list; a new cut is drawn by clicking its corners
// on the map, then named and coloured; a cut's shape and fields can be changed, it can be deleted, and its progress
// (GET /api/canvass/cuts/{id}/stats, kept fresh from canvass:cut:{id}), walk sheet and export are at hand.
import { h, render, message, onSubmit, field, fmtDate } from '../ui.js';
import { loadLeaflet, mapStart, confirmButton, download, fileName, words, showMap, CUT_CATEGORIES } from '../maptools.js';
import { drawPolygon, ringOf } from '../polydraw.js';

const DEFAULT_COLOR = '#2563eb';
const hexColor = (c) => (/^#[0-9a-f]{6}$/i.test(c ?? '') ? c : DEFAULT_COLOR);
/** The stats are read again at most this often while visits come in. */
const STATS_EVERY_MS = 2000;

export default async function cuts({ api, root, hub, onLeave }) {
  await loadLeaflet();
  const { createMap } = await import('../mapview.js');
  const start = await mapStart(api);

  const mapEl = h('div', { class: 'map map-tall', id: 'cuts-map', tabindex: 0, 'aria-label': 'Map of the cuts' });
  const tools = h('div', { class: 'row draw-tools', id: 'draw-tools' });
  const list = h('ul', { class: 'list', id: 'cuts-list' });
  const panel = h('div', { id: 'cut-panel' });
  const newButton = h('button', { type: 'button', class: 'primary', id: 'new-cut' }, 'Draw a new cut');
  render(root, h('div', { class: 'map-screen' },
    h('section', { class: 'card map-card' }, h('div', { class: 'row' }, h('h2', null, 'Cuts'), newButton), mapEl, tools),
    h('div', { class: 'map-side' }, panel, h('section', { class: 'card' }, h('h3', null, 'All cuts'), list))));

  const view = await createMap(mapEl, { center: start.center, zoom: start.zoom });
  if (!root.isConnected) return; // another screen opened, or the user signed out, while this one loaded
  const map = view.map;
  const shapes = L.featureGroup().addTo(map);
  // The buildings inside the selected cut, on a canvas: a cut may hold thousands.
  const inside = L.layerGroup().addTo(map);
  const dots = L.canvas({ padding: 0.2 });
  let all = [];
  let selectedId = null;
  let drawing = null; // the shape being drawn or reshaped
  let editingId = null;
  let firstFit = true;

  // ---------------------------------------------------------------- the cuts on the map and in the list
  async function loadCuts() {
    const page = await api.get('/api/map/cuts?pageSize=500');
    all = page.items;
    drawShapes();
    render(list, all.length ? all.map((cut) => {
      const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.backgroundColor = hexColor(cut.color);
      swatch.style.opacity = String(Math.max(0.35, cut.opacity ?? 0.25));
      return h('li', { dataset: { cutId: cut.id } },
        h('span', { class: 'cut-name' }, swatch, h('button', { type: 'button', class: 'link', onclick: () => select(cut.id, true) }, cut.name)),
        h('small', { class: 'muted' }, `${cut.completionPercentage ?? 0}% · ${words(cut.category)}${cut.isPublic ? '' : ' · private'}`));
    }) : h('li', null, message('info', 'No cut yet. Draw one on the map.')));
    mapEl.dataset.cuts = String(all.length);
    if (firstFit && shapes.getLayers().length) map.fitBounds(shapes.getBounds(), { padding: [16, 16], maxZoom: 16 });
    firstFit = false;
  }

  function drawShapes() {
    shapes.clearLayers();
    for (const cut of all) {
      if (!cut.geojson || cut.id === editingId) continue;
      const picked = cut.id === selectedId;
      L.geoJSON(cut.geojson, { style: { color: hexColor(cut.color), weight: picked ? 4 : 2, fillOpacity: cut.opacity ?? 0.25} })
        .bindTooltip(cut.name)
        .on('click', () => { if (!drawing) select(cut.id); })
        .addTo(shapes);
    }
  }

  // ---------------------------------------------------------------- one cut's details and progress
  let statsTimer = 0;
  let statsDue = 0;
  let watched = null;
  let listening = [];
  const live = hub();
  /** Stops following the selected cut's topic. */
  const release = () => {
    clearTimeout(statsTimer);
    statsTimer = 0;
    for (const off of listening.splice(0)) off();
    if (watched) live.unsubscribe(watched);
    watched = null;
  };
  onLeave(release);

  /** The first 500 buildings of the cut, the API's largest page. */
  async function showInside(cut) {
    inside.clearLayers();
    try {
      const page = await api.get(`/api/map/cuts/${cut.id}/locations?pageSize=500`);
      if (selectedId !== cut.id) return;
      for (const l of page.items)
        L.circleMarker([l.latitude, l.longitude], { renderer: dots, radius: 3, weight: 1, color: '#111827', fillOpacity: 0.5, interactive: false }).addTo(inside);
      mapEl.dataset.inside = String(page.items.length);
    } catch (error) {
      if (selectedId === cut.id) panel.querySelector('#cut-details')?.append(message('error', `The cut's buildings could not be shown: ${error.message}`));
    }
  }

  async function select(id, fit = false) {
    release();
    selectedId = id;
    const cut = all.find((c) => c.id === id);
    if (!cut) return;
    drawShapes();
    if (fit && cut.bounds) {
      map.fitBounds([[cut.bounds.minLat, cut.bounds.minLng], [cut.bounds.maxLat, cut.bounds.maxLng]], { padding: [16, 16], maxZoom: 17 });
      showMap(mapEl);
    }
    const stats = h('div', { id: 'cut-stats' }, h('p', { class: 'muted' }, 'Loading progress…'));
    const actions = h('div', { class: 'row' },
      h('button', { type: 'button', id: 'edit-cut', onclick: () => edit(cut) }, 'Edit'),
      h('button', { type: 'button', id: 'walk-sheet', onclick: (e) => save(e.currentTarget, `/api/map/cuts/${cut.id}/walk-sheet`, `walk-sheet-${fileName(cut.name, cut.id)}.html`) }, 'Walk sheet'),
      cut.exportEnabled ? h('button', { type: 'button', id: 'export-cut', onclick: (e) => save(e.currentTarget, `/api/map/cuts/${cut.id}/export`, `cut-${fileName(cut.name, cut.id)}.csv`) }, 'Export CSV') : null,
      confirmButton('Delete cut', `Delete the cut "${cut.name}"?`, async () => {
        await api.del(`/api/map/cuts/${cut.id}`);
        release();
        selectedId = null;
        inside.clearLayers();
        await loadCuts();
        render(panel, message('ok', `The cut "${cut.name}" was deleted.`));
      }, { id: 'delete-cut' }));
    const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
    swatch.style.backgroundColor = hexColor(cut.color);
    render(panel, h('section', { class: 'card', id: 'cut-details', dataset: { cutId: cut.id } },
      h('h3', null, swatch, ' ', cut.name),
      h('p', { class: 'muted' }, [words(cut.category), cut.isPublic ? 'public' : 'private', cut.isOfficial ? 'official' : null,
        cut.assignedTo ? `assigned to ${cut.assignedTo}` : null].filter(Boolean).join(' · ')),
      cut.description ? h('p', null, cut.description) : null,
      stats, actions));
    showInside(cut);
    const showStats = async () => {
      statsDue = Date.now() + STATS_EVERY_MS;
      try {
        const s = await api.get(`/api/canvass/cuts/${cut.id}/stats`);
        if (selectedId !== cut.id) return;
        render(stats, h('progress', { max: 100, value: s.completionPercentage ?? 0, 'aria-label': 'Completion' }),
          h('dl', { class: 'stats' },
            h('dt', null, 'Completion'), h('dd', { id: 'cut-completion' }, `${s.completionPercentage ?? 0}%`),
            h('dt', null, 'Doors'), h('dd', null, `${s.visitedDoors} of ${s.doors} visited`),
            h('dt', null, 'Visits'), h('dd', null, String(s.totalVisits)),
            h('dt', null, 'Canvassing now'), h('dd', null, String(s.activeSessions)),
            h('dt', null, 'Last canvassed'), h('dd', null, s.lastCanvassed ? fmtDate(s.lastCanvassed) : 'never')));
      } catch (error) {
        if (selectedId === cut.id) render(stats, message('error', `Progress could not be loaded: ${error.message}`));
      }
    };
    await showStats();
    if (selectedId !== cut.id || drawing) return;
    // Visits on this cut change its progress: read it again, at most every STATS_EVERY_MS.
    const topic = `canvass:cut:${cut.id}`;
    const later = () => {
      if (selectedId !== cut.id || statsTimer) return;
      statsTimer = setTimeout(() => { statsTimer = 0; showStats(); }, Math.max(0, statsDue - Date.now()));
    };
    watched = topic;
    live.subscribe(topic).catch(() => {});
    listening.push(live.on('visitRecorded', (e) => { if (e.cutId === cut.id) later(); }),
      live.on('sessionChanged', (e) => { if (e.cutId === cut.id) later(); }));
  }

  async function save(button, path, name) {
    button.disabled = true;
    button.parentElement.querySelector('.msg-error')?.remove();
    try {
      await download(api, path, name);
    } catch (error) {
      button.parentElement.append(message('error', error.message));
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- drawing and editing
  function stopDrawing() {
    drawing?.destroy();
    drawing = null;
    editingId = null;
    render(tools);
    newButton.disabled = false;
  }
  onLeave(() => drawing?.destroy());

  function edit(cut) {
    stopDrawing();
    release();
    const creating = !cut;
    editingId = cut?.id ?? null;
    selectedId = cut?.id ?? null;
    inside.clearLayers();
    drawShapes();
    newButton.disabled = true;
    const shapeState = h('p', { id: 'cut-shape-state', role: 'status' });
    const finish = h('button', { type: 'button', id: 'finish-shape' }, 'Finish shape');
    const undo = h('button', { type: 'button', id: 'undo-corner' }, 'Undo last corner');
    const redraw = h('button', { type: 'button', id: 'redraw-shape' }, 'Redraw');
    const here = h('button', { type: 'button', id: 'add-corner', onclick: () => drawing.add(map.getCenter()) }, 'Corner at the map\'s centre');
    let shapeChanged = false;
    let adding = creating;
    const say = (corners) => {
      shapeState.dataset.corners = String(corners);
      shapeState.textContent = adding
        ? corners < 3 ? `Click the map to add corners: ${corners} so far, at least 3.` : `${corners} corners. Click the first corner or "Finish shape" to close it.`
        : `${corners} corners. Drag a corner (or focus it and use the arrow keys) to change the shape.`;
      finish.hidden = !adding;
      here.hidden = !adding;
      undo.disabled = corners === 0;
    };
    const color = h('input', { type: 'color', name: 'color', id: 'cut-color', value: hexColor(cut?.color) });
    drawing = drawPolygon(L, map, {
      corners: cut?.geojson ? ringOf(cut.geojson) : [],
      color: color.value,
      adding,
      onChange: (corners) => { shapeChanged = true; say(corners); },
      onClose: () => closeShape(),
    });
    shapeChanged = false;
    function closeShape() {
      if (drawing.corners().length < 3) return;
      adding = false;
      drawing.adding(false);
      say(drawing.corners().length);
      form.querySelector('input[name=name]').focus();
    }
    finish.addEventListener('click', closeShape);
    undo.addEventListener('click', () => drawing.undo());
    redraw.addEventListener('click', () => { adding = true; drawing.adding(true); drawing.clear(); });
    render(tools, shapeState, finish, undo, here, redraw);
    say(drawing.corners().length);
    if (!creating && drawing.bounds()) map.fitBounds(drawing.bounds(), { padding: [24, 24], maxZoom: 17 });

    const form = h('form', { id: 'cut-form', class: 'card', dataset: { mode: creating ? 'new' : 'edit' } },
      h('h3', null, creating ? 'New cut' : `Edit ${cut.name}`),
      field('Name', h('input', { name: 'name', required: true, maxlength: 200, value: cut?.name ?? '' })),
      field('Description', h('textarea', { name: 'description', rows: 2, maxlength: 5000 }, cut?.description ?? '')),
      h('div', { class: 'row' },
        field('Colour', color),
        field('Opacity', h('input', { name: 'opacity', type: 'number', min: 0, max: 1, step: 0.05, value: String(cut?.opacity ?? 0.25) })),
        field('Category', h('select', { name: 'category' }, CUT_CATEGORIES.map((c) => h('option', { value: c, selected: (cut?.category ?? 'CUSTOM') === c }, words(c)))))),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'isPublic', checked: cut?.isPublic ?? false }), ' Public (any canvasser may work it)'),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'exportEnabled', checked: cut?.exportEnabled ?? true }), ' May be exported'),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, creating ? 'Save cut' : 'Save changes'),
        h('button', { type: 'button', onclick: () => { stopDrawing(); drawShapes(); render(panel); if (cut) select(cut.id); } }, 'Cancel')));
    onSubmit(form, async (data) => {
      const geojson = drawing.geojson();
      if (!geojson) throw new Error('Draw the cut first: click at least three corners on the map.');
      const body = {
        name: String(data.get('name')).trim(),
        description: String(data.get('description') ?? '').trim() || null,
        color: String(data.get('color')),
        opacity: Number(data.get('opacity')),
        category: String(data.get('category')),
        isPublic: data.get('isPublic') === 'on',
        exportEnabled: data.get('exportEnabled') === 'on',
      };
      if (creating || shapeChanged) body.geojson = geojson;
      const saved = creating ? await api.post('/api/map/cuts', body) : await api.patch(`/api/map/cuts/${cut.id}`, body);
      stopDrawing();
      await loadCuts();
      await select(saved.id);
      panel.prepend(message('ok', creating ? `The cut "${saved.name}" was saved.` : 'Saved.'));
    });
    render(panel, form);
    if (creating) mapEl.focus();
  }

  newButton.addEventListener('click', () => edit(null));
  await loadCuts();
}
