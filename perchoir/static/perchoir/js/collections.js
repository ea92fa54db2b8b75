// Reorder a collection's items by drag and drop (the owner's view, manual order).
// Without this script, the move buttons on each item do the same through plain forms.
(function () {
  "use strict";

  var collection = document.querySelector("[data-reorder-url]");
  if (!collection) return;
  var list = collection.querySelector("[data-items]");
  if (!list) return;
  var baseUrl = collection.getAttribute("data-reorder-url");
  var announcer = collection.querySelector("[data-live-announcer]");
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var dragged = null;

  function announce(text) {
    if (announcer) announcer.textContent = text;
  }

  function clearTargets() {
    list.querySelectorAll(".is-drop-target").forEach(function (el) {
      el.classList.remove("is-drop-target");
    });
  }

  function send(item, after, before) {
    var body = {};
    if (after) body.after_item_id = Number(after.getAttribute("data-item"));
    else if (before) body.before_item_id = Number(before.getAttribute("data-item"));
    return fetch(baseUrl + item.getAttribute("data-item") + "/move", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": tokenInput ? tokenInput.value : "",
      },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      announce(collection.getAttribute("data-text-moved"));
    }).catch(function () {
      announce(collection.getAttribute("data-text-failed"));
      window.alert(collection.getAttribute("data-text-failed"));
    });
  }

  list.addEventListener("dragstart", function (event) {
    var item = event.target.closest("[data-item]");
    if (!item) return;
    dragged = item;
    item.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-item"));
  });

  list.addEventListener("dragover", function (event) {
    var target = event.target.closest("[data-item]");
    if (!dragged || !target || target === dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clearTargets();
    target.classList.add("is-drop-target");
  });

  list.addEventListener("dragleave", function (event) {
    var target = event.target.closest("[data-item]");
    if (target) target.classList.remove("is-drop-target");
  });

  list.addEventListener("drop", function (event) {
    var target = event.target.closest("[data-item]");
    if (!dragged || !target || target === dragged) return;
    event.preventDefault();
    clearTargets();
    var items = Array.prototype.slice.call(list.querySelectorAll("[data-item]"));
    var movingDown = items.indexOf(dragged) < items.indexOf(target);
    // Dropped on an item: take its place (after it when moving down, before it when moving up).
    if (movingDown) {
      target.after(dragged);
      send(dragged, target, null);
    } else {
      target.before(dragged);
      send(dragged, null, target);
    }
  });

  list.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    clearTargets();
  });
})();
