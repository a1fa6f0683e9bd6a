/* Disclosure menus of the staff pages (the top bar's links, the administration's
   sections). On narrow screens each `[data-menu-toggle]` button shows or hides the
   element its aria-controls names; on wide screens the CSS always shows the links
   and hides the buttons. Without JavaScript nothing is collapsed (the `js` class on
   <html> is what lets the CSS collapse them), so every link stays reachable. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setup() {
    var buttons = document.querySelectorAll("[data-menu-toggle]");
    Array.prototype.forEach.call(buttons, function (button) {
      var panel = document.getElementById(button.getAttribute("aria-controls"));
      if (!panel) return;

      function isOpen() { return button.getAttribute("aria-expanded") === "true"; }
      function set(open) {
        button.setAttribute("aria-expanded", open ? "true" : "false");
        panel.classList.toggle("is-open", open);
      }

      set(false);
      button.addEventListener("click", function () { set(!isOpen()); });
      // Escape closes an open menu and gives the focus back to its button.
      panel.addEventListener("keydown", function (event) {
        if (event.key !== "Escape" || !isOpen() || button.offsetParent === null) return;
        event.stopPropagation();
        set(false);
        button.focus();
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
