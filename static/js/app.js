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
