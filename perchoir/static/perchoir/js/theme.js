// Applies a visitor's saved theme before the page is painted (signed-in people's theme comes
// from their preferences, written by the server). Kept tiny: it runs before the stylesheet settles.
(function () {
  "use strict";
  var root = document.documentElement;
  if (root.getAttribute("data-theme-choice") !== "visitor") return;
  try {
    var saved = window.localStorage.getItem("perchoir-theme");
    if (saved === "light" || saved === "dark") root.setAttribute("data-theme", saved);
  } catch (error) {
    // Storage may be disabled; the device's preference applies.
  }
})();
