// The coach's live view of a candidate's session over /ws/observe/<session>: the session so far,
// then each question, answer and feedback as it happens. DOM is built from elements and text
// nodes only (never innerHTML), so nothing the candidate typed can become markup.

const PING_MS = 30_000;
const MAX_DELAY_MS = 10_000;
const FINAL = new Set(["session_not_found", "sign_in_required", "access_ended", "forbidden_origin"]);

const root = document.getElementById("live");
const list = document.getElementById("live-conversation");
const stateLine = document.getElementById("live-state");
const watchersLine = document.getElementById("live-watchers");
const summaryCard = document.getElementById("live-summary");
const summaryScore = document.getElementById("live-summary-score");
const areaTitles = JSON.parse(root.dataset.areas || "{}");

const turns = new Map(); // turn number -> {item, data, feedback}
let socket = null;
let failures = 0;
let pinger = null;
let stopped = false;

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const bandOf = (score) => Math.max(1, Math.min(5, Math.floor(score / 20) + 1));
const areaTitle = (id) => areaTitles[id] ?? id;

function setState(text, kind = "") {
  stateLine.textContent = text;
  stateLine.className = `live-state ${kind}`.trim();
}

function setWatchers(n) {
  watchersLine.textContent = n > 1 ? `${n} coaches watching` : n === 1 ? "You are watching" : "";
}

// -- the conversation ------------------------------------------------------------------------
function turnEntry(number) {
  let entry = turns.get(number);
  if (entry) return entry;
  const item = h("li", { class: "live-turn", id: `live-turn-${number}`, "data-turn": number });
  entry = { item, data: { turn: number }, feedback: null };
  turns.set(number, entry);
  const later = [...list.children].find((li) => Number(li.dataset.turn) > number);
  list.insertBefore(item, later ?? null);
  return entry;
}

function upsertTurn(info) {
  const entry = turnEntry(info.turn);
  entry.data = { ...entry.data, ...Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined)) };
  render(entry);
}

function questionNumber(turn) {
  let n = 0;
  for (const [number, entry] of [...turns.entries()].sort((a, b) => a[0] - b[0])) {
    if (entry.data.kind !== "follow_up") n += 1;
    if (number === turn) return n;
  }
  return n;
}

function render(entry) {
  const d = entry.data;
  const followUp = d.kind === "follow_up";
  const label = followUp ? "Interviewer · follow-up"
    : `Interviewer · Question ${d.index ?? questionNumber(d.turn)}${d.area ? ` · ${areaTitle(d.area)}` : ""}`;
  const parts = [
    h("div", { class: `msg interviewer${followUp ? " live-follow-up" : ""}`, "data-role": "question" },
      h("p", { class: "who" }, label), h("p", { class: "question-text" }, d.text ?? "")),
  ];
  if (d.status === "answered" && typeof d.answer === "string") {
    parts.push(h("div", { class: "msg candidate", "data-role": "answer" },
      h("p", { class: "who" }, "Candidate"), h("div", { class: "answer-text" }, highlighted(d.answer, entry.feedback))));
  } else if (d.status === "skipped" || d.status === "timed_out") {
    parts.push(h("div", { class: "msg candidate no-answer", "data-role": "answer" },
      h("p", { class: "who" }, "Candidate"), d.status === "skipped" ? "Skipped" : "Time ran out"));
  } else {
    parts.push(h("p", { class: "live-waiting muted", "data-role": "waiting" }, "Waiting for an answer…"));
  }
  if (entry.feedback) parts.push(feedbackBox(entry.feedback));
  entry.item.replaceChildren(...parts);
}

/** The answer with the words that evidenced each concept marked (offsets are code points). */
function highlighted(answer, feedback) {
  const chars = Array.from(answer);
  const spans = [];
  for (const c of feedback?.concepts ?? []) {
    if (!c.hit) continue;
    for (const ev of c.evidence ?? []) {
      const { start, end } = ev;
      if (Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= chars.length
          && chars.slice(start, end).join("") === ev.text) spans.push([start, end, c.label]);
    }
  }
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged = [];
  for (const [start, end, label] of spans) {
    const last = merged[merged.length - 1];
    if (last && start < last[1]) {
      last[1] = Math.max(last[1], end);
      last[2].add(label);
    } else merged.push([start, end, new Set([label])]);
  }
  const out = [];
  let cursor = 0;
  for (const [start, end, labels] of merged) {
    out.push(chars.slice(cursor, start).join(""));
    out.push(h("mark", { class: "hit", title: [...labels].join("; ") }, chars.slice(start, end).join("")));
    cursor = end;
  }
  out.push(chars.slice(cursor).join(""));
  return out;
}

