// Live updates for the agent console (the pages work without this file): listen to the merchant's events
// (server-sent events from /console/events), reload the part of the page that changed, and alert the agent
// to a new handoff with a sound and a browser notification (if they allowed notifications).
(function () {
  "use strict";
  var queue = document.getElementById("queue");
  var transcript = document.getElementById("transcript");
  var live = document.getElementById("live");
  // A form on its way (take over, send, hand back) leads to the next page: never reload under it.
  var leaving = false;
  document.addEventListener("submit", function () { leaving = true; }, true);

  function reload(el) {
    if (!el || leaving) return;
    fetch(el.dataset.src, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) el.innerHTML = html; });
  }

  function beep() {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator();
      osc.frequency.value = 880; osc.connect(ctx.destination); osc.start(); osc.stop(ctx.currentTime + 0.15);
    } catch (e) { /* no audio: the visual alert is enough */ }
  }

  function alertHandoff(data) {
    var text = "A shopper is waiting for a person" + (data.reason ? " (" + data.reason.replace(/_/g, " ") + ")" : "");
    live.textContent = text;
    beep();
    if (window.Notification && Notification.permission === "granted") {
      new Notification("Parcelbot console", { body: text });
    }
  }

  if (window.Notification && Notification.permission === "default") {
    document.addEventListener("click", function ask() {
      Notification.requestPermission(); document.removeEventListener("click", ask);
    });
  }

  var canned = document.getElementById("canned");
  if (canned) {
    canned.addEventListener("change", function () {
      var target = document.getElementById(canned.dataset.target);
      var parcel = document.querySelector(".parcel");
      var values = {
        first_name: parcel ? parcel.dataset.firstName : "", tracking_url: parcel ? parcel.dataset.trackingUrl : "",
        tracking_number: parcel ? parcel.querySelector("h3").textContent : ""
      };
      // A value the page doesn't know takes its space with it: "Hi {first_name}," is "Hi," (not "Hi ,").
      target.value = canned.value.replace(/ ?\{(\w+)\}/g, function (m, k) {
        if (!(k in values)) return m;
        return values[k] ? m.replace(/\{\w+\}/, function () { return values[k]; }) : "";
      });
      target.focus();
    });
  }

  if (!window.EventSource) return;
  var source = new EventSource("/console/events");
  // Events are news of committed rows, and those published while the stream was down (Redis away, a worker
  // restarting) are gone: a stream that opens again after a break re-reads what the page shows (review 10: a
  // handoff made meanwhile stayed off the queue until some later event came).
  var broken = false;
  source.addEventListener("open", function () {
    document.body.dataset.live = "on";
    if (broken) { broken = false; reload(queue); reload(transcript); }
  });
  source.addEventListener("error", function () { document.body.dataset.live = "off"; broken = true; });
  source.addEventListener("conversation_status", function (e) {
    var data = JSON.parse(e.data);
    if (data.status === "waiting" && data.previous !== "waiting") alertHandoff(data);
    reload(queue);
    if (transcript && !leaving && String(data.conversation_id) === transcript.dataset.id) window.location.reload();
  });
  source.addEventListener("message_stored", function (e) {
    var data = JSON.parse(e.data);
    reload(queue);
    if (transcript && String(data.conversation_id) === transcript.dataset.id) reload(transcript);
  });
})();
