// Countdowns to each booking's start, and Join buttons that switch on from a few minutes before
// the start until the end, without reloading the page. The server renders the same state first
// and checks the time again when Join is pressed.

const countdowns = [...document.querySelectorAll(".countdown[data-start]")];
const joins = [...document.querySelectorAll("[data-join-from]")];

function untilText(ms) {
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor(seconds / 3600) % 24;
  const minutes = Math.floor(seconds / 60) % 60;
  if (days) return `in ${days} d ${hours} h`;
  if (hours) return `in ${hours} h ${String(minutes).padStart(2, "0")} min`;
  if (minutes >= 10) return `in ${minutes} min`;
  return `in ${minutes}:${String(seconds % 60).padStart(2, "0")}`;
}

function tick() {
  const now = Date.now();
  for (const el of countdowns) {
    const start = Date.parse(el.dataset.start);
    const end = Date.parse(el.dataset.end);
    const text = now >= end ? "ended" : now >= start ? "in progress" : untilText(start - now);
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle("soon", now < start && start - now < 15 * 60 * 1000);
    el.classList.toggle("running", now >= start && now < end);
  }
  for (const button of joins) {
    const open = now >= Date.parse(button.dataset.joinFrom) && now < Date.parse(button.dataset.joinUntil);
    if (button.disabled === open) {
      button.disabled = !open;
      if (open) button.removeAttribute("aria-describedby");
    }
    const hint = button.parentElement.querySelector("[data-join-hint]");
    if (hint) {
      const closed = now >= Date.parse(button.dataset.joinUntil);
      hint.textContent = open ? "" : closed ? "ended" : hint.textContent;
    }
  }
}

if (countdowns.length || joins.length) {
  tick();
  setInterval(tick, 1000);
}
