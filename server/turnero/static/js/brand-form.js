// The branch form's colour: the picker writes the text field and the text field,
// once it holds a whole #rrggbb, moves the picker. The text field is what is sent.
(function () {
  "use strict";
  document.querySelectorAll("input[type=color][data-sync]").forEach(function (pick) {
    var text = document.getElementById(pick.dataset.sync);
    if (!text) { return; }
    pick.addEventListener("input", function () { text.value = pick.value; });
    text.addEventListener("input", function () {
      if (/^#[0-9a-fA-F]{6}$/.test(text.value.trim())) { pick.value = text.value.trim().toLowerCase(); }
    });
  });
})();
