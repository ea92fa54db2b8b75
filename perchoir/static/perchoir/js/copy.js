// Copy buttons: <button data-copy-target="field-id" data-copied-label="Copied" hidden>.
// Without JavaScript the button stays hidden and the read-only field is selected and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) {
      return;
    }
    field.addEventListener("focus", function () {
      field.select();
    });
    if (!navigator.clipboard) {
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
  });
})();
