// A conversation page, improved: live messages appear in place, a selected passage travels with
// "Reply", "Highlight" and "Branch off", and the composer sends once. Works without this file.
(function () {
  "use strict";

  var root = document.querySelector("[data-conversation]");
  if (!root) return;
  var thread = document.getElementById("thread");
  var language = document.documentElement.lang || "en";
  var viewer = root.getAttribute("data-viewer");

  // Live messages are rendered for any reader; keep only the actions this reader may use.
  function fitActions(element) {
    var allowed = {
      post: root.getAttribute("data-can-post") === "true",
      member: root.getAttribute("data-is-member") === "true",
    };
    element.querySelectorAll("[data-requires]").forEach(function (action) {
      var need = action.getAttribute("data-requires");
      var keep = need === "author" ? viewer && action.getAttribute("data-author") === viewer : allowed[need];
      if (!keep) action.remove();
    });
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var element = template.content.firstElementChild;
    if (element) fitActions(element);
    return element;
  }

  function htmlFor(data) {
    var versions = data.html || {};
    return versions[language] || versions[language.split("-")[0]] || versions.en || "";
  }

  function announce(text) {
    var region = document.querySelector("[data-live-announcer]");
    if (region && text) region.textContent = text;
  }

  function onMessage(kind, data) {
    var element = fragment(htmlFor(data));
    if (!element) return;
    var existing = document.getElementById("m-" + data.message_id);
    if (kind === "message.created") {
      if (existing) return; // the page or a replay already shows it
      var empty = thread.querySelector(".empty-state");
      if (empty) empty.remove();
      thread.appendChild(element);
      var author = element.querySelector(".message__author");
      announce((root.getAttribute("data-text-new") || "") + " " + (author ? author.textContent : ""));
    } else if (existing) {
      existing.replaceWith(element);
    }
  }

  function text(name, values) {
    var template = root.getAttribute("data-text-" + name) || "";
    return template.replace(/\{(\w+)\}/g, function (_match, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  // Joins, departures and the room's changes appear as short notes in the thread.
  function note(message) {
    var paragraph = document.createElement("p");
    paragraph.className = "thread__note";
    paragraph.textContent = message;
    thread.appendChild(paragraph);
    announce(message);
  }

  function onHighlight(data) {
    var message = document.getElementById("m-" + data.message_id);
    var actions = message && message.querySelector(".message__actions");
    if (!actions) return;
    var counter = actions.querySelector(".message__highlights");
    if (!counter) {
      counter = document.createElement("span");
      counter.className = "message__highlights muted";
      actions.insertBefore(counter, actions.firstChild);
    }
    counter.textContent = text(data.count === 1 ? "highlight-one" : "highlight-many", data);
  }

  function onRoomChange(data) {
    if (data.locked === undefined) return;
    note(text(data.locked ? "locked" : "unlocked", data));
    document.querySelectorAll("[data-composer] textarea, [data-composer] button").forEach(
      function (control) {
        control.disabled = data.locked;
      }
    );
  }

  var handlers = {
    "participant.joined": function (data) {
      note(text("joined", data));
    },
    "participant.removed": function (data) {
      note(text("removed", data));
    },
    "highlight.added": onHighlight,
    "conversation.changed": onRoomChange,
  };

  if (thread) {
    thread.addEventListener("perchoir:live", function (event) {
      var detail = event.detail || {};
      var data = detail.data || {};
      if (/^message\./.test(detail.kind)) onMessage(detail.kind, data);
      else if (handlers[detail.kind]) handlers[detail.kind](data);
    });
  }

  // Remember the passage last selected inside a message; clicking an action may clear it.
  var selected = { text: "", messageId: null };
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed) return;
    var node = selection.anchorNode && selection.anchorNode.parentElement;
    var body = node && node.closest("[data-message-body]");
    if (!body) return;
    selected.text = selection.toString().replace(/\s+/g, " ").trim().slice(0, 1000);
    selected.messageId = body.closest("[data-message-id]").getAttribute("data-message-id");
  });

  root.addEventListener("click", function (event) {
    var link = event.target.closest(".message__actions a");
    if (!link || !selected.text) return;
    var message = link.closest("[data-message-id]");
    if (!message || message.getAttribute("data-message-id") !== selected.messageId) return;
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("passage", selected.text);
    link.href = url.toString();
  });

  // One submit per click; Ctrl+Enter or Cmd+Enter sends.
  document.querySelectorAll("[data-composer]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
    });
  });
})();
