// The API client every page uses: JSON in and out, the signed-in user's tokens (refreshed once on a 401), and every
// failure turned into words a person can read (problem+json's field errors, detail or title; no connection).

/** A failed call: `status` 0 means the server was not reached. `fields` holds problem+json's errors by field. */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body ?? null;
    this.fields = body?.errors ?? {};
    this.reason = body?.reason ?? null;
  }

  /** Not reached, or a server-side trouble worth trying again later (not a refusal of the request itself). */
  get retryable() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

const fieldName = (field) => field.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/\[(\d+)\]/g, ' $1').toLowerCase();

/** Words for a problem+json body (RFC 7807) or any other failed answer. */
export function describeProblem(status, body) {
  if (status === 0) return 'No connection to the server. Check your network and try again.';
  const parts = [];
  if (body && typeof body === 'object') {
    if (body.errors && typeof body.errors === 'object') {
      for (const [field, messages] of Object.entries(body.errors)) {
        const text = Array.isArray(messages) ? messages.join(' ') : String(messages);
        parts.push(field ? `${fieldName(field)}: ${text}` : text);
      }
    }
    if (parts.length === 0 && body.detail) parts.push(body.detail);
    if (parts.length === 0 && body.title) parts.push(body.title);
    if (status === 429 && body.retryAfterSeconds) parts.push(`Try again in ${body.retryAfterSeconds} s.`);
  }
  if (parts.length === 0) {
    parts.push({
      401: 'Please sign in again.',
      403: 'You are not allowed to do this.',
      404: 'Not found.',
      409: 'This cannot be done in its current state.',
      413: 'That is too large.',
      429: 'Too many attempts; wait a moment and try again.',
    }[status] ?? (status >= 500 ? 'The server had a problem; try again in a moment.' : `The request failed (${status}).`));
  }
  return parts.join(' ');
}

const withExpiry = (signIn) => ({ ...signIn, expiresAt: Date.now() + (signIn.expiresIn ?? 900) * 1000 });

/**
 * A client for one app ("volunteer", "admin", "public"): its sign-in is kept in localStorage under its own key, so
 * the canvasser app and the admin console on one browser do not share an account by accident.
 */
export function createApi(app = 'public') {
  const key = `cml.auth.${app}`;
  let auth = null;
  try { auth = JSON.parse(localStorage.getItem(key) ?? 'null'); } catch { auth = null; }
  let refreshing = null;
  const listeners = new Set();

  const save = (value) => {
    auth = value;
    if (value) localStorage.setItem(key, JSON.stringify(value)); else localStorage.removeItem(key);
    for (const listener of listeners) listener(auth);
  };

  async function send(method, path, body, token) {
    const headers = { Accept: 'application/json, application/problem+json' };
    // A FormData body (a file upload) sets its own multipart content type.
    const form = body instanceof FormData;
    if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : form ? body : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, describeProblem(0));
    }
    const text = await response.text().catch(() => '');
    let parsed = null;
    if (text) { try { parsed = JSON.parse(text); } catch { parsed = null; } }
    if (!response.ok) throw new ApiError(response.status, describeProblem(response.status, parsed), parsed);
    return parsed;
  }

  async function refresh() {
    if (!auth?.refreshToken) return false;
    refreshing ??= send('POST', '/api/auth/refresh', { refreshToken: auth.refreshToken })
      .then((signIn) => { save(withExpiry(signIn)); return true; })
      .catch((error) => { if (!error.retryable) save(null); return false; })
      .finally(() => { refreshing = null; });
    return refreshing;
  }

  async function request(method, path, body) {
    try {
      return await send(method, path, body, auth?.accessToken);
    } catch (error) {
      if (error.status === 401 && auth?.refreshToken && path !== '/api/auth/login' && await refresh())
        return send(method, path, body, auth?.accessToken);
      throw error;
    }
  }

  return {
    get user() { return auth?.user ?? null; },
    get signedIn() { return !!auth?.accessToken; },
    /** The access token, refreshed first when it is about to expire (the live hub reads it on each connect). */
    async token() {
      if (auth?.accessToken && auth.expiresAt && Date.now() > auth.expiresAt - 30_000) await refresh();
      return auth?.accessToken ?? '';
    },
    onChange(listener) { listeners.add(listener); },
    async login(email, password) {
      const signIn = await send('POST', '/api/auth/login', { email, password });
      save(withExpiry(signIn));
      return signIn.user;
    },
    async logout() {
      const current = auth;
      save(null);
      if (current?.refreshToken)
        await send('POST', '/api/auth/logout', { refreshToken: current.refreshToken }, current.accessToken).catch(() => {});
    },
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
    /** multipart/form-data, e.g. an import's file. */
    upload: (path, formData) => request('POST', path, formData),
    put: (path, body) => request('PUT', path, body),
    patch: (path, body) => request('PATCH', path, body),
    del: (path) => request('DELETE', path),
  };
}

