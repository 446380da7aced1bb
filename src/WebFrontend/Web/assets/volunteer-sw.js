// The canvasser app's service worker: it keeps the app shell (the page, its scripts, styles and libraries) so the
// app opens without a network. The server writes the UI's version and the shell's addresses in; a new version
// installs a new cache and drops the old. API calls are never answered from here: the app's outbox handles them.
const VERSION = '__VERSION__';
const SHELL = __SHELL__;
const CACHE = `cml-volunteer-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('cml-volunteer-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const shell = url.pathname === '/volunteer' || url.pathname.startsWith('/web/');
  if (!shell) return;
  // The shell from the cache first (it matches this worker's version); anything else of /web/ from the network.
  event.respondWith(caches.open(CACHE).then(async (cache) => {
    const hit = await cache.match(url.pathname === '/volunteer' ? '/volunteer' : request, { ignoreSearch: true });
    return hit ?? fetch(request);
  }));
});
