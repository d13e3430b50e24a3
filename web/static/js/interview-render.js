// DOM for the interview chat, built from elements and text nodes only (never innerHTML), so
// nothing the candidate types or the server sends can become markup.
import { highlightRanges, paragraphs, titleFromId } from "./interview-text.js";

const STAR = ["situation", "task", "action", "result"];
const BAND_MEANINGS = [
  "Little or nothing that answers the question.",
  "Touches the topic but with few of the ideas a strong answer needs.",
  "A reasonable answer that covers some key ideas; gaps in depth, structure or evidence.",
  "A strong answer: most key ideas, clear structure and concrete evidence.",
  "An excellent answer: nearly all key ideas, well structured, specific and measured.",
];

/** An element with attributes and children (strings become text nodes; null is skipped). */
export function h(tag, attrs = {}, ...children) {
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

export class AreaTitles {
  constructor(titles) {
    this.titles = titles ?? {};
  }

  of(id) {
    return this.titles[id] ?? titleFromId(id);
  }
}

// -- conversation items --------------------------------------------------------------------

export function questionItem(turn, info, areas) {
  const label = info.kind === "follow_up"
    ? "Interviewer · follow-up"
    : `Interviewer · Question ${info.index ?? ""}${info.area ? ` · ${areas.of(info.area)}` : ""}`;
  return h("li", {
    class: `msg interviewer ${info.kind === "follow_up" ? "chat-follow-up" : "chat-question"}`,
    id: `turn-${turn}`, "data-turn": turn, "data-role": "question", "data-kind": info.kind,
    "data-question-id": info.questionId,
  }, h("p", { class: "who" }, label), paragraphs(info.text).map((p) => h("p", { class: "question-text" }, p)));
}

export function answerItem(turn, text) {
  return h("li", { class: "msg candidate", id: `answer-${turn}`, "data-turn": turn, "data-role": "answer" },
    h("p", { class: "who" }, "You"),
    h("div", { class: "answer-text" }, text),
    h("p", { class: "delivery", hidden: true }));
}

/** The candidate's side of a turn with no answer (skipped, time ran out, interview ended). */
export function noAnswerItem(turn, text) {
  return h("li", { class: "msg candidate no-answer", id: `answer-${turn}`, "data-turn": turn, "data-role": "answer" },
    h("p", { class: "who" }, "You"), h("p", { class: "answer-text" }, text));
}

/** Show how far an answer got: "sending", "queued", "sent" or "failed" (with a reason). */
export function setDelivery(item, state, reason = "") {
  const note = item.querySelector(".delivery");
  if (!note) return;
  item.dataset.delivery = state;
  const text = {
    sending: "Sending…",
    queued: "Not sent yet — it will be sent when the connection is back.",
    sent: "",
    failed: `Not recorded: ${reason}`,
  }[state] ?? "";
  note.textContent = text;
  note.hidden = !text;
}

/** Rebuild the answer's text with the words that evidenced each concept marked. */
export function highlightAnswer(item, text, concepts) {
  const box = item.querySelector(".answer-text");
  if (!box) return 0;
  const ranges = highlightRanges(text, concepts);
  const parts = [];
  let at = 0;
  for (const range of ranges) {
    if (range.start > at) parts.push(document.createTextNode(text.slice(at, range.start)));
    parts.push(h("mark", { class: "hit", title: range.labels.join("; ") }, text.slice(range.start, range.end)));
    at = range.end;
  }
  if (at < text.length) parts.push(document.createTextNode(text.slice(at)));
  box.replaceChildren(...parts);
  return ranges.length;
}

export function hintItem(turn, frame) {
  return h("li", { class: "msg interviewer chat-hint", id: `hint-${turn}`, "data-turn": turn, "data-role": "hint" },
    h("p", { class: "who" }, "Interviewer · hint"),
    frame.concepts?.length ? [h("p", {}, "A strong answer covers:"),
      h("ul", { class: "plain-list" }, frame.concepts.map((c) => h("li", {}, c)))] : null,
    frame.strong_answer?.length ? [h("p", {}, "What interviewers listen for:"),
      h("ul", { class: "plain-list" }, frame.strong_answer.map((c) => h("li", {}, c)))] : null);
}

export function noticeItem(kind, text, extra = null) {
  return h("li", { class: `msg notice ${kind}`, "data-role": "notice" }, h("p", {}, text), extra);
}

function bars(scores, areas, label) {
  const entries = Object.entries(scores ?? {});
  if (!entries.length) return null;
  return h("ul", { class: "bars", "aria-label": label }, entries.map(([area, score]) => {
    const fill = h("span", {});
    fill.style.width = `${Math.max(0, Math.min(100, score))}%`; // CSSOM: allowed by the CSP
    return h("li", {},
      h("span", { class: "bar-label" }, areas.of(area)),
      h("span", { class: "bar", role: "img", "aria-label": `${areas.of(area)}: ${score} out of 100` }, fill),
      h("span", { class: "bar-value" }, String(score)));
  }));
}

function verdict(score, band, prefix) {
  return h("p", { class: "verdict" },
    h("span", { class: `band band-${band}` }, `Band ${band} of 5`), " ",
    h("strong", { class: "score" }, `${prefix}${score}/100`));
}

function quoted(evidence) {
  const seen = [];
  for (const e of evidence ?? []) {
    const text = e.text.trim();
    if (text && !seen.some((s) => s.toLowerCase() === text.toLowerCase())) seen.push(text);
  }
  return seen.slice(0, 3).map((t) => `“${t}”`).join(", ");
}

export function feedbackItem(turn, frame, areas) {
  const hits = (frame.concepts ?? []).filter((c) => c.hit);
  const missed = (frame.concepts ?? []).filter((c) => !c.hit);
  const star = frame.star ?? {};
  const tips = (frame.feedback ?? []).slice(0, 2);
  return h("li", { class: "msg feedback", id: `feedback-${turn}`, "data-turn": turn, "data-role": "feedback" },
    h("p", { class: "who" }, "Feedback"),
    verdict(frame.score, frame.band, "Score "),
    frame.meaning ? h("p", { class: "meaning" }, frame.meaning) : null,
    frame.late ? h("p", { class: "late" }, "This answer arrived after the time limit.") : null,
    bars(frame.areas, areas, "Score by area"),
    h("div", { class: "fb-grid" },
      h("section", { class: "fb-hits" }, h("h3", {}, "What you covered"),
        hits.length
          ? h("ul", { class: "concepts" }, hits.map((c) => h("li", { class: "yes" }, c.label,
            quoted(c.evidence) ? h("span", { class: "muted" }, ` — you said ${quoted(c.evidence)}`) : null)))
          : h("p", { class: "muted" }, "None of the key ideas yet.")),
      h("section", { class: "fb-missed" }, h("h3", {}, "What was missing"),
        missed.length
          ? h("ul", { class: "concepts" }, missed.map((c) => h("li", { class: "no" }, c.label)))
          : h("p", { class: "muted" }, "Nothing: every key idea is there."))),
    h("section", { class: "fb-star" }, h("h3", {}, "STAR structure"),
      h("ul", { class: "star" }, STAR.filter((e) => e in star).map((e) => {
        const present = Boolean(star[e]?.present);
        return h("li", { class: present ? "present" : "absent" },
          `${e[0].toUpperCase()}${e.slice(1)} `, h("span", { "aria-hidden": "true" }, present ? "✓" : "✗"),
          h("span", { class: "visually-hidden" }, present ? " present" : " missing"));
      }))),
    tips.length ? h("section", { class: "fb-tips" }, h("h3", {}, "Next time"),
      h("ul", { class: "chat-tips" }, tips.map((t) => h("li", {}, t)))) : null);
}

// -- the scorecard --------------------------------------------------------------------------

export function practiseNextUrl(practiceUrl, summary) {
  const plan = summary.next?.plan;
  if (!plan || !plan.areas?.length) return null;
  const query = new URLSearchParams();
  for (const area of plan.areas) query.append("areas", area);
  query.set("count", String(plan.count ?? 3));
  query.set("mode", plan.mode ?? "practice");
  return `${practiceUrl}?${query}`;
}

export function scorecard(summary, { areas, practiceUrl, transcriptUrl, signupUrl, mode, questionLabels }) {
  const band = summary.band ?? 1;
  const scores = summary.areas ?? {};
  const next = practiseNextUrl(practiceUrl, summary);
  const focus = summary.next?.focus ?? [];
  const answered = summary.answered ?? 0;
  const asked = summary.asked ?? 0;
  const card = h("div", { class: "card chat-scorecard", "aria-labelledby": "scorecard-title" },
    h("h2", { id: "scorecard-title", tabindex: "-1" }, "Your scorecard"),
    asked ? [verdict(summary.score, band, "Overall "),
      h("p", { class: "meaning" }, BAND_MEANINGS[band - 1] ?? "")] : null,
    h("p", { class: "scorecard-answered" }, `You answered ${answered} of ${asked} question${asked === 1 ? "" : "s"} asked`
      + (summary.planned && summary.planned > asked ? ` (${summary.planned} were planned).` : ".")),
    Object.keys(scores).length ? [h("h3", {}, "By area"), bars(scores, areas, "Overall score by area")] : null,
    summary.strongest ? h("dl", { class: "chat-extremes" },
      h("div", { class: "extreme-strongest" }, h("dt", {}, "Strongest area"),
        h("dd", { "data-area": summary.strongest },
          `${areas.of(summary.strongest)} (${scores[summary.strongest] ?? "–"}/100)`)),
      h("div", { class: "extreme-weakest" }, h("dt", {}, "Weakest area"),
        h("dd", { "data-area": summary.weakest },
          `${areas.of(summary.weakest)} (${scores[summary.weakest] ?? "–"}/100)`))) : null,
    h("h3", {}, "What to practise next"),
    summary.weakest
      ? h("p", {}, `Practise ${areas.of(summary.weakest).toLowerCase()} again`,
        focus.length ? [". Work on: ", focus.join("; "), "."] : ".")
      : h("p", {}, "Answer a few questions to see where to focus."),
    h("p", { class: "actions" },
      next ? h("a", { class: "button", id: "practise-next", href: next },
        `Practise ${areas.of(summary.weakest)} · 3 questions`)
        : h("a", { class: "button", href: practiceUrl }, "Start another practice"),
      transcriptUrl
        ? h("a", { class: "button secondary", id: "transcript-link", href: transcriptUrl }, "Read the full transcript")
        : h("a", { class: "button secondary", href: signupUrl }, "Sign up to keep your history")));
  const results = summary.questions ?? [];
  if (mode === "mock" && results.length) {
    card.append(h("h3", {}, "Feedback on each answer"),
      h("ol", { class: "question-results" }, results.map((r) => h("li", {},
        h("a", { href: r.status === "answered" ? `#feedback-${r.turn}` : `#turn-${r.turn}` },
          questionLabels.get(r.turn) ?? `Question at turn ${r.turn + 1}`),
        ` · ${areas.of(r.area)} · `,
        r.status === "answered" ? `${r.score}/100` : (r.status === "timed_out" ? "time ran out" : "skipped")))));
  }
  return card;
}
