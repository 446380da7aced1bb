// Leaflet maps (vendored from npm, the global `L`). Tiles come from MAP_TILE_URL (/api/web/config); without it, or
// when no tile loads (offline, blocked), cuts and doors still draw on the plain background of .map.
import { webConfig } from './api.js';

/** Creates a map in `el`; resolves to { map, cutLayer(geojson, options), doors(items, onPick), fit() }. */
export async function createMap(el, { center = [43.65, -79.38], zoom = 13, preferCanvas = false } = {}) {
  const config = await webConfig();
  const map = L.map(el, { zoomControl: true, preferCanvas }).setView(center, zoom);
  if (config.mapTileUrl) {
    const tiles = L.tileLayer(config.mapTileUrl, { attribution: config.mapTileAttribution, maxZoom: 19, crossOrigin: false });
    // A failed tile leaves its square empty, which the container's background fills: no broken-image marks.
    tiles.on('tileerror', (e) => { e.tile.style.visibility = 'hidden'; });
    tiles.addTo(map);
  }
  const bounds = [];
  const layers = L.featureGroup().addTo(map);
  const api = {
    map,
    /** Draws a cut's polygon (GeoJSON text or object). */
    cut(geojson, { color = '#2563eb', opacity = 0.15 } = {}) {
      const shape = typeof geojson === 'string' ? JSON.parse(geojson) : geojson;
      const layer = L.geoJSON(shape, { style: { color, weight: 2, fillOpacity: opacity } }).addTo(layers);
      bounds.push(layer.getBounds());
      return layer;
    },
    /** Small circles for doors; visited ones are filled. */
    doors(items, onPick) {
      const group = L.featureGroup().addTo(layers);
      for (const item of items) {
        if (item.latitude == null || item.longitude == null) continue;
        const marker = L.circleMarker([item.latitude, item.longitude], {
          radius: 6, weight: 2, color: item.visited ? '#16a34a' : '#1e3a8a', fillOpacity: item.visited ? 0.9 : 0.3,
        }).addTo(group);
        marker.bindTooltip(`${item.order}. ${item.address}${item.unitNumber ? ` #${item.unitNumber}` : ''}`);
        if (onPick) marker.on('click', () => onPick(item));
      }
      if (group.getLayers().length) bounds.push(group.getBounds());
      return group;
    },
    fit() {
      const all = bounds.filter((b) => b.isValid());
      if (all.length) map.fitBounds(all.reduce((a, b) => a.extend(b), L.latLngBounds(all[0].getSouthWest(), all[0].getNorthEast())), { padding: [16, 16], maxZoom: 18 });
    },
    clear() { layers.clearLayers(); bounds.length = 0; },
  };
  return api;
}
