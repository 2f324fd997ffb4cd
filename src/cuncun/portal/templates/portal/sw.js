{% load i18n %}// The console's service worker (portal/offline.py renders it; its version changes with it and
// with the files it keeps). The console's pages: from the network when there is one (and kept),
// from the phone's copy when there is none. Static files: from the phone's copy first. Everything
// else, and every POST, goes to the network untouched: the actions done offline wait in the
// page's own queue (core/static/core/offline.js), never here.
"use strict";
var VERSION = "{{ version|escapejs }}";
var STATIC_CACHE = "cuncun-static-" + VERSION;
var PAGE_CACHE = "cuncun-pages-" + VERSION;
var STATIC_URLS = [{% for url in static_urls %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
var PAGES = [{% for path in pages %}"{{ path|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
var STATIC_PREFIX = "{{ static_prefix|escapejs }}";
var LOGOUT = "{{ logout|escapejs }}";
var HOME = "{{ home|escapejs }}";
var CONTENT_SECURITY_POLICY = "{{ content_security_policy|escapejs }}";
var OFFLINE_PAGE =
  '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">' +
  '<meta name="viewport" content="width=device-width, initial-scale=1">' +
  '<link rel="stylesheet" href="{{ stylesheet|escapejs }}">' +
  "<title>{% translate "No connection"|escapejs %}</title></head>" +
  '<body><main class="page"><h1>{% translate "No connection"|escapejs %}</h1>' +
  "<p>{% translate "This page was not opened on this phone before, so there is no copy of it here."|escapejs %}</p>" +
  '<p><a href="' + HOME + '">{% translate "Back to the console"|escapejs %}</a></p></main></body></html>';

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE).then(function (cache) { return cache.addAll(STATIC_URLS); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  // An older version's copies go: a page kept by it may name static files that changed.
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("cuncun-") === 0 && name !== STATIC_CACHE && name !== PAGE_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function isConsolePage(url) {
  return url.origin === self.location.origin && PAGES.some(function (path) {
    return url.pathname.indexOf(path) === 0;
  });
}

function worthKeeping(response) {
  // Only a page the person really saw: not a login page they were sent to, not an error.
  return response.ok && !response.redirected && response.type === "basic";
}

function keep(request, response) {
  if (worthKeeping(response)) store(request, response.clone());
  return response;
}

function store(request, response) {
  // The whole page is read before it replaces the copy: Chromium's cache.put drops the old entry
  // when it starts writing a streamed body, so a connection lost halfway through a refresh would
  // leave the phone with no copy at all (the operator's "no copy here" page).
  return response.blob().then(function (body) {
    var whole = new Response(body, {
      status: response.status, statusText: response.statusText, headers: response.headers
    });
    return caches.open(PAGE_CACHE).then(function (cache) { return cache.put(request, whole); });
  }).catch(function () {});
}

function fromCopy(request) {
  return caches.open(PAGE_CACHE).then(function (cache) {
    // The page's Vary (Cookie, language) cannot match here: the cookies are not visible to the
    // worker, and the copies are this phone's person's anyway (they go at logout).
    return cache.match(request, { ignoreVary: true }).then(function (found) {
      return found || cache.match(request, { ignoreVary: true, ignoreSearch: true });
    });
  }).then(function (found) {
    var headers = { "Content-Type": "text/html; charset=utf-8" };
    if (CONTENT_SECURITY_POLICY) headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY;
    return found || new Response(OFFLINE_PAGE, { status: 503, headers: headers });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method === "POST" && url.pathname === LOGOUT) {
    // The pages kept show the point's parcels and people: they leave with the person.
    caches.delete(PAGE_CACHE);
    return;
  }
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(caches.match(request).then(function (found) {
      return found || fetch(request);
    }));
    return;
  }
  if (request.mode === "navigate" && isConsolePage(url)) {
    event.respondWith(fetch(request).then(function (response) {
      return keep(request, response);
    }, function () { return fromCopy(request); }));
  }
});

// A page asks for the pages it links to be kept (the console's counters, the cash
// confirmations), so that they open offline even if the person has not opened them yet.
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  event.waitUntil(Promise.all(urls.map(function (href) {
    var url = new URL(href, self.location.origin);
    if (!isConsolePage(url)) return null;
    var request = new Request(url.href, { credentials: "same-origin" });
    return fetch(request).then(function (response) {
      if (worthKeeping(response)) return store(request, response);
    }, function () {});
  })));
});
