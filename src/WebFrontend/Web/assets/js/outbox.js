// The canvasser app's outbox: every visit and GPS point is written to IndexedDB first and sent from there, so
// nothing recorded is lost to a dead network, a closed tab or a reload. The API makes resending harmless: a visit
// carries its clientVisitId (the same id again answers the visit first stored) and a point its seq (a seq already
// stored counts as a duplicate). An item leaves the outbox only once the server has answered it. Visits travel on the
// live connection while it is open, as requests otherwise.

const DB_NAME = 'cml-volunteer';
const DB_VERSION = 1;

let dbPromise = null;
function db() {
  dbPromise ??= new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, DB_VERSION);
    open.onupgradeneeded = () => {
      const d = open.result;
      if (!d.objectStoreNames.contains('outbox')) d.createObjectStore('outbox', { keyPath: 'key' });
      if (!d.objectStoreNames.contains('kv')) d.createObjectStore('kv');
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  return dbPromise;
}

async function tx(store, mode, work) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(store, mode);
    let result;
    Promise.resolve(work(t.objectStore(store))).then((r) => { result = r; });
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error ?? new Error('storage transaction aborted'));
  });
}

const req = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

/** A small key-value store beside the outbox: the session and walk list, so a reload offline still shows them. */
export const kv = {
  get: (key) => tx('kv', 'readonly', (s) => req(s.get(key))),
  set: (key, value) => tx('kv', 'readwrite', (s) => { s.put(value, key); }),
  del: (key) => tx('kv', 'readwrite', (s) => { s.delete(key); }),
};

const all = () => tx('outbox', 'readonly', (s) => req(s.getAll()));

/**
 * createOutbox(api, { onChange, live }) → { addVisit, addPoints, flush, status }.
 * onChange({ pending, rejected, sending, lastError }) is called whenever the counts change.
 * live() gives the app's live connection (live.js), or nothing: visits travel on it while it is connected.
 */
export function createOutbox(api, { onChange, live } = {}) {
  let sending = null;
  let lastError = null;
  let retryTimer = null;
  let delayMs = 2000;

  async function status() {
    const items = await all();
    const rejected = items.filter((i) => i.rejected);
    return {
      pending: items.length - rejected.length,
      pendingVisits: items.filter((i) => !i.rejected && i.kind === 'visit').length,
      rejected,
      sending: !!sending,
      lastError,
    };
  }

  const changed = async () => onChange?.(await status());

  async function put(items, sendNow) {
    await tx('outbox', 'readwrite', (s) => { for (const item of items) s.put(item); });
    await changed();
    if (sendNow) flush();
  }

  /** Stores a visit for `sessionId`; `body` is the RecordVisitRequest with its clientVisitId. */
  const addVisit = (sessionId, body) =>
    put([{ key: `visit:${body.clientVisitId}`, kind: 'visit', sessionId, body, createdAt: Date.now() }], true);

  /**
   * Stores GPS points (each with its seq) for `sessionId`. They are sent in batches: with the next visit, every half
   * minute, or once 20 are waiting, not one request per fix.
   */
  async function addPoints(sessionId, points) {
    await put(points.map((p) => ({ key: `point:${sessionId}:${String(p.seq).padStart(16, '0')}`, kind: 'point', sessionId, body: p, createdAt: Date.now() })), false);
    if ((await status()).pending >= 20) flush();
  }

  const remove = (keys) => tx('outbox', 'readwrite', (s) => { for (const k of keys) s.delete(k); });

  const reject = (items, error) => tx('outbox', 'readwrite', (s) => {
    for (const item of items) s.put({ ...item, rejected: { status: error.status, message: error.message } });
  });

  /** Drops the items the server refused for good (the user has read why). */
  async function dismissRejected() {
    const items = (await all()).filter((i) => i.rejected);
    await remove(items.map((i) => i.key));
    await changed();
  }

  /**
   * A visit goes as one message on the open live connection: it was authenticated once, so the server skips what each
   * request costs again. Whatever that does not deliver (no connection, a refusal) goes as a request, whose answer is
   * the API's word on it; sending a visit twice is harmless, its clientVisitId answers the first.
   */
  async function sendVisit(item) {
    const connection = live?.();
    if (connection?.connected()) {
      try {
        await connection.invoke('RecordVisit', item.sessionId, item.body);
        return;
      } catch {
        // sent as a request below
      }
    }
    await api.post(`/api/canvass/sessions/${item.sessionId}/visits`, item.body);
  }

  async function sendAll() {
    const items = (await all()).filter((i) => !i.rejected).sort((a, b) => a.createdAt - b.createdAt);
    // Visits first, in the order they were recorded; then each session's points in batches of at most 1000.
    for (const item of items.filter((i) => i.kind === 'visit')) {
      try {
        await sendVisit(item);
        await remove([item.key]);
      } catch (error) {
        if (error.retryable || error.status === 401) throw error;
        await reject([item], error);
      }
      await changed();
    }
    const points = items.filter((i) => i.kind === 'point');
    const bySession = Map.groupBy ? Map.groupBy(points, (p) => p.sessionId) : points.reduce((m, p) => m.set(p.sessionId, [...(m.get(p.sessionId) ?? []), p]), new Map());
    for (const [sessionId, list] of bySession) {
      for (let i = 0; i < list.length; i += 1000) {
        const batch = list.slice(i, i + 1000);
        try {
          await api.post(`/api/canvass/sessions/${sessionId}/points`, { points: batch.map((b) => b.body) });
          await remove(batch.map((b) => b.key));
        } catch (error) {
          if (error.retryable || error.status === 401) throw error;
          // A closed trail (the session ended) keeps no more points: they are dropped, not shown as failures.
          if (error.status === 409 || error.status === 404) await remove(batch.map((b) => b.key));
          else await reject(batch, error);
        }
        await changed();
      }
    }
  }

  /** Sends everything pending now (one run at a time); on a network failure, tries again with a growing delay. */
  function flush() {
    if (sending) return sending;
    clearTimeout(retryTimer);
    sending = (async () => {
      try {
        if (navigator.onLine === false) throw Object.assign(new Error('Offline: saved on this phone, sent when the network is back.'), { offline: true });
        await changed();
        await sendAll();
        lastError = null;
        delayMs = 2000;
      } catch (error) {
        lastError = error.message;
        const { pending } = await status();
        if (pending > 0 && !error.offline) {
          retryTimer = setTimeout(flush, delayMs);
          delayMs = Math.min(delayMs * 2, 60_000);
        }
      } finally {
        sending = null;
        await changed();
      }
    })();
    return sending;
  }

  window.addEventListener('online', () => { delayMs = 2000; flush(); });
  window.addEventListener('offline', () => changed());
  // A phone that never fires 'online' (a captive portal, a flaky cell) is tried again every half minute.
  setInterval(() => { if (!sending) flush(); }, 30_000);

  return { addVisit, addPoints, flush, status, dismissRejected };
}
