// What the map screens of the admin console share: Leaflet loaded on demand, the map's vocabularies, a bounding box
// in the API's form, an inline two-step confirmation, and files (walk sheets, exports) fetched with the signed-in
// user's token and saved, since a plain link would carry no token.
import { h, render, message } from './ui.js';
import { ApiError, describeProblem } from './api.js';

export const BUILDING_TYPES = ['SINGLE_FAMILY', 'MULTI_UNIT', 'MIXED_USE', 'COMMERCIAL'];
export const SUPPORT_LEVELS = ['LEVEL_1', 'LEVEL_2', 'LEVEL_3', 'LEVEL_4'];
export const CUT_CATEGORIES = ['CUSTOM', 'WARD', 'NEIGHBORHOOD', 'DISTRICT'];

/** Words for the API's upper-case names: MULTI_UNIT → Multi unit. */
export const words = (name) => (name ? name.charAt(0) + name.slice(1).toLowerCase().replace(/_/g, ' ') : '');

let loading = null;

/** Leaflet (the global `L`) and its style sheet, loaded once for the console. */
export function loadLeaflet() {
  if (!document.querySelector('link[href="/web/lib/leaflet.css"]')) document.head.append(h('link', { rel: 'stylesheet', href: '/web/lib/leaflet.css' }));
  if (window.L) return Promise.resolve(window.L);
  loading ??= new Promise((resolve, reject) => document.head.append(h('script', {
    src: '/web/lib/leaflet.js',
    onload: () => resolve(window.L),
    onerror: () => { loading = null; reject(new Error('The map library could not be loaded; check your connection and reload.')); },
  })));
  return loading;
}

/** The map's start: the map settings' position, else a default. */
export async function mapStart(api) {
  const settings = await api.get('/api/map/settings').catch(() => null);
  return settings && settings.latitude != null && settings.longitude != null
    ? { center: [settings.latitude, settings.longitude], zoom: settings.zoom ?? 13 }
    : { center: [43.65, -79.38], zoom: 13 };
}

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const fixed = (v) => Number(v.toFixed(6));

/** Leaflet bounds as the API's `bbox=minLng,minLat,maxLng,maxLat`, cut to the world (a zoomed-out view overlaps it). */
export function bboxOf(bounds) {
  return [clamp(bounds.getWest(), -180, 180), clamp(bounds.getSouth(), -90, 90), clamp(bounds.getEast(), -180, 180), clamp(bounds.getNorth(), -90, 90)]
    .map(fixed).join(',');
}

/**
 * A delete button that asks again in place ("Delete? Yes / Keep") instead of a browser dialog, so that it works by
 * keyboard and says what failed beside itself.
 */
export function confirmButton(label, question, action, { id } = {}) {
  const box = h('span', { class: 'confirm' });
  const ask = () => {
    const yes = h('button', { type: 'button', class: 'danger', id: id ? `${id}-yes` : undefined }, 'Yes, delete');
    const keep = h('button', { type: 'button', onclick: idle }, 'Keep');
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      keep.disabled = true;
      try {
        await action();
      } catch (error) {
        render(box, message('error', error.message), h('button', { type: 'button', class: 'danger', onclick: ask }, label));
      }
    });
    render(box, h('span', { role: 'alert' }, question), ' ', yes, ' ', keep);
    yes.focus();
  };
  function idle() { render(box, h('button', { type: 'button', class: 'danger', id, onclick: ask }, label)); }
  idle();
  return box;
}

/** Fetches a file of the API with the user's token and saves it under `filename`. */
export async function download(api, path, filename) {
  let response;
  try {
    response = await fetch(path, { headers: { Authorization: `Bearer ${await api.token()}` } });
  } catch {
    throw new ApiError(0, describeProblem(0));
  }
  if (!response.ok) {
    let body = null;
    try { body = await response.json(); } catch { body = null; }
    throw new ApiError(response.status, describeProblem(response.status, body), body);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A file name from a person's text: letters and digits kept, the rest dashes. */
export const fileName = (text, fallback) => (String(text ?? '').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || fallback);

/** On a phone the list sits below the map: picking from it brings the map back into view. */
export function showMap(mapEl) {
  if (window.matchMedia('(max-width: 899px)').matches) mapEl.scrollIntoView({ block: 'start' });
}
