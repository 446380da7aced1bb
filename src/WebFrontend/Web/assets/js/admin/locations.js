// Locations: the turf's buildings on a map loaded by its visible bounds (GET /api/map/locations?bbox, drawn on one
// canvas), a searchable paged list beside it, and a form to create a location (click the map, or an address the
// server geocodes), edit, move or delete it, with its units (addresses).
import { h, render, message, onSubmit, field, fmtDate } from '../ui.js';
import { loadLeaflet, mapStart, bboxOf, confirmButton, words, showMap, BUILDING_TYPES, SUPPORT_LEVELS } from '../maptools.js';

const LIST_PAGE = 25;
/** The API's largest page: a view holding more asks the admin to zoom in. */
const IN_VIEW = 500;
const COLORS = { SINGLE_FAMILY: '#1e3a8a', MULTI_UNIT: '#7c3aed', MIXED_USE: '#0f766e', COMMERCIAL: '#b45309' };

const text = (value) => (value == null ? '' : String(value));
const orNull = (value) => (String(value ?? '').trim() === '' ? null : String(value).trim());
const numberOrNull = (value) => (String(value ?? '').trim() === '' ? null : Number(value));
const label = (l) => l.address || `(no address) ${l.latitude.toFixed(5)}, ${l.longitude.toFixed(5)}`;

