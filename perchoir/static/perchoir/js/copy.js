// A copy button for a secret shown once (a new access token). Without JavaScript the button
// stays hidden and the read-only field can be selected and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-secret]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-secret"));
    if (!field || !navigator.clipboard) {
      return;
    }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () {
          button.textContent = button.getAttribute("data-copied-label") || label;
          window.setTimeout(function () {
            button.textContent = label;
          }, 2000);
        },
        function () {
          field.select();
        }
      );
    });
    field.addEventListener("focus", function () {
      field.select();
    });
  });
})();
