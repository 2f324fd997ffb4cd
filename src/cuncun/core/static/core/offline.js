// The counter pages' offline queue. With no connection, a form marked data-offline (a handover,
// a check-in, a cash confirmation) is not posted: it is kept in this phone's IndexedDB with an
// idempotency key of its own, counted on screen ("not yet sent: N"), and posted when the
// connection is back, to its own address with the key in a header. The server answers in JSON
// (core/offline.py): done (the item goes), or refused (the item stays, with the reason, until
// the operator has put it right). Nothing is dropped without the operator seeing it.
// The service worker (/sw.js) keeps the pages themselves so that they open offline.
(function () {
  "use strict";
  var box = document.getElementById("outbox");
  if (!box || !window.indexedDB) return;
  var DB_NAME = "cuncun-offline";
  var STORE = "actions";
  var FLASH = "cuncun-offline-flash";
  var syncing = false;

  function text(name, values) {
    var template = box.getAttribute("data-text-" + name) || "";
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return values && key in values ? values[key] : "";
    });
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // One transaction on the store: `work` gets the store; resolves with its request's result.
  function withStore(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request && request.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.queuedAt - b.queuedAt; });
    });
  }
  function put(item) { return withStore("readwrite", function (store) { return store.put(item); }); }
  function remove(key) { return withStore("readwrite", function (store) { return store.delete(key); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // What just happened (kept, sent, logged out): one line under the state.
  function say(message) {
    document.getElementById("outbox-notice").textContent = message;
  }

  function listItem(item, withResolve) {
    var li = document.createElement("li");
    var label = document.createElement("b");
    label.textContent = item.label;
    li.appendChild(label);
    if (item.message) {
      var why = document.createElement("span");
      why.className = "outbox-why";
      why.textContent = item.message;
      li.appendChild(why);
    }
    if (withResolve) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button secondary";
      button.textContent = text("resolve");
      button.addEventListener("click", function () { remove(item.key).then(render); });
      li.appendChild(button);
    }
    return li;
  }

  function render() {
    return all().then(function (items) {
      var pending = items.filter(function (i) { return i.state === "pending"; });
      var refused = items.filter(function (i) { return i.state === "refused"; });
      var pendingList = document.getElementById("outbox-pending");
      var refusedList = document.getElementById("outbox-refused");
      pendingList.replaceChildren.apply(pendingList, pending.map(function (i) { return listItem(i, false); }));
      refusedList.replaceChildren.apply(refusedList, refused.map(function (i) { return listItem(i, true); }));
      document.getElementById("outbox-count").textContent = pending.length ? text("pending", { n: pending.length }) : "";
      document.getElementById("outbox-refused-title").textContent = text("refused");
      document.getElementById("outbox-refused-box").hidden = !refused.length;
      var send = document.getElementById("outbox-send");
      send.textContent = text("retry");
      send.hidden = !pending.length || !navigator.onLine;
      document.getElementById("outbox-state").textContent = navigator.onLine ? "" : text("offline");
      box.hidden = navigator.onLine && !pending.length && !refused.length &&
        !document.getElementById("outbox-notice").textContent;
    });
  }

  function queue(form) {
    var fields = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") fields.append(name, value);
    });
    var subject = form.getAttribute("data-offline-subject");
    var label = form.getAttribute("data-offline-label") || "";
    if (subject && fields.get(subject)) label += " " + fields.get(subject).trim().toUpperCase();
    var item = {
      // Not form.action: a field named "action" (the scan form has one) hides it.
      key: newKey(), url: new URL(form.getAttribute("action") || "", window.location.href).href, body: fields.toString(), label: label,
      queuedAt: Date.now(), state: "pending", message: ""
    };
    // Emptied at once, not once the phone has saved it: the operator typing the next waybill
    // meanwhile (a slow phone takes a moment) would have it wiped under their fingers.
    form.reset();
    return put(item).then(function () {
      var notice = text("queued", { label: label });
      var next = form.querySelector("input[name=next]");
      if (next && next.value) {
        sessionStorage.setItem(FLASH, notice);
        window.location.href = next.value;
        return;
      }
      say(notice);
      render();
      var first = form.querySelector("input:not([type=hidden])");
      if (first) first.focus();
    }, function () {
      // Not kept (the phone's storage full or refused): the fields come back to send again.
      fields.forEach(function (value, name) {
        var field = form.elements[name];
        if (field && field.type !== "hidden" && "value" in field) field.value = value;
      });
      say(text("not-kept"));
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-offline") || navigator.onLine) return;
    event.preventDefault();
    queue(form);
  });

  // Send what waits, oldest first. A lost connection stops the round (the rest wait for the
  // next); a logged-out session too (the login page is not JSON).
  function send(item) {
    return fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "Idempotency-Key": item.key,
        "X-CSRFToken": csrfToken()
      },
      body: item.body
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) throw new Error("login");
      return response.json();
    }).then(function (answer) {
      if (answer.outcome === "done") {
        say(text("sent", { label: item.label, message: answer.message }));
        return remove(item.key);
      }
      item.state = "refused";
      item.message = answer.message;
      return put(item);
    });
  }

  function sync() {
    if (syncing || !navigator.onLine) return Promise.resolve();
    syncing = true;
    return all().then(function (items) {
      var pending = items.filter(function (i) { return i.state === "pending"; });
      return pending.reduce(function (chain, item) {
        return chain.then(function () { return send(item); });
      }, Promise.resolve());
    }).catch(function (error) {
      if (error && error.message === "login") say(text("login"));
    }).then(function () {
      syncing = false;
      return render();
    });
  }

  function keepLinkedPages() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(box.getAttribute("data-service-worker")).catch(function () {});
    navigator.serviceWorker.ready.then(function (registration) {
      var urls = [window.location.href];
      document.querySelectorAll("a[data-offline-page]").forEach(function (a) { urls.push(a.href); });
      if (registration.active) registration.active.postMessage({ keep: urls });
    });
  }

  window.addEventListener("online", function () { say(""); sync(); });
  window.addEventListener("offline", render);
  document.getElementById("outbox-send").addEventListener("click", sync);
  var flash = sessionStorage.getItem(FLASH);
  if (flash) {
    sessionStorage.removeItem(FLASH);
    say(flash);
  }
  render().then(sync);
  if (navigator.onLine) keepLinkedPages();
})();
