// Live updates through server-sent events, for any page; every page works without this file.
//
// The element with data-live-url (and data-live-last-event-id, the newest event the page was
// rendered with) receives each event as a DOM event:
//
//   element.addEventListener("perchoir:live", (event) => {
//     event.detail  // {id: 42, kind: "message.created", data: {...the event's payload}}
//   });
//
// "perchoir:live" bubbles and can be cancelled: for kind "live.reload" (the browser was away too
// long to catch up event by event) the page reloads unless a listener calls preventDefault().
// The element with data-live-status (live/_status.html) shows whether updates are flowing.
(function () {
  "use strict";

  var RETRY_FIRST_MS = 1000;
  var RETRY_MAX_MS = 60000;
  // A planned reconnection takes a second or two: say "Reconnecting…" only if it lasts longer.
  var RECONNECTING_AFTER_MS = 3000;

  function Status(element) {
    this.element = element;
    this.badge = element ? element.querySelector(".badge") : null;
    this.state = "";
    this.timer = null;
  }

  Status.prototype.show = function (state) {
    if (!this.element || !this.badge || state === this.state) return;
    this.state = state;
    this.badge.textContent = this.element.getAttribute("data-text-" + state) || "";
    this.badge.classList.toggle("badge--success", state === "live");
    this.badge.classList.toggle("badge--warning", state === "reconnecting");
    this.element.hidden = false;
  };

  Status.prototype.live = function () {
    window.clearTimeout(this.timer);
    this.timer = null;
    this.show("live");
  };

  Status.prototype.reconnecting = function () {
    var status = this;
    if (status.timer !== null) return;
    status.timer = window.setTimeout(function () {
      status.timer = null;
      status.show("reconnecting");
    }, RECONNECTING_AFTER_MS);
  };

  function follow(element, status) {
    var url = element.getAttribute("data-live-url");
    var lastId = element.getAttribute("data-live-last-event-id") || "";
    var source = null;
    var listening = {};
    var retryMs = RETRY_FIRST_MS;

    function deliver(message) {
      var data;
      try {
        data = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (message.lastEventId) lastId = message.lastEventId;
      var event = new CustomEvent("perchoir:live", {
        bubbles: true,
        cancelable: true,
        detail: { id: Number(message.lastEventId), kind: message.type, data: data },
      });
      var proceed = element.dispatchEvent(event);
      if (message.type === "live.reload" && proceed) window.location.reload();
    }

    // The stream's first, unnamed event lists the kinds it carries: EventSource only hands
    // named events to listeners of that name.
    function listen(message) {
      var hello;
      try {
        hello = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      (hello.kinds || []).forEach(function (kind) {
        if (listening[kind]) return;
        listening[kind] = true;
        source.addEventListener(kind, deliver);
      });
    }

    function open() {
      var target = new URL(url, window.location.href);
      // On its own reconnections EventSource sends the Last-Event-ID header, which wins.
      if (lastId) target.searchParams.set("last_event_id", lastId);
      source = new EventSource(target.toString());
      listening = {};
      source.addEventListener("message", listen);
      source.addEventListener("open", function () {
        retryMs = RETRY_FIRST_MS;
        status.live();
      });
      source.addEventListener("error", function () {
        status.reconnecting();
        if (source.readyState !== EventSource.CLOSED) return; // the browser reconnects itself
        // Refused (an error page, a proxy's answer while the server restarts): try again later.
        source.close();
        window.setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      });
    }

    // Leaving the page is not a lost connection; coming back to it (back button) is a new one.
    window.addEventListener("pagehide", function () {
      if (source) source.close();
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) open();
    });
    open();
  }

  var started = false;

  function start() {
    if (started || typeof window.EventSource !== "function") return;
    started = true;
    var status = new Status(document.querySelector("[data-live-status]"));
    document.querySelectorAll("[data-live-url]").forEach(function (element) {
      follow(element, status);
    });
  }

  // Loaded with defer, this runs before the page's own deferred scripts have added their
  // listeners: start once they all have (DOMContentLoaded), or at "load" if that already passed.
  if (document.readyState === "complete") {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
    window.addEventListener("load", start);
  }
})();
