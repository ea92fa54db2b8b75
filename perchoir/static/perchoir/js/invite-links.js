// Copy buttons for invite links. Without JavaScript the link stays a selectable read-only field.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input || !navigator.clipboard) {
      return;
    }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(
        function () {
          button.textContent = button.getAttribute("data-copied-label") || label;
          window.setTimeout(function () {
            button.textContent = label;
          }, 2000);
        },
        function () {
          input.select();
        }
      );
    });
  });
  document.querySelectorAll(".invite-link__url input[readonly]").forEach(function (input) {
    input.addEventListener("focus", function () {
      input.select();
    });
  });
})();
