// "Turn on notifications on this device": progressive enhancement for the
// reminder settings page. Without JavaScript or push support the button stays hidden.
(function () {
  "use strict";
  var button = document.getElementById("push-subscribe");
  if (!button || !("serviceWorker" in navigator) || !("PushManager" in window)) { return; }
  var status = document.getElementById("push-status");
  button.hidden = false;

  function keyBytes(base64) {
    var padded = base64 + "=".repeat((4 - base64.length % 4) % 4);
    var raw = atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.serviceWorker.register(button.dataset.worker, { scope: "/" })
      .then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(button.dataset.key)
        });
      })
      .then(function (subscription) {
        return fetch(button.dataset.url, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": button.dataset.csrf },
          credentials: "same-origin",
          body: JSON.stringify(subscription)
        });
      })
      .then(function (response) {
        status.textContent = response.ok
          ? "Notifications are on for this device."
          : "Notifications could not be turned on. Please try again.";
      })
      .catch(function () {
        status.textContent = "Notifications are blocked in this browser's settings.";
      })
      .then(function () { button.disabled = false; });
  });
})();
