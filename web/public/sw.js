// Coplan's service worker: keeps the app shell (index.html) and its hashed assets, so a page
// reloaded without a network still opens and the unit kept in IndexedDB can be worked on. Pages
// come from the network when it answers (network first) and from the cache when it does not;
// hashed assets never change, so they come from the cache first. /api/ is never touched: no user
// data goes into this cache.
const CACHE = "coplan-shell-v1";
const SHELL = "/";
/** How long a page load waits for the network before the kept shell is used. */
const NETWORK_WAIT_MS = 4000;

const assetsOf = (html) => [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);

/** Keeps a fresh shell and the assets it names; drops assets that no longer belong to it. */
async function keepShell(cache, res) {
  const html = await res.clone().text();
  const assets = assetsOf(html);
  await Promise.all(
    assets.map(async (a) => {
      if (await cache.match(a)) return;
      const r = await fetch(a);
      if (r.ok) await cache.put(a, r);
    }),
  );
  await cache.put(SHELL, res);
  for (const req of await cache.keys()) {
    const path = new URL(req.url).pathname;
    if (path.startsWith("/assets/") && !assets.includes(path)) await cache.delete(req);
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const res = await fetch(SHELL, { cache: "no-cache" });
      if (res.ok) await keepShell(cache, res);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith("coplan-") && name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

/** A page load: the network's answer, or the kept shell when the network fails or is slow. */
function page(event) {
  const network = fetch(event.request);
  const copy = network.then((res) => res.clone()); // before the page starts reading the body
  let servedKept = false;
  event.waitUntil(
    (async () => {
      const res = await copy.catch(() => null);
      if (!res?.ok || !(res.headers.get("Content-Type") ?? "").startsWith("text/html")) return;
      const cache = await caches.open(CACHE);
      // A shell that arrives after the kept one was used is kept for next time, without dropping
      // the assets the open page is loading.
      if (servedKept) await cache.put(SHELL, res);
      else await keepShell(cache, res);
    })(),
  );
  const timeout = new Promise((_, fail) => setTimeout(() => fail(new Error("slow network")), NETWORK_WAIT_MS));
  return Promise.race([network, timeout]).catch(async () => {
    const kept = await caches.match(SHELL, { cacheName: CACHE });
    if (!kept) return network;
    servedKept = true;
    return kept;
  });
}

async function asset(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok) await cache.put(request, res.clone());
  return res;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") event.respondWith(page(event));
  else if (url.pathname.startsWith("/assets/")) event.respondWith(asset(request));
});
