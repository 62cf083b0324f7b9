// 残保金计算器: live results while typing and working − / + buttons. Progressive enhancement only: without this
// file the form is a plain GET form (计算 button) and the − / + buttons submit it with a step.
(() => {
  "use strict";
  const form = document.getElementById("levy-form");
  if (!form || !window.fetch || !window.DOMParser) return;

  let timer = null;
  let controller = null;

  const queryString = () => {
    const params = new URLSearchParams(new FormData(form));
    params.delete("step");
    return params.toString();
  };

  const swap = (doc) => {
    // computed parts of the page, marked data-levy-slot on the server
    doc.querySelectorAll("[data-levy-slot]").forEach((fresh) => {
      const current = document.querySelector(`[data-levy-slot="${fresh.dataset.levySlot}"]`);
      if (current && current.innerHTML !== fresh.innerHTML) current.innerHTML = fresh.innerHTML;
    });
    // invalid state of the inputs (never replace the inputs themselves: the user is typing in them)
    form.querySelectorAll("[data-levy-input]").forEach((input) => {
      const fresh = doc.getElementById(input.id);
      if (!fresh) return;
      input.classList.toggle("is-invalid", fresh.classList.contains("is-invalid"));
      if (fresh.getAttribute("aria-invalid") === "true") input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    });
  };

  const update = () => {
    const url = `${form.getAttribute("action")}?${queryString()}`;
    if (controller) controller.abort();
    controller = new AbortController();
    form.setAttribute("aria-busy", "true");
    fetch(url, { headers: { "X-Requested-With": "fetch" }, signal: controller.signal, credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        swap(new DOMParser().parseFromString(html, "text/html"));
        history.replaceState(null, "", url);
      })
      .catch(() => {})
      .finally(() => form.removeAttribute("aria-busy"));
  };

  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  };

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-levy-step]");
    if (!button) return;
    event.preventDefault();
    const input = document.getElementById(button.dataset.levyTarget);
    const value = parseInt(input.value, 10);
    input.value = String(Math.max(0, (Number.isNaN(value) ? 0 : value) + Number(button.dataset.levyStep)));
    update();
  });
})();
