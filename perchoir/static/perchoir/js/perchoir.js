// Progressive enhancements shared by every page. Every page works without this file.
(function () {
  "use strict";

  var STORAGE_KEY = "perchoir-theme";
  var root = document.documentElement;

  function effectiveTheme() {
    var theme = root.getAttribute("data-theme");
    if (theme === "light" || theme === "dark") return theme;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches
      ? "dark"
      : "light";
  }

  // A visitor's light/dark switch, remembered in this browser. A signed-in person chooses in
  // their preferences instead, so the switch stays hidden for them.
  function setUpThemeToggle() {
    var toggle = document.querySelector("[data-theme-toggle]");
    if (!toggle || root.getAttribute("data-theme-choice") !== "visitor") return;
    function label() {
      var next = effectiveTheme() === "dark" ? "light" : "dark";
      toggle.textContent = toggle.getAttribute("data-label-" + next);
    }
    toggle.addEventListener("click", function () {
      var next = effectiveTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try {
        window.localStorage.setItem(STORAGE_KEY, next);
      } catch (error) {
        // Storage may be disabled: the choice lasts for this page only.
      }
      label();
    });
    label();
    toggle.hidden = false;
  }

  // Flash messages can be dismissed; focus moves to the main region so keyboard users keep
  // their place.
  function setUpFlashMessages() {
    var flashes = document.querySelectorAll(".flash[data-dismissible]");
    Array.prototype.forEach.call(flashes, function (flash) {
      var close = flash.querySelector(".flash__close");
      if (!close) return;
      close.hidden = false;
      close.addEventListener("click", function () {
        var container = flash.parentElement;
        flash.remove();
        if (container && !container.querySelector(".flash")) container.remove();
        var main = document.getElementById("main");
        if (main) main.focus();
      });
    });
  }

  // Buttons and links marked data-confirm ask before acting (the server still decides).
  function setUpConfirmations() {
    document.addEventListener("click", function (event) {
      var target = event.target.closest && event.target.closest("[data-confirm]");
      if (target && !window.confirm(target.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  }

  function start() {
    setUpThemeToggle();
    setUpFlashMessages();
    setUpConfirmations();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
