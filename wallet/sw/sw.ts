/**
 * The wallet's service worker (scope /wallet/): precaches the whole app shell listed in
 * js/shell.js (written by the build, with a version that changes whenever any file does) and
 * serves it from the cache, so the wallet opens and shows codes with no network at all. The API
 * (/v1/) is never cached here: the app keeps its own data in IndexedDB.
 */
importScripts('js/shell.js');

/** The shell the build listed: its version and files, relative to this worker. */
interface Shell {
  readonly version: string;
  readonly files: readonly string[];
}

function serviceWorkerScope(): ServiceWorkerGlobalScope {
  if (!(self instanceof ServiceWorkerGlobalScope)) throw new Error('sw.js runs only as a service worker');
  return self;
}

const worker = serviceWorkerScope();
const CACHE_PREFIX = 'dol-wallet-shell-';

function readShell(value: unknown): Shell {
  if (typeof value !== 'object' || value === null) throw new Error('js/shell.js did not set WALLET_SHELL');
  const version: unknown = Reflect.get(value, 'version');
  const files: unknown = Reflect.get(value, 'files');
  if (typeof version !== 'string' || !Array.isArray(files) || !files.every((f): f is string => typeof f === 'string')) {
    throw new Error('WALLET_SHELL is not {version, files}');
  }
  return { version, files };
}

const shell = readShell(Reflect.get(worker, 'WALLET_SHELL'));
const cacheName = `${CACHE_PREFIX}${shell.version}`;
const scope = new URL(worker.registration.scope);

async function precache(): Promise<void> {
  const cache = await caches.open(cacheName);
  // cache: 'reload' skips the HTTP cache: the precache holds exactly this build's files.
  await cache.addAll(shell.files.map((f) => new Request(new URL(f, scope), { cache: 'reload' })));
}

async function dropOldCaches(): Promise<void> {
  for (const name of await caches.keys()) if (name.startsWith(CACHE_PREFIX) && name !== cacheName) await caches.delete(name);
}

async function fromShell(request: Request): Promise<Response> {
  const cache = await caches.open(cacheName);
  // A navigation inside the scope is the app itself: index.html, whatever the hash or query.
  const hit = request.mode === 'navigate' ? await cache.match(new URL('index.html', scope)) : await cache.match(request, { ignoreSearch: true });
  return hit ?? fetch(request);
}

worker.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => worker.skipWaiting()));
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(dropOldCaches().then(() => worker.clients.claim()));
});

worker.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  event.respondWith(fromShell(event.request));
});
