// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Preselect the browser's own time zone in time-zone selects that still show
  // the server's default, so a patient rarely has to scroll the long list.
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { zone = null; }
  if (!zone) { return; }
  document.querySelectorAll("select[data-browser-timezone]").forEach(function (select) {
    var option = select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]');
    // The country select beside it follows the zone's country (zone.tab), until the
    // person picks a country themselves: a patient in New York who does not notice the
    // clinic's default must not be shown another country's crisis lines.
    var country = select.form && select.form.querySelector("select[data-zone-countries]");
    var countries = {};
    if (country) {
      country.getAttribute("data-zone-countries").split(" ").forEach(function (pair) {
        var parts = pair.split("=");
        countries[parts[0]] = parts[1];
      });
      country.addEventListener("change", function () { country = null; });
    }
    function followZone() {
      var code = countries[select.value];
      if (country && code && country.querySelector('option[value="' + code + '"]')) {
        country.value = code;
      }
    }
    select.addEventListener("change", followZone);
    // Only replace the untouched default: never overwrite a choice already made
    // (e.g. a form redisplayed with an error keeps what the person picked).
    if (select.value === "UTC" && option) {
      select.value = zone;
      followZone();
    }
  });
})();

// Lessons: reopen a lesson where the reader left it (scroll position, on this device only).
(function () {
  "use strict";
  var article = document.querySelector("article.lesson[data-lesson]");
  if (!article) { return; }
  var key = "lesson-scroll-" + article.getAttribute("data-lesson");
  try {
    var saved = parseInt(window.localStorage.getItem(key), 10);
    // A link to a part (#part-…) or a redirect after saving an answer wins.
    if (!window.location.hash && saved > 0) { window.scrollTo(0, saved); }
  } catch (e) { return; }
  var timer = null;
  window.addEventListener("scroll", function () {
    if (timer) { return; }
    timer = window.setTimeout(function () {
      timer = null;
      try { window.localStorage.setItem(key, String(Math.round(window.scrollY))); } catch (e) { /* private mode */ }
    }, 500);
  }, { passive: true });
})();

// The diary form: the morning it saves, named beside the Save button, follows the
// date chosen (also when the browser restores another choice after Back).
(function () {
  "use strict";
  var select = document.querySelector("form.diary-form select[name=diary_date]");
  var shown = document.querySelector("[data-saves-for] strong");
  if (!select || !shown) { return; }
  function follow() {
    var option = select.options[select.selectedIndex];
    if (option) { shown.textContent = option.text; }
  }
  select.addEventListener("change", follow);
  window.addEventListener("pageshow", follow);
  follow();
})();