/** The site's web settings (map tiles), read once per page. */
let config = null;
export async function webConfig() {
  config ??= fetch('/api/web/config').then((r) => r.json()).catch(() => ({ mapTileUrl: '', mapTileAttribution: '' }));
  return config;
}

/**
 * A call through XMLHttpRequest with the signed-in user's token: `onProgress(sent, total)` follows an upload's bytes
 * (fetch reports no upload progress), `signal` (an AbortSignal) stops it, and failures are ApiErrors worded like every other call's.
 */
export async function sendWithProgress(api, method, path, body, onProgress, signal) {
  const token = await api.token();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.open(method, path);
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    const form = body instanceof FormData;
    if (body !== undefined && !form) xhr.setRequestHeader('Content-Type', 'application/json');
    if (onProgress) xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); });
    xhr.addEventListener('error', () => reject(new ApiError(0, describeProblem(0))));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'The upload was stopped.')));
    xhr.addEventListener('load', () => {
      let parsed = null;
      if (xhr.responseText) { try { parsed = JSON.parse(xhr.responseText); } catch { parsed = null; } }
      if (xhr.status >= 200 && xhr.status < 300) resolve(parsed);
      else reject(new ApiError(xhr.status, describeProblem(xhr.status, parsed), parsed));
    });
    xhr.send(body === undefined ? null : form ? body : JSON.stringify(body));
  });
}

/**
 * The organisation's name and public theme (GET /api/public/settings) on a public page: the header's name, the
 * window title's suffix, the brand colour or header gradient, and the footer text. Colours are set through the
 * style object (allowed by the pages' style-src 'self'); a failure leaves the page as it was.
 */
export async function applyPublicSettings() {
  let s;
  try {
    const response = await fetch('/api/public/settings', { headers: { Accept: 'application/json' } });
    if (!response.ok) return null;
    s = await response.json();
  } catch {
    return null;
  }
  const name = s.organizationName || 'Changemaker Lite';
  const link = document.querySelector('.topbar h1 a');
  if (link) link.textContent = name;
  document.title = document.title.replace(/Changemaker Lite$/, name);
  if (/^#[0-9a-fA-F]{3,8}$/.test(s.publicColorPrimary ?? '')) {
    document.documentElement.style.setProperty('--blue', s.publicColorPrimary);
    document.documentElement.style.setProperty('--blue-2', s.publicColorPrimary);
  }
  const bar = document.querySelector('.topbar');
  if (bar && s.publicHeaderGradient) bar.style.background = s.publicHeaderGradient;
  if (s.organizationFaviconUrl) document.querySelector('link[rel="icon"]')?.setAttribute('href', s.organizationFaviconUrl);
  if (s.footerText && !document.getElementById('site-footer')) {
    const footer = document.createElement('footer');
    footer.id = 'site-footer';
    footer.className = 'site-footer muted';
    footer.textContent = s.footerText;
    document.body.append(footer);
  }
  return s;
}