function feedbackBox(f) {
  const hit = (f.concepts ?? []).filter((c) => c.hit);
  const missed = (f.concepts ?? []).filter((c) => !c.hit);
  return h("div", { class: "msg feedback", "data-role": "feedback" },
    h("p", { class: "who" }, "Rating"),
    h("p", { class: "verdict" }, h("span", { class: `band band-${bandOf(f.score)}` }, f.score), ` band ${f.band} of 5`,
      f.late ? " · sent after the time limit" : ""),
    f.meaning ? h("p", { class: "muted" }, f.meaning) : null,
    h("div", { class: "rating-grid" },
      h("div", {}, h("h4", {}, "Covered"), hit.length
        ? h("ul", { class: "concepts" }, hit.map((c) => h("li", { class: "yes" }, c.label)))
        : h("p", { class: "muted" }, "None of the key ideas.")),
      h("div", {}, h("h4", {}, "Missed"), missed.length
        ? h("ul", { class: "concepts" }, missed.map((c) => h("li", { class: "no" }, c.label)))
        : h("p", { class: "muted" }, "Nothing missed."))));
}

function showFeedback(frame) {
  const entry = turnEntry(frame.turn);
  entry.feedback = frame;
  render(entry);
}

function showSummary(frame) {
  for (const f of frame.feedback ?? []) showFeedback(f);
  const areas = Object.entries(frame.areas ?? {}).map(([a, s]) => `${areaTitle(a)} ${s}`).join(", ");
  summaryScore.replaceChildren(h("span", { class: `band band-${bandOf(frame.score)}` }, frame.score),
    ` overall, band ${frame.band} of 5${areas ? ` — ${areas}` : ""}.`);
  summaryCard.hidden = false;
  setState("The session has finished.");
}

function apply(turnList, frames) {
  for (const t of turnList ?? []) upsertTurn(t);
  for (const f of frames ?? []) {
    if (f.type === "question" || f.type === "follow_up") {
      upsertTurn({ turn: f.turn, kind: f.type, question_id: f.question_id, text: f.text, index: f.index,
                   area: f.type === "question" ? f.area : undefined });
      if (!turns.get(f.turn).data.status) upsertTurn({ turn: f.turn, status: "asked" });
    } else if (f.type === "feedback") showFeedback(f);
    else if (f.type === "summary") showSummary(f);
  }
}

// -- the socket ------------------------------------------------------------------------------
function handle(frame) {
  switch (frame.type) {
    case "observing":
      setWatchers(frame.observers);
      apply(frame.turns, frame.frames);
      if (frame.status !== "finished") setState("Live", "online");
      break;
    case "update":
      apply(frame.turns, frame.frames);
      break;
    case "watching":
      setWatchers(frame.observers);
      break;
    case "error":
      setState(frame.message ?? "Something went wrong.", "offline");
      if (FINAL.has(frame.code)) stopped = true;
      break;
    default:
      break;
  }
}

/** The socket's address: as given when absolute (ws:// or wss://), else on this page's host. */
function socketUrl(address) {
  if (/^wss?:\/\//.test(address)) return address;
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${address}`;
}

function connect() {
  if (stopped) return;
  const ws = new WebSocket(socketUrl(root.dataset.wsUrl));
  socket = ws;
  ws.addEventListener("open", () => {
    failures = 0;
    clearInterval(pinger);
    pinger = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ping", id: `p${Date.now()}` }));
    }, PING_MS);
  });
  ws.addEventListener("message", (event) => {
    if (typeof event.data !== "string") return;
    try {
      handle(JSON.parse(event.data));
    } catch {
      /* a frame this page does not understand is ignored */
    }
  });
  ws.addEventListener("close", () => {
    clearInterval(pinger);
    if (socket !== ws) return;
    socket = null;
    if (stopped) return;
    setState("Connection lost — reconnecting…", "offline");
    const delay = Math.min(MAX_DELAY_MS, 500 * 2 ** failures);
    failures += 1;
    setTimeout(connect, delay * (0.75 + Math.random() * 0.5));
  });
}

window.addEventListener("online", () => {
  if (!socket && !stopped) connect();
});
connect();