// Forms marked data-draft (the diary, questionnaires, messages, notes…): what is typed is
// kept in this browser tab (sessionStorage: gone when the tab closes, cleared on sign-out,
// only the signed-in person's, none older than DRAFT_HOURS) until the server has answered.
// It comes back when the form is opened again before being sent (a reload, a phone that
// dropped the tab), and when it was sent after the session had ended: that leads to the
// sign-in page, which says what was typed is kept, then back to the form's page
// (accounts.http.page_to_return_to, from the form's Referer; where the browser sent none,
// the sign-in page finds the draft by the address it was sent to and returns to its page).
// A draft the server answered is dropped.
(function () {
  "use strict";
  var PREFIX = "cbti-draft:";
  var DRAFT_HOURS = 12;  // yesterday morning's diary is not this morning's
  var store;
  try { store = window.sessionStorage; store.getItem(PREFIX); } catch (e) { return; }
  function read(key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }
  function isButton(el) { return el.type === "submit" || el.type === "button"; }
  function isChoice(el) { return el.type === "radio" || el.type === "checkbox"; }
  function valueOf(el) { return isChoice(el) ? el.checked : el.value; }
  // Too old to come back, or another person's (a shared device): never restored.
  function stale(draft) { return !draft || Date.now() - (draft.at || 0) > DRAFT_HOURS * 3600 * 1000; }
  function someoneElses(key, user) { return user && key.indexOf(PREFIX + user + ":") !== 0; }
  function drafts() {
    var keys = [];
    for (var i = 0; i < store.length; i++) {
      if (store.key(i).indexOf(PREFIX) === 0) { keys.push(store.key(i)); }
    }
    return keys;
  }
  var path = window.location.pathname;
  if (path.indexOf("/accounts/login/") === 0) {
    // Signed out while typing: say what was typed is kept, and mark it to come back on the
    // page this sign-in returns to (a sign-in shown again after a wrong password carries
    // next= in its form, not in its address).
    var field = document.querySelector("form input[name=next]");
    var next = ((field && field.value) || new URLSearchParams(window.location.search).get("next") || "");
    next = next.split(/[?#]/)[0];
    var kept = false;
    drafts().forEach(function (key) {
      var draft = read(key);
      if (!draft || !draft.typed) { return; }
      // Sent to an address of its own (a note) by a browser that sends no Referer: the
      // server could only return to that address, which answers POST only.
      var toItsPage = draft.sent && draft.action === next && draft.page !== next;
      if (draft.page === next || toItsPage) {
        draft.restore = true;
        store.setItem(key, JSON.stringify(draft));
        kept = true;
        if (toItsPage && field) { field.value = draft.page; }
      }
    });
    var notice = document.querySelector("[data-draft-kept]");
    if (kept && notice) { notice.hidden = false; }
    return;
  }
  if (document.querySelector("[data-form-expired]")) {
    // A form sent with an expired security token (cookies cleared, or signed in again in
    // another tab): nothing was saved. Keep what was just sent to come back on its page,
    // and lead there.
    // The draft sent from the page the browser came from; failing that (no Referer), the
    // latest sent. Never one older than DRAFT_HOURS, nor another person's.
    var from = "";
    try { from = new URL(document.referrer).pathname; } catch (e) { from = ""; }
    var mine = document.body.getAttribute("data-user");
    var latest = null;
    drafts().forEach(function (key) {
      var sent = read(key);
      if (stale(sent) || someoneElses(key, mine) || !sent.typed || !sent.sent) { return; }
      var better = !latest || (sent.page === from) > (latest.draft.page === from) ||
        ((sent.page === from) === (latest.draft.page === from) && sent.at > latest.draft.at);
      if (better) { latest = { key: key, draft: sent }; }
    });
    if (latest) {
      latest.draft.restore = true;
      store.setItem(latest.key, JSON.stringify(latest.draft));
      document.querySelectorAll("[data-expired-kept]").forEach(function (el) { el.hidden = false; });
      document.querySelectorAll("[data-draft-fallback]").forEach(function (el) { el.hidden = true; });
      var back = document.querySelector("a[data-draft-page]");
      if (back) { back.href = latest.draft.page; }
    }
    return;
  }
  var user = document.body.getAttribute("data-user");
  var forms = document.querySelectorAll("form[data-draft]");
  var here = {};
  forms.forEach(function (form) { here[PREFIX + form.getAttribute("data-draft")] = true; });
  drafts().forEach(function (key) {
    var draft = read(key);
    // Answered by the server (sent, and back without a sign-in), or nothing typed.
    var done = draft && !draft.restore && (draft.sent || !draft.typed);
    if (stale(draft) || someoneElses(key, user) || (done && !here[key])) {
      store.removeItem(key);
    }
  });
  document.querySelectorAll("form[action*='logout']").forEach(function (signOut) {
    signOut.addEventListener("submit", function () { drafts().forEach(function (k) { store.removeItem(k); }); });
  });
  forms.forEach(function (form) {
    var key = PREFIX + form.getAttribute("data-draft");
    function fields() {
      var out = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "csrfmiddlewaretoken" || el.disabled || isButton(el)) { return; }
        if (el.type === "file" || (isChoice(el) && !el.checked)) { return; }
        out.push([el.name, el.value]);
      });
      return out;
    }
    var typed = false;  // a form only opened, or sent untouched, is no draft to keep
    function save(sent) {
      store.setItem(key, JSON.stringify({
        // The attribute: form.action is a field of that name where there is one (a decision).
        fields: fields(), page: path,
        action: new URL(form.getAttribute("action") || "", window.location.href).pathname,
        // A chosen file cannot be kept: its coming back says to choose it again.
        files: Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (f) {
          return f.files && f.files.length > 0;
        }),
        typed: typed, sent: sent, at: Date.now()
      }));
    }
    var draft = read(key);
    var fresh = form.getAttribute("data-bound") !== "1";  // not the server's answer to a send
    // A form of the clinic's settings others may change meanwhile (the duty list, a
    // crisis line: data-draft-after-sign-in) gets what was typed back only after a sign-in
    // its sending led to, never over the values the page now shows when merely reopened.
    var onlyAfterSignIn = form.hasAttribute("data-draft-after-sign-in");
    if (draft && draft.typed && fresh && (draft.restore || (!draft.sent && !onlyAfterSignIn))) {
      // Put back what was typed, and say so.
      var given = {};
      draft.fields.forEach(function (pair) { (given[pair[0]] = given[pair[0]] || []).push(pair[1]); });
      Array.prototype.forEach.call(form.elements, function (el) {
        // Hidden fields are the page's own (where to go next), unless marked as part of
        // what was typed (the version a lesson's words were typed on); files cannot be.
        var hidden = el.type === "hidden" && !el.hasAttribute("data-draft-keep");
        if (!el.name || hidden || el.type === "file" || isButton(el)) { return; }
        var before = valueOf(el);
        if (isChoice(el)) {
          el.checked = (given[el.name] || []).indexOf(el.value) !== -1;
        } else if (el.name in given) {
          el.value = given[el.name][0];
        }
        // A part of the form folded away (the diary's comments) opens on what came back.
        var part = el.closest("details");
        if (valueOf(el) !== before && part && form.contains(part)) { part.open = true; }
      });
      typed = true;
      var restored = form.querySelector("[data-draft-restored]");
      if (restored) { restored.hidden = false; }
      var files = form.querySelector("[data-draft-files]");
      if (files && draft.files) { files.hidden = false; }
      var fold = form.closest("details");
      if (fold) {
        fold.open = true;
        (restored || form).scrollIntoView({ block: "center" });
      }
      form.dispatchEvent(new Event("change"));
    }
    save(false);
    function edited() { typed = true; save(false); }
    form.addEventListener("input", edited);
    form.addEventListener("change", edited);
    var sent = null;  // what this page sent, as kept at the time (null: not sent from here)
    form.addEventListener("submit", function () { save(true); sent = store.getItem(key); });
    // A form that makes something new each time (a message, a note: data-draft-once),
    // come back to by Back as it was left (the back-forward cache, where this script does
    // not run again): once the server answered what it sent, the words are saved, so the
    // form is emptied rather than offering to send them again. The server answered when
    // the page that answered replaced the kept draft with its own form (a new one, empty)
    // or dropped it; a send that never arrived, or came back with a correction to make
    // (the same form, filled), leaves what was typed. (A page loaded again is the
    // server's: these forms have autocomplete=off, so the browser puts nothing back.)
    if (form.hasAttribute("data-draft-once")) {
      window.addEventListener("pageshow", function (event) {
        if (!event.persisted || sent === null) { return; }
        var now = store.getItem(key);
        var answered = now === null ||
          JSON.stringify((read(key) || {}).fields) !== JSON.stringify(JSON.parse(sent).fields);
        if (now === sent || !answered) { return; }
        form.reset();
        typed = false;
        sent = null;
        var restored = form.querySelector("[data-draft-restored]");
        if (restored) { restored.hidden = true; }
        save(false);
      });
    }
  });
})();

