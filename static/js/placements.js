// 残疾人安置管理: progressive enhancement only — every page works without this file.
(function () {
  "use strict";

  // 业务年度 changes only with its 切换 button: a change event would reload the page on every arrow key and
  // drop the keyboard user's focus (WCAG 3.2.2, issue 12).

  // STEP.02: show how many months are ticked.
  function monthCounter(root) {
    var grid = root.querySelector("#month-grid");
    var out = root.querySelector("#selected-count");
    if (!grid || !out) return;
    function update() {
      var n = grid.querySelectorAll("input[type=checkbox]:checked").length;
      out.textContent = "已勾选 " + n + " 个月";
    }
    grid.addEventListener("change", update);
    update();
  }

  // 导入上一年申报名单: a 全选 box.
  function selectAll(root) {
    root.querySelectorAll("[data-select-all]").forEach(function (box) {
      var name = box.getAttribute("data-select-all");
      box.hidden = false;
      box.addEventListener("change", function () {
        box.form.querySelectorAll("input[name='" + name + "']").forEach(function (b) { b.checked = box.checked; });
      });
    });
  }

  // STEP.01: show the 学历 fields only for a graduate and the retirement baseline only for a woman (by the ID
  // number's 17th digit). Without JavaScript both stay visible with their help texts.
  function personToggles(root) {
    var form = root.querySelector("#person-form");
    if (!form) return;
    var graduate = form.querySelector("#id_is_graduate");
    var degree = form.querySelector("#graduate-fields");
    var id = form.querySelector("#id_id_number");
    var baseline = form.querySelector("#baseline-field");
    function update() {
      if (graduate && degree) degree.hidden = graduate.value !== "1";
      if (id && baseline) {
        var v = (id.value || "").trim();
        baseline.hidden = v.length === 18 && parseInt(v.charAt(16), 10) % 2 === 1;
      }
    }
    if (graduate) graduate.addEventListener("change", update);
    if (id) id.addEventListener("input", update);
    update();
  }

  // STEP.01: the ID number is looked up on blur (htmx re-renders the form with the registry's data); then move on
  // to the next field that still needs input.
  document.addEventListener("htmx:afterSwap", function (event) {
    var config = event.detail.requestConfig || {};
    var form = document.getElementById("person-form");
    if (!form || !config.elt || config.elt.name !== "id_number") return;  // not the ID lookup (e.g. a region picker)
    var bad = form.querySelector("#id_id_number.is-invalid");
    var next = bad || form.querySelector("#id_name");
    var empty = Array.prototype.find.call(
      form.querySelectorAll("input[required]:not([disabled]), select[required]:not([disabled])"),
      function (el) { return !el.value; }
    );
    personToggles(document);
    (bad || empty || next || form).focus();
  });

  document.addEventListener("DOMContentLoaded", function () {
    monthCounter(document);
    selectAll(document);
    personToggles(document);
  });
})();
