/* A table wider than its box scrolls sideways (.table-wrap); a keyboard must reach that
   scroll too. Such a box becomes a focusable region named after its table (the caption,
   else the heading of its section), and stops being one when the screen is wide enough
   again, so a table that fits adds no tab stop. */
(function () {
  "use strict";

  function nameOf(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption) return caption.textContent.trim();
    var section = wrap.closest("section, main");
    var heading = section && section.querySelector("h1, h2, h3");
    return heading ? heading.textContent.trim() : "";
  }

  function mark() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      var name = scrolls ? nameOf(wrap) : "";
      if (scrolls && name) {
        wrap.tabIndex = 0;
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", name);
      } else if (wrap.hasAttribute("role")) {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(mark);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark);
  else mark();
})();
