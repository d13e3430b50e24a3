// The person's time zone: when none is saved yet, the one the browser reports is saved and the
// page reloads so every time is shown in it; when a saved one differs from the browser's, a
// one-click switch is offered.

const form = document.getElementById("zone-form");
const select = document.getElementById("timezone");
const note = document.getElementById("zone-detected");

function detected() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

async function save(zone) {
  const body = new URLSearchParams({ timezone: zone, csrf_token: form.elements.csrf_token.value });
  const response = await fetch(form.action, {
    method: "POST",
    body,
    headers: { Accept: "application/json", "X-CSRFToken": form.elements.csrf_token.value },
    credentials: "same-origin",
  });
  return response.ok;
}

const zone = detected();
const known = form && select && zone && [...select.options].some((o) => o.value === zone);
if (known) {
  if (!form.dataset.saved) {
    select.value = zone;
    save(zone).then((ok) => { if (ok) window.location.reload(); });
  } else if (form.dataset.saved !== zone) {
    note.hidden = false;
    note.textContent = `Your device says ${zone.replace(/_/g, " ")}. `;
    const use = document.createElement("button");
    use.type = "button";
    use.className = "link";
    use.textContent = "Use it";
    use.addEventListener("click", () => { select.value = zone; form.requestSubmit(); });
    note.append(use);
  }
}
