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
    // Only replace the untouched default: never overwrite a choice already made
    // (e.g. a form redisplayed with an error keeps what the person picked).
    if (select.value === "UTC" && option) {
      select.value = zone;
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
