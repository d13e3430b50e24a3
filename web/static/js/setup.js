// Practice set-up: "Select all" for the area checkboxes.
for (const button of document.querySelectorAll("[data-select-all]")) {
  button.addEventListener("click", () => {
    const boxes = document.querySelectorAll(`input[name="${button.dataset.selectAll}"]`);
    const all = [...boxes].every((b) => b.checked);
    for (const box of boxes) box.checked = !all;
  });
}
