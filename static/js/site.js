// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the first field with an error so screen-reader and keyboard users land on it.
  const invalid = document.querySelector(".is-invalid, [aria-invalid='true']");
  if (invalid) invalid.focus();
});
