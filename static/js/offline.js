// The offline diary (docs/offline.md), on patient pages only; every page works without it.
// 1. Registers the service worker (static/js/sw.js) and asks it to keep the pages this
//    page lists (Today, the diary and its form, the programme) for when there is no
//    connection.
// 2. The diary form sent without a connection: the night is kept in IndexedDB (this
//    user's, with the form's submission key) and the page says so.
// 3. With a connection again (and on every page load), the nights waiting are sent to
//    the server one by one; "Sent" is shown only when the server has answered that the
//    night is saved. The key makes a retry, or a second tab, save nothing twice.
(function () {
  "use strict";
  var box = document.getElementById("offline-status");
  if (!box || !window.indexedDB || !window.fetch) { return; }
  var user = box.getAttribute("data-user");
  var DATABASE = "cbti-offline";
  var STORE = "nights";

  function text(name) { return box.getAttribute("data-text-" + name) || ""; }
  function say(words, link, linkText) {
    box.textContent = words;
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = linkText;
      box.appendChild(document.createTextNode(" "));
      box.appendChild(a);
    }
    box.hidden = !words;
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(box.getAttribute("data-worker"), { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        var urls = (box.getAttribute("data-keep") || "").split(" ").filter(Boolean);
        document.querySelectorAll("link[rel=stylesheet], script[src], link[rel=apple-touch-icon]")
          .forEach(function (el) { urls.push(el.getAttribute("href") || el.getAttribute("src")); });
        registration.active.postMessage({ type: "keep", urls: urls });
      })
      .catch(function () { /* no offline copy: the pages still work online */ });
  }

  // IndexedDB, opened for each use and closed after, so signing out can delete it.
  function withStore(mode, work) {
    return new Promise(function (resolve, reject) {
      var opening = window.indexedDB.open(DATABASE, 1);
      opening.onupgradeneeded = function () { opening.result.createObjectStore(STORE, { keyPath: "key" }); };
      opening.onerror = function () { reject(opening.error); };
      opening.onsuccess = function () {
        var db = opening.result;
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      };
    });
  }
  function mine() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (all) {
      return (all || []).filter(function (night) { return night.user === user; });
    });
  }
  function keep(night) { return withStore("readwrite", function (store) { store.put(night); }); }
  function forget(key) { return withStore("readwrite", function (store) { store.delete(key); }); }

  var form = document.querySelector("form.diary-form[data-offline]");

  function fill(fields) {
    var given = {};
    fields.forEach(function (pair) { (given[pair[0]] = given[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in given) || el.name === "csrfmiddlewaretoken") { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = given[el.name].indexOf(el.value) !== -1;
      } else {
        el.value = given[el.name][0];
      }
    });
    form.dispatchEvent(new Event("change"));
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) { return; }  // with a connection, the form is sent as always
      event.preventDefault();
      var fields = [];
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrfmiddlewaretoken") { fields.push([name, String(value)]); }
      });
      var key = form.elements.submission_key.value;
      // The same form saved twice (a double tap) is the same night: one row, one key.
      keep({ key: key, user: user, fields: fields, state: "waiting", kept_at: Date.now() })
        .then(function () {
          // Kept: the form goes (a second tap cannot send it again, nor an empty one),
          // and so does the tab's draft (static/js/app.js), which would fill it again.
          try { window.sessionStorage.removeItem("cbti-draft:" + form.getAttribute("data-draft")); } catch (e) { /* private mode */ }
          form.hidden = true;
          say(text("queued"));
          box.scrollIntoView();
          box.focus();
        })
        .catch(function () { form.submit(); });  // no storage: the browser says it is offline
    });
  }

  function send(night, token) {
    var body = new URLSearchParams();
    night.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.set("submission_key", night.key);
    body.set("queued_by", night.user);
    return fetch(box.getAttribute("data-send"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
      body: body
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json) { return { status: "signed_out" }; }
      return response.json();
    });
  }

  var outcome = { sent: [], refused: null, signedOut: false };

  function sendAll() {
    return mine().then(function (nights) {
      var waiting = nights.filter(function (n) { return n.state === "waiting"; });
      var refused = nights.filter(function (n) { return n.state === "refused"; });
      if (refused.length) { outcome.refused = refused[0]; }
      if (!waiting.length) { return null; }
      // Who is signed in now, with a CSRF token of now (the kept page's may be hours old).
      return fetch(box.getAttribute("data-send"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
          return json && response.ok ? response.json() : null;
        })
        .then(function (session) {
          if (!session || String(session.user) !== user) { outcome.signedOut = true; return null; }
          return waiting.reduce(function (chain, night) {
            return chain.then(function () {
              return send(night, session.csrf).then(function (answer) {
                if (answer.status === "saved" || answer.status === "already_saved") {
                  outcome.sent.push(answer);
                  return forget(night.key);
                }
                if (answer.status === "invalid") {
                  night.state = "refused";
                  night.errors = answer.errors;
                  outcome.refused = night;
                  return keep(night);
                }
                outcome.signedOut = true;
                return null;
              });
            });
          }, Promise.resolve());
        });
    });
  }

  var sending = null;
  function sendWaiting() {
    if (sending) { return sending; }
    outcome = { sent: [], refused: null, signedOut: false };
    // One tab at a time (Web Locks); the submission key covers browsers without them.
    var run = navigator.locks
      ? navigator.locks.request("cbti-offline-send", sendAll)
      : sendAll();
    sending = run.then(report, function () { return mine().then(report); })
      .then(function () { sending = null; }, function () { sending = null; });
    return sending;
  }

  function report() {
    return mine().then(function (nights) {
      var waiting = nights.filter(function (n) { return n.state === "waiting"; });
      if (outcome.refused && form) {
        form.hidden = false;
        // Back in the form, with the server's words: nothing typed is lost.
        fill(outcome.refused.fields);
        forget(outcome.refused.key);
        var errors = [];
        Object.keys(outcome.refused.errors || {}).forEach(function (name) {
          errors = errors.concat(outcome.refused.errors[name]);
        });
        say(text("refused") + " " + errors.join(" "));
      } else if (outcome.refused) {
        say(text("refused"), box.getAttribute("data-form"), text("open-form"));
      } else if (waiting.length && outcome.signedOut && navigator.onLine) {
        say(text("sign-in"), box.getAttribute("data-login") + "?next=" + encodeURIComponent(location.pathname), text("sign-in-link"));
      } else if (waiting.length) {
        say(text("queued"));
      } else if (outcome.sent.length) {
        say(text("sent"));
        var details = document.createElement("div");
        details.innerHTML = outcome.sent.map(function (a) { return a.messages || ""; }).join("");
        box.appendChild(details);
      } else if (box.textContent === text("queued")) {
        // This tab said the night waits, and nothing waits any more: a night leaves the
        // store only once the server has saved it, so another tab sent it first.
        say(text("sent"));
      }
    });
  }

  window.addEventListener("online", sendWaiting);
  if (navigator.onLine) { sendWaiting(); } else { mine().then(function (n) { if (n.length) { say(text("queued")); } }); }

  // Signing out deletes the kept pages and nights (the service worker does it on the way
  // out): first the nights waiting are sent, and a night that could not be is not lost
  // without asking.
  document.querySelectorAll("form[action*='logout']").forEach(function (signOut) {
    var asked = false;
    signOut.addEventListener("submit", function (event) {
      if (asked) { return; }
      event.preventDefault();
      asked = true;
      sendWaiting().then(mine).then(function (left) {
        if (left.length && !window.confirm(text("unsent"))) { asked = false; return; }
        signOut.submit();
      }, function () { signOut.submit(); });
    });
  });
})();
