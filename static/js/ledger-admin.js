// Ledger listing (Wagtail admin): "select every pending entry on this page".
// Delegated, because the listing is replaced when the filters change.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-ledger-select-all]");
  if (!all) return;
  document.querySelectorAll("[data-ledger-select]").forEach((box) => {
    box.checked = all.checked;
  });
});
