// Many moving points on one canvas over a Leaflet map (the live canvass map follows thousands of canvassers).
// Positions are kept by id; any number of changes costs one redraw at an animation frame, every point is
// filled as one path, and a point is projected to pixels only when it moves or the zoom changes. One Leaflet
// marker per canvasser would instead keep an object, bounds and a redraw region per marker and per move.

const PADDING = 0.1; // drawn beyond the view on each side, so a short pan shows points before the redraw
/**
 * A redraw may take at most this share of the page's time: after a draw of d ms the next waits 3·d ms more (a
 * 5,000-point draw without a GPU takes a few ms). Positions change at most once a second per canvasser, so a point
 * shown 20 ms later is not seen as late, while frames left free keep panning, zooming and the feed smooth.
 */
const DRAW_SHARE = 0.25;

/**
 * dotLayer(L, map, { radius, color, stroke, onDraw }) → { set(id, lat, lng, label), remove(id), has(id), size,
 * redraw(), destroy() }. `onDraw(drawn, total)` is told after each frame how many points were in view.
 */
export function dotLayer(L, map, { radius = 6, color = '#f59e0b', stroke = '#7c2d12', onDraw = () => {} } = {}) {
  const points = new Map(); // id → { lat, lng, label, x, y, zoom }
  const pane = map.getPane('canvassers') ?? map.createPane('canvassers');
  pane.style.zIndex = '450'; // above the cuts (overlayPane, 400), below tooltips and popups
  pane.style.pointerEvents = 'none';
  const canvas = L.DomUtil.create('canvas', 'leaflet-zoom-hide dot-layer', pane);
  const ctx = canvas.getContext('2d');
  let frame = 0;
  let waiting = 0;     // a timer holding the next frame back to keep draws within DRAW_SHARE
  let nextDraw = 0;    // performance.now() before which no draw starts
  let draws = 0;
  let drawingMs = 0;
  let corner = L.point(0, 0); // the canvas's top left in layer pixels
  let size = L.point(0, 0);

  const project = (p, zoom) => {
    const at = map.project([p.lat, p.lng], zoom);
    p.x = at.x;
    p.y = at.y;
    p.zoom = zoom;
  };

  function place() {
    const view = map.getSize();
    const pad = view.multiplyBy(PADDING).round();
    size = view.add(pad.multiplyBy(2));
    corner = map.containerPointToLayerPoint(pad.multiplyBy(-1)).round();
    L.DomUtil.setPosition(canvas, corner);
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(size.x * ratio) || canvas.height !== Math.round(size.y * ratio)) {
      canvas.width = Math.round(size.x * ratio);
      canvas.height = Math.round(size.y * ratio);
      canvas.style.width = `${size.x}px`;
      canvas.style.height = `${size.y}px`;
    }
    schedule();
  }

  function draw() {
    frame = 0;
    const began = performance.now();
    const zoom = map.getZoom();
    const origin = map.getPixelOrigin();
    const ox = origin.x + corner.x;
    const oy = origin.y + corner.y;
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size.x, size.y);
    ctx.beginPath();
    let drawn = 0;
    for (const p of points.values()) {
      if (p.zoom !== zoom) project(p, zoom);
      const x = p.x - ox;
      const y = p.y - oy;
      if (x < -radius || y < -radius || x > size.x + radius || y > size.y + radius) continue;
      ctx.moveTo(x + radius, y);
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
      drawn += 1;
    }
    ctx.globalAlpha = 0.85;
    ctx.fillStyle = color;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.lineWidth = 1;
    ctx.strokeStyle = stroke;
    ctx.stroke();
    const took = performance.now() - began;
    nextDraw = began + took / DRAW_SHARE;
    draws += 1;
    drawingMs += took;
    canvas.dataset.drawn = String(drawn);
    canvas.dataset.draws = String(draws);
    canvas.dataset.drawMs = drawingMs.toFixed(1);
    onDraw(drawn, points.size);
  }

  /** At most one draw per animation frame, and no sooner than DRAW_SHARE allows after the last. */
  function schedule() {
    if (frame || waiting) return;
    const wait = nextDraw - performance.now();
    if (wait <= 1) frame = requestAnimationFrame(draw);
    else waiting = setTimeout(() => { waiting = 0; frame = requestAnimationFrame(draw); }, wait);
  }

  /** The point nearest a click, within its radius and a little more. */
  function pick(e) {
    const origin = map.getPixelOrigin();
    const zoom = map.getZoom();
    let best = null;
    let bestDistance = (radius + 4) ** 2;
    for (const [id, p] of points) {
      if (p.zoom !== zoom) project(p, zoom);
      const d = (p.x - origin.x - e.layerPoint.x) ** 2 + (p.y - origin.y - e.layerPoint.y) ** 2;
      if (d <= bestDistance) { best = [id, p]; bestDistance = d; }
    }
    if (!best) return;
    const [id, p] = best;
    const text = document.createElement('span');
    text.className = 'canvasser-popup';
    text.dataset.sessionId = id;
    text.textContent = p.label || 'Canvasser';
    L.popup({ closeButton: true, autoPan: false }).setLatLng([p.lat, p.lng]).setContent(text).openOn(map);
  }

  map.on('viewreset zoomend moveend resize', place);
  map.on('click', pick);
  place();

  return {
    /** Puts a point at (lat, lng); the map shows it at the next frame. A label left out keeps the one it had. */
    set(id, lat, lng, label) {
      const p = points.get(id);
      if (p) {
        if (p.lat !== lat || p.lng !== lng) { p.lat = lat; p.lng = lng; p.zoom = -1; }
        if (label !== undefined) p.label = label;
      } else {
        points.set(id, { lat, lng, label: label ?? '', x: 0, y: 0, zoom: -1 });
      }
      schedule();
    },
    remove(id) { if (points.delete(id)) schedule(); },
    has: (id) => points.has(id),
    get size() { return points.size; },
    redraw: schedule,
    destroy() {
      if (frame) cancelAnimationFrame(frame);
      clearTimeout(waiting);
      frame = 0;
      waiting = 0;
      map.off('viewreset zoomend moveend resize', place);
      map.off('click', pick);
      canvas.remove();
    },
  };
}