export default async function locations({ api, root, onLeave }) {
  await loadLeaflet();
  const { createMap } = await import('../mapview.js');
  const start = await mapStart(api);

  const mapEl = h('div', { class: 'map map-tall', id: 'locations-map', tabindex: 0, 'aria-label': 'Map of the locations in view. Click the map to place a new location.' });
  const inView = h('p', { class: 'muted', id: 'locations-in-view', role: 'status' }, 'Loading the locations in view…');
  const search = h('input', { type: 'search', id: 'location-search', name: 'search', maxlength: 200, placeholder: 'Street, number or postal code' });
  const onlyInView = h('input', { type: 'checkbox', id: 'locations-only-in-view' });
  const list = h('ul', { class: 'list', id: 'locations-list' });
  const pager = h('div', { class: 'row pager', id: 'locations-pager' });
  const editor = h('div', { id: 'location-editor' });
  const byAddress = h('form', { id: 'location-by-address', class: 'card' }, h('h3', null, 'New location from an address'),
    h('p', { class: 'muted' }, 'The server places it with the configured geocoding services.'),
    field('Address', h('input', { name: 'address', id: 'by-address-address', required: true, maxlength: 500, autocomplete: 'off' })),
    field('Postal code', h('input', { name: 'postalCode', id: 'by-address-postal', maxlength: 20 })),
    h('button', { type: 'submit', class: 'primary' }, 'Find and create'));

  render(root,
    h('div', { class: 'map-screen' },
      h('section', { class: 'card map-card' }, h('h2', null, 'Locations'), mapEl, inView,
        h('p', { class: 'muted' }, 'Click the map to place a new location, or a point to open it.')),
      h('div', { class: 'map-side' },
        h('section', { class: 'card' }, h('h3', null, 'Find'),
          field('Search', search), h('label', { class: 'check' }, onlyInView, ' Only those in the map\'s view'), list, pager,
          h('button', { type: 'button', id: 'new-location-here', onclick: () => { const c = map.getCenter(); newAt(c.lat, c.lng); } }, 'New location at the map\'s centre')),
        editor, byAddress)));

  const view = await createMap(mapEl, { center: start.center, zoom: start.zoom, preferCanvas: true });
  const map = view.map;
  const points = L.layerGroup().addTo(map);
  let selected = null;
  let pickFor = null; // a form waiting for a map click to take the clicked point
  let draft = null;   // the marker of a point being placed

  // ---------------------------------------------------------------- the map, by its visible bounds
  let viewSeq = 0;
  async function loadView() {
    const mine = ++viewSeq;
    const bbox = bboxOf(map.getBounds());
    try {
      const page = await api.get(`/api/map/locations?bbox=${bbox}&pageSize=${IN_VIEW}`);
      if (mine !== viewSeq) return; // a later view is loading
      points.clearLayers();
      for (const item of page.items) {
        const isSelected = selected?.id === item.id;
        L.circleMarker([item.latitude, item.longitude], {
          radius: isSelected ? 8 : 5, weight: isSelected ? 3 : 1, color: isSelected ? '#dc2626' : COLORS[item.buildingType] ?? '#1e3a8a',
          fillOpacity: 0.6, bubblingMouseEvents: false,
        }).bindTooltip(label(item)).on('click', () => select(item)).addTo(points);
      }
      mapEl.dataset.points = String(page.items.length);
      inView.textContent = page.total > page.items.length
        ? `${page.total} locations in view; ${page.items.length} drawn. Zoom in to see them all.`
        : `${page.total} location${page.total === 1 ? '' : 's'} in view.`;
      if (onlyInView.checked) loadList(1);
    } catch (error) {
      if (mine === viewSeq) inView.textContent = `The locations in view could not be loaded: ${error.message}`;
    }
  }
  let moveTimer = 0;
  map.on('moveend', () => { clearTimeout(moveTimer); moveTimer = setTimeout(loadView, 200); });
  onLeave(() => clearTimeout(moveTimer));

  map.on('click', (e) => {
    const { lat, lng } = e.latlng;
    if (pickFor) { pickFor(lat, lng); return; }
    newAt(lat, lng);
  });

  const showDraft = (lat, lng) => {
    draft?.remove();
    draft = L.circleMarker([lat, lng], { radius: 8, color: '#dc2626', dashArray: '3 3', fillOpacity: 0.2, interactive: false }).addTo(map);
  };
  const clearDraft = () => { draft?.remove(); draft = null; pickFor = null; mapEl.classList.remove('picking'); };

  // ---------------------------------------------------------------- the list
  let listSeq = 0;
  async function loadList(pageNumber) {
    const mine = ++listSeq;
    const query = new URLSearchParams({ page: String(pageNumber), pageSize: String(LIST_PAGE) });
    if (search.value.trim()) query.set('search', search.value.trim());
    if (onlyInView.checked) query.set('bbox', bboxOf(map.getBounds()));
    try {
      const page = await api.get(`/api/map/locations?${query}`);
      if (mine !== listSeq) return;
      render(list, page.items.length ? page.items.map((item) => h('li', { dataset: { locationId: item.id } },
        h('button', { type: 'button', class: 'link', onclick: () => select(item, true) }, label(item)),
        h('small', { class: 'muted' }, [item.postalCode, item.totalUnits != null ? `${item.totalUnits} unit${item.totalUnits === 1 ? '' : 's'}` : null].filter(Boolean).join(' · '))))
        : h('li', null, message('info', search.value.trim() ? 'No location matches.' : 'No location yet.')));
      const pages = Math.max(1, Math.ceil(page.total / LIST_PAGE));
      render(pager,
        h('button', { type: 'button', disabled: pageNumber <= 1, onclick: () => loadList(pageNumber - 1) }, 'Previous'),
        h('span', { class: 'muted' }, `Page ${pageNumber} of ${pages} (${page.total})`),
        h('button', { type: 'button', disabled: pageNumber >= pages, onclick: () => loadList(pageNumber + 1) }, 'Next'));
    } catch (error) {
      if (mine === listSeq) render(list, h('li', null, message('error', `The list could not be loaded: ${error.message}`)));
    }
  }
  let searchTimer = 0;
  search.addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(() => loadList(1), 300); });
  onlyInView.addEventListener('change', () => loadList(1));
  onLeave(() => clearTimeout(searchTimer));

  // ---------------------------------------------------------------- the form of one location
  function locationFields(l, lat, lng) {
    return [
      h('div', { class: 'row' },
        field('Latitude', h('input', { name: 'latitude', type: 'number', step: 'any', min: -90, max: 90, required: true, value: text(lat) })),
        field('Longitude', h('input', { name: 'longitude', type: 'number', step: 'any', min: -180, max: 180, required: true, value: text(lng) }))),
      field('Address', h('input', { name: 'address', maxlength: 500, value: text(l?.address) })),
      h('div', { class: 'row' },
        field('Postal code', h('input', { name: 'postalCode', maxlength: 20, value: text(l?.postalCode) })),
        field('Province', h('input', { name: 'province', maxlength: 100, value: text(l?.province) }))),
      h('div', { class: 'row' },
        field('Building type', h('select', { name: 'buildingType' }, h('option', { value: '' }, '—'),
          BUILDING_TYPES.map((t) => h('option', { value: t, selected: l?.buildingType === t }, words(t))))),
        field('Units', h('input', { name: 'totalUnits', type: 'number', min: 0, max: 100000, value: text(l?.totalUnits) }))),
      field('Notes', h('textarea', { name: 'buildingNotes', rows: 2, maxlength: 5000 }, text(l?.buildingNotes))),
    ];
  }

  /** The fields as the API takes them; when editing, only those that changed. */
  function readLocation(data, before) {
    const body = {
      latitude: numberOrNull(data.get('latitude')), longitude: numberOrNull(data.get('longitude')),
      address: orNull(data.get('address')), postalCode: orNull(data.get('postalCode')), province: orNull(data.get('province')),
      buildingType: orNull(data.get('buildingType')), totalUnits: numberOrNull(data.get('totalUnits')), buildingNotes: orNull(data.get('buildingNotes')),
    };
    if (!before) return body;
    const changed = {};
    for (const [name, value] of Object.entries(body)) {
      const old = before[name] ?? null;
      const same = typeof value === 'number' && typeof old === 'number' ? Math.abs(value - old) < 1e-9 : value === old;
      if (!same) changed[name] = value;
    }
    return changed;
  }

  /** "Pick on map": the next click on the map fills the form's coordinates. */
  function pickButton(form) {
    return h('button', { type: 'button', class: 'pick', onclick: () => {
      mapEl.classList.add('picking');
      mapEl.focus();
      pickFor = (lat, lng) => {
        form.elements.namedItem('latitude').value = lat.toFixed(6);
        form.elements.namedItem('longitude').value = lng.toFixed(6);
        pickFor = null;
        mapEl.classList.remove('picking');
        showDraft(lat, lng);
      };
    } }, 'Pick the point on the map');
  }

  function newAt(lat, lng) {
    selected = null;
    showDraft(lat, lng);
    const form = h('form', { id: 'location-form', class: 'card', dataset: { mode: 'new' } }, h('h3', null, 'New location'),
      ...locationFields(null, lat.toFixed(6), lng.toFixed(6)));
    form.append(h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Create location'), pickButton(form),
      h('button', { type: 'button', onclick: () => { clearDraft(); render(editor); } }, 'Cancel')));
    onSubmit(form, async (data) => {
      const created = await api.post('/api/map/locations', readLocation(data, null));
      clearDraft();
      await select(created);
      loadList(1);
    });
    render(editor, form);
    form.querySelector('input[name=address]').focus();
  }

  async function select(item, pan = false) {
    clearDraft();
    selected = item;
    if (pan) {
      map.setView([item.latitude, item.longitude], Math.max(map.getZoom(), 17));
      showMap(mapEl);
    }
    else loadView();
    render(editor, h('section', { class: 'card' }, h('p', { class: 'muted' }, 'Loading…')));
    let location;
    let units;
    try {
      [location, units] = await Promise.all([api.get(`/api/map/locations/${item.id}`), api.get(`/api/map/locations/${item.id}/addresses`)]);
    } catch (error) {
      render(editor, h('section', { class: 'card' }, message('error', `This location could not be opened: ${error.message}`)));
      return;
    }
    if (selected?.id !== item.id) return;
    selected = location;
    const form = h('form', { id: 'location-form', class: 'card', dataset: { mode: 'edit', locationId: location.id } },
      h('h3', null, label(location)),
      h('p', { class: 'muted' }, [location.locGuid ? 'From the National Address Register' : null, location.geocodeProvider ? `placed by ${words(location.geocodeProvider)}` : null,
        `updated ${fmtDate(location.updatedAt)}`].filter(Boolean).join(' · ')),
      ...locationFields(location, location.latitude, location.longitude));
    form.append(h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Save'), pickButton(form),
      confirmButton('Delete location', 'Delete this location and its units?', async () => {
        await api.del(`/api/map/locations/${location.id}`);
        selected = null;
        render(editor, message('ok', 'The location was deleted.'));
        loadView();
        loadList(1);
      }, { id: 'delete-location' })));
    onSubmit(form, async (data) => {
      const changes = readLocation(data, location);
      if (Object.keys(changes).length === 0) return;
      const saved = await api.patch(`/api/map/locations/${location.id}`, changes);
      await select(saved);
      editor.querySelector('#location-form')?.prepend(message('ok', 'Saved.'));
      loadList(1);
    });
    render(editor, form, unitsCard(location, units));
  }

  // ---------------------------------------------------------------- units of the selected location
  function unitsCard(location, units) {
    const add = h('form', { id: 'unit-form' }, h('h4', null, 'Add a unit'),
      h('div', { class: 'row' },
        field('Unit', h('input', { name: 'unitNumber', maxlength: 50 })),
        field('First name', h('input', { name: 'firstName', maxlength: 200 })),
        field('Last name', h('input', { name: 'lastName', maxlength: 200 }))),
      h('div', { class: 'row' },
        field('Phone', h('input', { name: 'phone', type: 'tel', maxlength: 50 })),
        field('Email', h('input', { name: 'email', type: 'email', maxlength: 254 })),
        field('Support', h('select', { name: 'supportLevel' }, h('option', { value: '' }, '—'), SUPPORT_LEVELS.map((s) => h('option', { value: s }, words(s)))))),
      h('button', { type: 'submit' }, 'Add unit'));
    onSubmit(add, async (data) => {
      const body = {};
      for (const name of ['unitNumber', 'firstName', 'lastName', 'phone', 'email', 'supportLevel']) {
        const value = orNull(data.get(name));
        if (value !== null) body[name] = value;
      }
      await api.post(`/api/map/locations/${location.id}/addresses`, body);
      await select(location);
    });
    return h('section', { class: 'card', id: 'location-units' }, h('h3', null, `Units (${units.length})`),
      units.length ? h('ul', { class: 'list' }, units.map((u) => h('li', { dataset: { addressId: u.id } },
        h('span', null, u.unitNumber ? `Unit ${u.unitNumber}` : 'The building', h('br'),
          h('small', { class: 'muted' }, [[u.firstName, u.lastName].filter(Boolean).join(' '), u.supportLevel ? words(u.supportLevel) : null, u.sign ? 'sign' : null]
            .filter(Boolean).join(' · '))),
        confirmButton('Delete', 'Delete this unit?', async () => {
          await api.del(`/api/map/addresses/${u.id}`);
          await select(location);
        })))) : message('info', 'No unit recorded.'),
      add);
  }

  onSubmit(byAddress, async (data) => {
    const body = { address: orNull(data.get('address')) };
    if (orNull(data.get('postalCode'))) body.postalCode = orNull(data.get('postalCode'));
    const created = await api.post('/api/map/locations', body);
    byAddress.reset();
    await select(created, true);
    loadList(1);
  });

  await Promise.all([loadView(), loadList(1)]);
}
