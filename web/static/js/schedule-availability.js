// The availability editor: "+ another window" and "+ another exception" add empty rows (the
// server also leaves one empty row of each after every save, so the page works without this).
// Exceptions that are a day off have no times.

function renumber(row, pattern, index) {
  for (const el of row.querySelectorAll("[id], [name], label[for]")) {
    for (const attr of ["id", "name", "for", "aria-describedby"]) {
      const value = el.getAttribute(attr);
      if (value) el.setAttribute(attr, value.replace(pattern, (_, head) => `${head}${index}`));
    }
  }
  for (const input of row.querySelectorAll("input")) {
    if (input.type === "checkbox") input.checked = false;
    else input.value = "";
    input.setAttribute("aria-invalid", "false");
    input.removeAttribute("aria-describedby");
  }
  for (const stale of row.querySelectorAll(".error, .remove")) stale.remove();
  row.classList.remove("has-error");
}

function addRow(list, pattern) {
  const rows = list.children;
  const copy = rows[rows.length - 1].cloneNode(true);
  renumber(copy, pattern, rows.length);
  list.append(copy);
  copy.querySelector("input")?.focus();
  return copy;
}

for (const button of document.querySelectorAll("[data-add-window]")) {
  const list = button.parentElement.querySelector(".window-rows");
  button.hidden = false;
  button.addEventListener("click", () => addRow(list, /^(w\d-)\d+/));
}

const exceptions = document.querySelector(".exception-rows");
const addException = document.querySelector(".add-exception");

function syncKind(row) {
  const kind = row.querySelector("select");
  if (!kind) return;
  const off = kind.value === "off";
  for (const input of row.querySelectorAll('input[type="time"]')) {
    input.disabled = off;
    input.closest(".exception-field").classList.toggle("inactive", off);
  }
}

if (exceptions) {
  for (const row of exceptions.children) syncKind(row);
  exceptions.addEventListener("change", (event) => {
    if (event.target.matches("select")) syncKind(event.target.closest("li"));
  });
  if (addException) {
    addException.hidden = false;
    addException.addEventListener("click", () => syncKind(addRow(exceptions, /^(x-)\d+/)));
  }
}
