// Django admin, accessibility repairs that need the page's own widgets to exist first (issue 12).
// The date / time shortcuts ("今天", "现在") carry an English aria-label ("Today (…)") that does not contain their
// visible text (WCAG 2.5.3 label in name): their name becomes the visible text, which says the same.
(function () {
  "use strict";
  // After every load handler (DateTimeShortcuts builds the links on load, after this file registered).
  window.addEventListener("load", function () { window.setTimeout(repair, 0); });
  function repair() {
    document.querySelectorAll(".datetimeshortcuts a[aria-label]").forEach(function (link) {
      var text = (link.textContent || "").trim();
      if (text && link.getAttribute("aria-label").indexOf(text) === -1) {
        link.removeAttribute("aria-label");
      }
    });
  }
})();
