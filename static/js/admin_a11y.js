// Django admin, accessibility repairs that need the page's own widgets to exist first (issue 12).
// The date / time shortcuts ("今天", "现在") carry an English aria-label ("Today (…)") that does not contain their
// visible text (WCAG 2.5.3 label in name): their name becomes the visible text, which says the same. The autocomplete
// fields' comboboxes get their field's label as name.
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
    // The autocomplete fields (select2, e.g. 申报期延期's 用人单位): the combobox select2 draws is named only by its
    // selection, empty until one is chosen (WCAG 4.1.2); it is named by the field's <label> first.
    document.querySelectorAll("select.admin-autocomplete[id]").forEach(function (select) {
      var label = document.querySelector('label[for="' + select.id + '"]');
      var container = document.getElementById("select2-" + select.id + "-container");
      var combobox = container && container.closest(".select2-selection");
      if (!label || !combobox) return;
      if (!label.id) label.id = select.id + "_label";
      combobox.setAttribute("aria-labelledby", label.id + " " + container.id);
      container.setAttribute("aria-labelledby", label.id);
    });
  }
})();