// After a failed submit, move focus to the error summary (its links lead to each field),
// so keyboard and screen-reader users start from what needs correcting.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
})();

// The clinic's lesson editor: the preview follows the words as they are typed. The same
// request as the Preview button (action=preview saves nothing), sent a moment after the
// typing stops; the page's preview is swapped for the new one. Without this file the
// Preview button does the same with a page load.
(function () {
  "use strict";
  var form = document.querySelector("form.lesson-editor");
  var frame = document.querySelector(".preview-frame");
  var banner = document.querySelector(".preview-pane .preview-banner");
  if (!form || !frame || !window.fetch || !window.DOMParser) { return; }
  var timer = null;
  var sent = 0;
  function refresh() {
    var body = new FormData(form);
    body.set("action", "preview");
    // The preview needs the words only: a picture or recording chosen to upload is not sent.
    Array.from(body.keys()).forEach(function (name) {
      if (body.get(name) instanceof File) { body.delete(name); }
    });
    var mine = ++sent;
    // (form.action would be the buttons named "action", not the address.)
    fetch(form.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html || mine !== sent) { return; }  // an older answer arriving late is dropped
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector(".preview-frame");
        var freshBanner = page.querySelector(".preview-pane .preview-banner");
        if (fresh) { frame.innerHTML = fresh.innerHTML; frame.setAttribute("data-live", String(mine)); }
        if (banner && freshBanner) { banner.innerHTML = freshBanner.innerHTML; }
      })
      .catch(function () { /* offline: the Preview button still works */ });
  }
  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 700);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();

// A link to a section folded in a <details> (the patient page, issue 21) opens it, where
// the browser does not already reveal it on fragment navigation.
(function () {
  "use strict";
  function reveal() {
    var id = window.location.hash.slice(1);
    if (!id) { return; }
    var target = document.getElementById(decodeURIComponent(id));
    for (var el = target; el; el = el.parentElement) {
      if (el.tagName === "DETAILS" && !el.open) { el.open = true; }
    }
    if (target && target.tagName === "DETAILS") { target.scrollIntoView(); }
  }
  reveal();
  window.addEventListener("hashchange", reveal);
})();

