// Service worker: reminder notifications (web push) and the offline diary. No health
// details are ever sent in a notification; it only says what to do and links to the app.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var title = data.title || "Sleep Better";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    icon: "/static/img/moon.svg",
    data: { url: data.url || "/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(clients.openWindow(url));
});

// --- The offline diary (docs/offline.md) -------------------------------------------
// Pages: network first, the copy kept on this phone when there is no connection. Only
// pages the server marks (the X-Offline-Cache header, program/offline.py) are kept, in a
// cache named after their user: a page for another user empties it first. Signing out
// (a POST to LOGOUT) and the sign-in page empty every kept page and the nights waiting
// in IndexedDB (static/js/offline.js) is deleted on sign-out.
var PAGES = "cbti-pages-";          // + the user's id
var STATIC = "cbti-static-v1";      // the stylesheet, scripts and icons: nobody's data
var DATABASE = "cbti-offline";      // the nights waiting to be sent (static/js/offline.js)
var LOGOUT = "/accounts/logout/";   // tests/program/test_offline_pages.py holds these to
var LOGIN = "/accounts/login/";     // the URLs Django gives

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function pageCaches() {
  return caches.keys().then(function (names) {
    return names.filter(function (name) { return name.indexOf(PAGES) === 0; });
  });
}

function forgetPages() {
  return pageCaches().then(function (names) {
    return Promise.all(names.map(function (name) { return caches.delete(name); }));
  });
}

function forgetEverything() {
  return Promise.all([
    forgetPages(),
    new Promise(function (resolve) {
      var request = indexedDB.deleteDatabase(DATABASE);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    })
  ]);
}

// Kept under the address without its query (?start=last and the like are not kept).
function keepPage(owner, url, response) {
  var mine = PAGES + owner;
  return pageCaches().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== mine; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () {
    return caches.open(mine);
  }).then(function (cache) { return cache.put(url, response); });
}

function freshKey() {
  var bytes = new Uint8Array(16);
  self.crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode.apply(null, bytes))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// A kept diary form gets a new submission key each time it is opened, as the server
// gives one per form: two nights typed offline are two nights, while one night sent
// twice (a retry, a second tab) keeps its key and is saved once.
function keptPage(url) {
  return pageCaches().then(function (names) {
    if (!names.length) { return null; }
    return caches.open(names[0]).then(function (cache) { return cache.match(url, { ignoreSearch: true }); });
  }).then(function (response) {
    if (!response) { return null; }
    return response.text().then(function (html) {
      html = html.replace(/(name="submission_key" value=")[^"]*(")/, function (all, before, after) {
        return before + freshKey() + after;
      });
      return new Response(html, { status: 200, headers: response.headers });
    });
  });
}

function page(request) {
  var url = new URL(request.url);
  return fetch(request).then(function (response) {
    var owner = response.headers.get("X-Offline-Cache");
    if (response.ok && owner && !url.search) {
      keepPage(owner, url.origin + url.pathname, response.clone());
    } else if (response.ok && url.pathname === LOGIN) {
      // Nobody is signed in: the kept pages go (the nights waiting stay, to be sent).
      return forgetPages().then(function () { return response; });
    }
    return response;
  }).catch(function (error) {
    return keptPage(url.origin + url.pathname).then(function (kept) {
      if (kept) { return kept; }
      throw error;
    });
  });
}

function staticFile(request) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(STATIC).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function (error) {
    return caches.match(request, { cacheName: STATIC }).then(function (kept) {
      if (kept) { return kept; }
      throw error;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && url.pathname === LOGOUT) {
    event.respondWith(forgetEverything().catch(function () {}).then(function () { return fetch(request); }));
    return;
  }
  if (request.method !== "GET") { return; }
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staticFile(request));
  }
});

// A patient page asks for the pages and files it lists to be kept (once: a page already
// kept is refreshed when it is next opened with a connection).
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) { return; }
  event.waitUntil(Promise.all(data.urls.map(function (address) {
    var url = new URL(address, self.location.origin);
    if (url.origin !== self.location.origin) { return null; }
    var isStatic = url.pathname.indexOf("/static/") === 0;
    var lookup = isStatic ? caches.match(url.href, { cacheName: STATIC }) : keptPage(url.href);
    return lookup.then(function (kept) {
      if (kept) { return null; }
      // Marked, so that a page answering with a message and a redirect ("Your diary is
      // complete…") leaves no message for the next page (program.offline.kept_offline).
      var asked = { credentials: "same-origin", redirect: "manual", headers: { "X-Offline-Keep": "1" } };
      return fetch(url.href, asked).then(function (response) {
        var owner = response.headers.get("X-Offline-Cache");
        if (isStatic && response.ok) {
          return caches.open(STATIC).then(function (cache) { return cache.put(url.href, response); });
        }
        if (response.ok && owner && !url.search) { return keepPage(owner, url.href, response); }
        return null;
      });
    }).catch(function () { return null; });
  })));
});
