// Drawing and reshaping one polygon on a Leaflet map: each click on the map adds a corner, each corner is a handle
// that can be dragged (or moved with the arrow keys once focused), the shape is previewed as it grows, and clicking
// the first corner closes it. The result is a GeoJSON Polygon, [lng, lat] pairs in a closed ring, as the cuts API
// takes it.

/** Corners of a GeoJSON Polygon's outer ring (or a MultiPolygon's first polygon) as [lat, lng], without the closing repeat. */
export function ringOf(geojson) {
  const shape = typeof geojson === 'string' ? JSON.parse(geojson) : geojson;
  if (!shape) return [];
  const ring = shape.type === 'Polygon' ? shape.coordinates[0] : shape.type === 'MultiPolygon' ? shape.coordinates[0][0] : [];
  const corners = ring.map(([lng, lat]) => [lat, lng]);
  const [first, last] = [corners[0], corners[corners.length - 1]];
  if (corners.length > 1 && first[0] === last[0] && first[1] === last[1]) corners.pop();
  return corners;
}

const round = (v) => Number(v.toFixed(7));

/**
 * drawPolygon(L, map, { corners, color, adding, onChange, onClose }) → { corners(), geojson(), adding(bool), undo(), clear(), destroy() }.
 * `adding`: map clicks add corners (a new shape); off while reshaping an existing one.
 */
export function drawPolygon(L, map, { corners = [], color = '#dc2626', adding = true, onChange = () => {}, onClose = () => {} } = {}) {
  const points = corners.map(([lat, lng]) => L.latLng(lat, lng));
  const layers = L.layerGroup().addTo(map);
  const outline = L.polygon([], { color, weight: 2, dashArray: '6 4', fillOpacity: 0.12, interactive: false }).addTo(layers);
  let handles = [];
  let isAdding = adding;

  const changed = () => {
    outline.setLatLngs(points);
    onChange(points.length);
  };

  const handleFor = (latlng, index) => {
    const icon = L.divIcon({ className: `corner-handle${index === 0 ? ' corner-first' : ''}`, iconSize: [16, 16] });
    const handle = L.marker(latlng, { icon, draggable: true, keyboard: true, title: `Corner ${index + 1}`, alt: `Corner ${index + 1}`, bubblingMouseEvents: false });
    handle.on('drag', () => { points[handles.indexOf(handle)] = handle.getLatLng(); outline.setLatLngs(points); });
    handle.on('dragend', changed);
    handle.on('click', () => { if (isAdding && handles.indexOf(handle) === 0 && points.length >= 3) onClose(); });
    // Arrow keys nudge a focused corner by a few pixels, so a shape can be fixed without a mouse.
    handle.on('add', () => handle.getElement()?.addEventListener('keydown', (e) => {
      const step = { ArrowUp: [0, -4], ArrowDown: [0, 4], ArrowLeft: [-4, 0], ArrowRight: [4, 0] }[e.key];
      if (!step) return;
      e.preventDefault();
      const at = map.latLngToContainerPoint(handle.getLatLng()).add(step);
      handle.setLatLng(map.containerPointToLatLng(at));
      points[handles.indexOf(handle)] = handle.getLatLng();
      changed();
    }));
    return handle.addTo(layers);
  };

  const redrawHandles = () => {
    for (const handle of handles) handle.remove();
    handles = points.map((p, i) => handleFor(p, i));
  };

  const add = (latlng) => {
    points.push(latlng);
    handles.push(handleFor(latlng, points.length - 1));
    changed();
  };
  const onClick = (e) => { if (isAdding) add(e.latlng); };
  map.on('click', onClick);
  redrawHandles();
  changed();

  const editor = {
    corners: () => points.map((p) => [p.lat, p.lng]),
    /** The shape as a GeoJSON Polygon (null below three corners). */
    geojson() {
      if (points.length < 3) return null;
      const ring = points.map((p) => [round(p.lng), round(p.lat)]);
      ring.push([...ring[0]]);
      return { type: 'Polygon', coordinates: [ring] };
    },
    /** A corner at a point (the keyboard's way: pan the map with the arrow keys, then add its centre). */
    add: (latlng) => add(L.latLng(latlng)),
    adding(on) { isAdding = on; map.getContainer().classList.toggle('drawing', on); },
    undo() { points.pop(); redrawHandles(); changed(); },
    clear() { points.length = 0; redrawHandles(); changed(); },
    bounds: () => (points.length ? L.latLngBounds(points) : null),
    destroy() { map.off('click', onClick); map.getContainer().classList.remove('drawing'); layers.remove(); },
  };
  editor.adding(adding);
  return editor;
}