// Guided exercises (program.exercises): a timer over the written instructions. The page
// works without it; when a session reaches its end, the record form is sent (the server
// keeps which exercise, when and for how long). Screen readers hear each new phase or
// step once (aria-live="polite"), never a count of seconds.
(function () {
  "use strict";
  var box = document.querySelector(".exercise-timer");
  var form = document.querySelector("form.exercise-record");
  if (!box || !form) { return; }
  box.hidden = false;
  var total = parseInt(box.getAttribute("data-seconds"), 10) * 1000;
  var breathing = box.getAttribute("data-exercise") === "breathing";
  var inhale = parseInt(box.getAttribute("data-inhale"), 10) * 1000;
  var exhale = parseInt(box.getAttribute("data-exhale"), 10) * 1000;
  var live = box.querySelector(breathing ? ".pacer-phase" : ".step-now");
  var count = box.querySelector(breathing ? ".pacer-count" : ".step-count");
  var left = box.querySelector(".timer-left");
  var circle = box.querySelector(".pacer-circle");
  var steps = Array.prototype.map.call(document.querySelectorAll(".exercise-steps > li"), function (li) {
    return {
      seconds: parseInt(li.getAttribute("data-step-seconds"), 10) * 1000,
      text: li.querySelector("h3").textContent + ". " + li.querySelector("p").textContent,
      item: li
    };
  });
  var buttons = {};
  ["start", "pause", "resume", "stop"].forEach(function (name) {
    buttons[name] = box.querySelector("[data-action=" + name + "]");
  });
  var elapsed = 0, last = 0, timer = null, said = null;

  function text(name) { return box.getAttribute("data-text-" + name) || ""; }
  function show(names) {
    Object.keys(buttons).forEach(function (name) { buttons[name].hidden = names.indexOf(name) < 0; });
  }
  function say(words) {
    // Only a change is announced: the same words again would be read again.
    if (words !== said) { live.textContent = words; said = words; }
  }
  function clock(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }
  function render() {
    left.textContent = text("left").replace("%(time)s", clock(total - elapsed));
    if (breathing) {
      var t = elapsed % (inhale + exhale);
      var breathingIn = t < inhale;
      var phaseLeft = breathingIn ? inhale - t : inhale + exhale - t;
      say(text(breathingIn ? "in" : "out"));
      count.textContent = String(Math.ceil(phaseLeft / 1000));
      if (circle) {
        circle.style.transitionDuration = (breathingIn ? inhale : exhale) / 1000 + "s";
        circle.classList.toggle("full", breathingIn);
      }
      return;
    }
    var start = 0;
    for (var i = 0; i < steps.length; i++) {
      if (elapsed < start + steps[i].seconds || i === steps.length - 1) {
        say(steps[i].text);
        count.textContent = clock(start + steps[i].seconds - elapsed);
        steps.forEach(function (s, j) { s.item.classList.toggle("current", j === i); });
        return;
      }
      start += steps[i].seconds;
    }
  }
  function tick() {
    var now = Date.now();
    elapsed += now - last;
    last = now;
    if (elapsed >= total) { finish(); return; }
    render();
  }
  function run() {
    last = Date.now();
    timer = window.setInterval(tick, 250);
    show(["pause", "stop"]);
    render();
  }
  function halt() {
    if (timer) { tick(); window.clearInterval(timer); timer = null; }
  }
  function finish() {
    window.clearInterval(timer);
    timer = null;
    elapsed = total;
    show([]);
    say(text("done"));
    count.textContent = "";
    if (circle) { circle.classList.remove("full"); }
    form.querySelector("[name=seconds]").value = String(Math.round(total / 1000));
    form.querySelector("[name=completed]").value = "True";
    form.submit();
  }
  left.textContent = text("left").replace("%(time)s", clock(total));
  buttons.start.addEventListener("click", function () { elapsed = 0; said = null; run(); });
  buttons.pause.addEventListener("click", function () { halt(); say(text("paused")); show(["resume", "stop"]); });
  buttons.resume.addEventListener("click", function () { said = null; run(); });
  buttons.stop.addEventListener("click", function () {
    // Stopped early: nothing is sent; the form offers to save what was done.
    halt();
    show(["start"]);
    say(text("stopped"));
    count.textContent = "";
    steps.forEach(function (s) { s.item.classList.remove("current"); });
    if (circle) { circle.classList.remove("full"); }
    form.querySelector("[name=completed]").value = "False";
    form.querySelector("[name=minutes]").value = String(Math.max(1, Math.round(elapsed / 60000)));
    form.querySelector("button[type=submit]").focus();
  });
})();
