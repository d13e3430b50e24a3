// The interview chat: speaks the /ws/interview protocol (docs/protocol.md) and shows the
// interview as a conversation.
//
// Every item on screen has a key (turn + role), so frames seen twice — a resume after a
// reconnect, a retried message answered again from the server's store — never show twice.
// Messages that change the session wait in an outbox (kept on this device) until their reply
// arrives; after a reconnect or a reload they are sent again with the same id, and the server
// applies each id once.
import {
  AreaTitles, answerItem, feedbackItem, highlightAnswer, hintItem, noAnswerItem, noticeItem,
  questionItem, scorecard, setDelivery, h,
} from "./interview-render.js";
import { ReconnectingSocket } from "./interview-socket.js";
import { kept } from "./interview-store.js";
import { clock, wordCount } from "./interview-text.js";

const REPLY_TIMEOUT_MS = 15_000; // no reply by then: the connection is presumed dead
const HEARTBEAT_MS = 60_000; // the server closes connections silent for WS_IDLE_TIMEOUT (15 min)
const ACTIVE_MS = 10 * 60_000; // after this long without the person, let the connection go idle
const RETRY_MS = { rate_limited: 1500, server_error: 2000 }; // not applied: send again, same id
const RANK = { question: 0, hint: 1, answer: 2, feedback: 3 };
const FINAL_REPLIES = new Set(["question", "follow_up", "summary", "error", "hint", "pong"]);
const SESSION_EVENTS = new Set(["answer", "skip", "end"]);
const FRIENDLY = {
  session_finished: "This interview has already finished.",
  stale_turn: "That answer came too late for its question.",
  not_in_mock: "Hints are not available in a mock interview.",
  empty_answer: "The answer was empty.",
  too_large: "That answer is too long.",
  session_not_found: "We could not open this interview.",
  sign_in_required: "Please sign in to practise.",
  rate_limited: "Too many messages at once.",
  server_error: "The server could not handle that just now.",
};

/** "We could not open this interview. No such session… (code: session_not_found)" */
function explain(frame, fallback) {
  const said = String(frame.message ?? "").trim().replace(/\.$/, "");
  const detail = said ? ` ${said[0].toUpperCase()}${said.slice(1)}.` : "";
  return `${FRIENDLY[frame.code] ?? fallback}${detail} (code: ${frame.code})`;
}

function newId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function parseJson(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function socketUrl(path) {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

class InterviewChat {
  constructor(root) {
    const $ = (id) => document.getElementById(id);
    this.root = root;
    this.ui = {
      progress: $("progress"), timer: $("timer"), connection: $("connection"), announcer: $("announcer"),
      watching: $("watching"),
      conversation: $("conversation"), scorecard: $("scorecard"), form: $("answer-form"), answer: $("answer"),
      counter: $("counter"), hint: $("hint"), skip: $("skip"), end: $("end"), send: $("send"),
      endConfirm: $("end-confirm"), endYes: $("end-yes"), endNo: $("end-no"),
    };
    const data = root.dataset;
    this.urls = {
      interview: data.interviewUrl, practice: data.practiceUrl, transcript: data.transcriptUrl, signup: data.signupUrl,
    };
    this.signedIn = data.signedIn === "true";
    this.plan = parseJson(data.plan);
    this.areas = new AreaTitles(parseJson(data.areas));
    this.sessionId = data.session || null;
    this.mode = this.plan?.mode ?? null;
    this.open = null; // the turn waiting for an answer: {turn, kind, index, total, deadline}
    this.turns = new Map(); // turn -> {kind, index, total, questionId, area, text, answer}
    this.finished = false;
    this.fatal = false;
    this.syncId = null; // the start or resume whose replies are still arriving
    this.outbox = [];
    this.watchdogs = new Map();
    this.reported = new Set(); // ids whose error is already on screen
    this.wasDown = false;
    this.deadline = null;
    this.timerId = null;
    this.spoken = new Set();
    this.firstNew = null;
    this.scrollTimer = null;
    this.lastActivity = Date.now();
    this.pingId = null;
    this.pingTimer = null;
    this.latestTurn = -1;
    this.socket = new ReconnectingSocket(socketUrl(data.wsUrl), {
      frame: (f) => this.onFrame(f),
      down: (paused) => this.onDown(paused),
    });
  }

  begin() {
    this.bindUi();
    if (this.sessionId) this.loadKept();
    this.updateComposer();
    this.socket.connect();
    setInterval(() => this.heartbeat(), HEARTBEAT_MS);
  }

  /**
   * A `ping` now and then while someone is at the page (or a mock question is being timed):
   * it keeps the connection from going idle and finds one that died without a close.
   */
  heartbeat() {
    if (!this.socket.open || !this.sessionId || this.finished || this.fatal || this.syncId) return;
    const timed = this.timerId !== null;
    if (!timed && Date.now() - this.lastActivity > ACTIVE_MS) return;
    const id = newId();
    this.pingId = id;
    this.socket.send({ type: "ping", id });
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => {
      if (this.pingId === id) this.socket.drop();
    }, REPLY_TIMEOUT_MS);
  }

  // -- the person --------------------------------------------------------------------------
  bindUi() {
    const { ui } = this;
    ui.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submitAnswer();
    });
    ui.answer.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submitAnswer();
      }
    });
    ui.answer.addEventListener("input", () => {
      if (this.sessionId) kept.setDraft(this.sessionId, ui.answer.value);
      this.updateComposer();
    });
    ui.hint.addEventListener("click", () => this.askHint());
    ui.skip.addEventListener("click", () => this.send("skip", {}));
    ui.end.addEventListener("click", () => {
      ui.endConfirm.hidden = false;
      ui.endYes.focus();
    });
    ui.endNo.addEventListener("click", () => {
      ui.endConfirm.hidden = true;
      ui.end.focus();
    });
    ui.endYes.addEventListener("click", () => {
      ui.endConfirm.hidden = true;
      this.send("end", {});
    });
    // A connection paused after a quiet spell comes back at the next sign of the person.
    const back = () => {
      this.lastActivity = Date.now();
      if (this.socket.paused) this.socket.resume();
    };
    // Not "focusin": the page moves focus itself when a question arrives, which is no sign of the person.
    for (const type of ["keydown", "input", "pointerdown"]) document.addEventListener(type, back, true);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") back();
    });
    window.addEventListener("online", () => this.socket.resume());
  }

  submitAnswer() {
    const text = this.ui.answer.value;
    if (!this.canAnswer() || !text.trim()) return;
    this.ui.answer.value = "";
    kept.setDraft(this.sessionId, "");
    this.send("answer", { text });
  }

  askHint() {
    if (!this.canAnswer()) return;
    if (!this.socket.send({ type: "hint", id: newId() })) {
      this.notice("info", "You are offline at the moment: ask for the hint again once the connection is back.");
    }
  }

  /** Send a message that changes the session; it stays in the outbox until its reply arrives. */
  send(type, fields) {
    if (!this.sessionId || this.finished || (type !== "end" && !this.canAnswer())) return;
    const turn = this.open?.turn ?? null;
    const item = { id: newId(), type, turn, wire: { type, id: null, ...fields } };
    item.wire.id = item.id;
    if (type === "answer") {
      item.wire.turn = turn;
      this.remember(turn, { answer: fields.text });
      this.place(answerItem(turn, fields.text), turn, "answer");
    }
    if (type !== "end") this.open = null;
    this.outbox.push(item);
    this.saveOutbox();
    this.transmit(item);
    this.updateComposer();
  }

  transmit(item) {
    const bubble = item.type === "answer" ? document.getElementById(`answer-${item.turn}`) : null;
    if (!this.syncId && this.socket.send(item.wire)) {
      if (bubble && bubble.dataset.delivery !== "sent") setDelivery(bubble, "sending");
      clearTimeout(this.watchdogs.get(item.id));
      this.watchdogs.set(item.id, setTimeout(() => {
        if (this.outbox.includes(item)) this.socket.drop();
      }, REPLY_TIMEOUT_MS));
    } else if (bubble && bubble.dataset.delivery !== "sent") {
      setDelivery(bubble, "queued");
    }
  }

  canAnswer() {
    return Boolean(this.sessionId && this.open && !this.finished && !this.fatal
      && !this.outbox.some((m) => SESSION_EVENTS.has(m.type)));
  }

  updateComposer() {
    const { ui } = this;
    const active = Boolean(this.sessionId) && !this.finished && !this.fatal;
    const can = this.canAnswer();
    ui.answer.disabled = !active;
    ui.send.disabled = !can || !ui.answer.value.trim();
    ui.skip.disabled = !can;
    ui.hint.hidden = this.mode === "mock";
    ui.hint.disabled = !can || this.mode === "mock";
    ui.end.disabled = !active || this.outbox.some((m) => m.type === "end");
    const words = wordCount(ui.answer.value);
    ui.counter.textContent = `${words} word${words === 1 ? "" : "s"}`;
  }

  // -- frames from the server -----------------------------------------------------------------
  onFrame(frame) {
    const handlers = {
      hello: this.onHello, session: this.onSession, transcript: this.onTranscript, question: this.onQuestion,
      follow_up: this.onQuestion, feedback: this.onFeedback, hint: this.onHint, summary: this.onSummary,
      error: this.onError, pong: this.onPong, watching: this.onWatching,
    };
    handlers[frame.type]?.call(this, frame);
    if (frame.reply_to && FINAL_REPLIES.has(frame.type)) this.settle(frame);
  }

  onWatching(frame) {
    const n = frame.observers;
    this.ui.watching.hidden = n < 1;
    this.ui.watching.textContent = n === 1 ? "A coach is watching" : `${n} coaches are watching`;
  }

  onPong(frame) {
    if (frame.reply_to !== this.pingId) return;
    this.pingId = null;
    clearTimeout(this.pingTimer);
  }

  onHello(frame) {
    this.socket.idleAfterMs = (Number(frame.limits?.idle_timeout) || 0) * 1000;
    this.setConnection(this.wasDown ? "Reconnected." : "", false);
    if (this.wasDown) setTimeout(() => this.socket.open && this.setConnection("", false), 3000);
    this.sync();
  }

  /** Start the interview, or pick it up where it stands. */
  sync() {
    if (this.fatal) return;
    this.syncId = newId();
    this.ui.conversation.setAttribute("aria-busy", "true");
    if (this.sessionId) {
      this.socket.send({ type: "resume", id: this.syncId, session: this.sessionId,
        token: kept.token(this.sessionId) ?? "" });
    } else if (this.plan) {
      const { areas, count, mode, difficulty, time_limit: timeLimit, questions } = this.plan;
      const start = { type: "start", id: this.syncId, areas, count, mode, difficulty: difficulty ?? null };
      if (Number.isInteger(timeLimit)) start.time_limit = timeLimit;
      if (Array.isArray(questions) && questions.length) start.questions = questions; // retrying a question
      this.socket.send(start);
    } else {
      this.syncId = null;
      this.stop("There is no interview to open here.");
    }
  }

  afterSync() {
    this.syncId = null;
    this.ui.conversation.setAttribute("aria-busy", "false");
    for (const item of this.outbox) {
      if (item.type === "answer" && !document.getElementById(`answer-${item.turn}`)) {
        this.remember(item.turn, { answer: item.wire.text });
        this.place(answerItem(item.turn, item.wire.text), item.turn, "answer");
      }
      this.transmit(item);
    }
    if (this.outbox.some((m) => SESSION_EVENTS.has(m.type) && m.type !== "end")) this.open = null;
    this.updateComposer();
    const target = this.finished ? this.ui.scorecard
      : (this.open && document.getElementById(`turn-${this.open.turn}`)) || this.ui.conversation.lastElementChild;
    target?.scrollIntoView({ block: "start" });
  }

  onSession(frame) {
    const fresh = this.sessionId !== frame.session;
    this.sessionId = frame.session;
    this.mode = frame.mode ?? this.mode;
    this.plan = frame.plan ?? this.plan;
    if (frame.token) kept.setToken(frame.session, frame.token);
    const path = this.urls.interview.replace("SESSION_ID", encodeURIComponent(frame.session));
    if (window.location.pathname !== path) window.history.replaceState(null, "", path);
    this.root.dataset.session = frame.session;
    this.root.dataset.mode = this.mode ?? "";
    if (fresh) this.loadKept();
    this.updateComposer();
  }

  onTranscript(frame) {
    this.latestTurn = Math.max(this.latestTurn, frame.turn);
    this.remember(frame.turn, { kind: frame.kind, questionId: frame.question_id, text: frame.text });
    this.ensureQuestion(frame.turn);
    if (frame.status === "answered" && typeof frame.answer === "string") {
      setDelivery(this.ensureAnswer(frame.turn, frame.answer), "sent");
    } else if (frame.status === "skipped") {
      this.ensureNoAnswer(frame.turn, "Skipped");
    } else if (frame.status === "timed_out") {
      this.ensureNoAnswer(frame.turn, "No answer — the time ran out");
    }
    if (frame.feedback) this.showFeedback(frame.turn, frame.feedback);
  }

  onQuestion(frame) {
    const before = this.open;
    this.remember(frame.turn, {
      kind: frame.type, index: frame.index, total: frame.total, questionId: frame.question_id,
      area: frame.area, text: frame.text,
    });
    if (frame.turn < this.latestTurn) {
      // A stored reply replayed for a retried message: the session has moved on since.
      this.ensureQuestion(frame.turn);
      return;
    }
    this.latestTurn = frame.turn;
    if (before && before.turn !== frame.turn && !frame.reply_to) {
      this.ensureNoAnswer(before.turn, "No answer — the time ran out"); // the server moved on by itself
    }
    this.ensureQuestion(frame.turn);
    this.open = { turn: frame.turn, kind: frame.type, index: frame.index, total: frame.total };
    this.ui.progress.textContent = `Question ${frame.index} of ${frame.total}${frame.type === "follow_up" ? " · follow-up" : ""}`;
    this.startTimer(frame.deadline);
    this.updateComposer();
    if (!this.fatal) this.ui.answer.focus({ preventScroll: true });
  }

  onFeedback(frame) {
    this.showFeedback(frame.turn, frame);
  }

  onHint(frame) {
    if (document.getElementById(`hint-${frame.turn}`)) return;
    this.place(hintItem(frame.turn, frame), frame.turn, "hint");
  }

  onSummary(frame) {
    this.finished = true;
    this.open = null;
    this.stopTimer();
    for (const feedback of frame.feedback ?? []) this.showFeedback(feedback.turn, feedback);
    const asked = frame.asked ?? 0;
    this.ui.progress.textContent = `Finished · ${frame.answered ?? 0} of ${asked} answered`;
    const labels = new Map([...this.turns].filter(([, t]) => t.kind === "question")
      .map(([turn, t]) => [turn, `Question ${t.index}`]));
    this.ui.scorecard.replaceChildren(scorecard(frame, {
      areas: this.areas, practiceUrl: this.urls.practice, signupUrl: this.urls.signup, mode: this.mode,
      transcriptUrl: this.signedIn ? this.urls.transcript.replace("SESSION_ID", encodeURIComponent(this.sessionId)) : null,
      questionLabels: labels,
    }));
    this.ui.scorecard.hidden = false;
    this.ui.form.hidden = true;
    // Nothing more can be applied: what was waiting either made it (this is its reply) or not.
    for (const item of this.outbox) {
      const bubble = item.type === "answer" ? document.getElementById(`answer-${item.turn}`) : null;
      if (item.id === frame.reply_to) this.completed(item);
      else if (bubble && bubble.dataset.delivery !== "sent") {
        setDelivery(bubble, "failed", "the interview finished before this answer arrived.");
      }
    }
    this.outbox = [];
    kept.forget(this.sessionId);
    for (const timer of this.watchdogs.values()) clearTimeout(timer);
    this.watchdogs.clear();
    this.socket.stop(); // the interview is over: free the server's connection
    this.setConnection("", false);
    this.updateComposer();
    clearTimeout(this.scrollTimer);
    this.firstNew = null;
    if (!this.syncId) {
      const heading = document.getElementById("scorecard-title");
      heading?.scrollIntoView({ block: "start" });
      heading?.focus({ preventScroll: true });
    }
  }

  onError(frame) {
    const item = this.outbox.find((m) => m.id === frame.reply_to);
    if (frame.code === "idle_timeout") {
      this.socket.pause(); // the server closes next; come back when the person does
      return;
    }
    if (frame.code in RETRY_MS) {
      if (!frame.reply_to && frame.code === "server_error") {
        // Not about a message of ours (the server failed to move on after a deadline): catch up.
        setTimeout(() => this.socket.open && !this.syncId && this.sync(), RETRY_MS[frame.code]);
      } else if (!frame.reply_to) {
        setTimeout(() => this.outbox.forEach((m) => this.transmit(m)), RETRY_MS[frame.code]);
      } else if (frame.code === "server_error" && !this.reported.has(`retry:${frame.reply_to}`)) {
        this.reported.add(`retry:${frame.reply_to}`);
        this.notice("info", "The server could not handle that just now; trying again…");
      }
      return; // settle() keeps the message it answers and sends it again
    }
    if (frame.reply_to && this.reported.has(frame.reply_to)) return;
    if (frame.reply_to) this.reported.add(frame.reply_to);
    if (frame.reply_to && frame.reply_to === this.syncId) {
      this.stop(explain(frame, "Sorry, the interview could not be opened."));
      return;
    }
    this.notice("error", explain(frame, "Sorry, that did not work."));
    if (item?.type === "answer") {
      const bubble = document.getElementById(`answer-${item.turn}`);
      if (frame.code === "session_finished") {
        if (bubble) setDelivery(bubble, "failed", frame.message ?? frame.code);
      } else {
        // Nothing typed is lost: the text goes back into the answer box to send again.
        bubble?.remove();
        const info = this.turns.get(item.turn);
        if (info) delete info.answer;
        const draft = this.ui.answer.value.trim() ? `${this.ui.answer.value}\n\n${item.wire.text}` : item.wire.text;
        this.ui.answer.value = draft;
        kept.setDraft(this.sessionId, draft);
        if (frame.code !== "stale_turn") this.reopen(item.turn);
      }
    }
    if (["stale_turn", "session_finished", "out_of_order"].includes(frame.code)) {
      // This page is behind the session (another tab moved it on, or time ran out): catch up.
      setTimeout(() => this.socket.open && !this.syncId && this.sync(), 0);
    }
  }

  /** A reply that completes a message: take it out of the outbox. */
  settle(frame) {
    if (this.fatal) return;
    const retry = frame.type === "error" ? RETRY_MS[frame.code] : undefined;
    if (frame.reply_to === this.syncId) {
      if (retry) setTimeout(() => this.socket.open && this.sync(), retry);
      else this.afterSync();
      return;
    }
    const index = this.outbox.findIndex((m) => m.id === frame.reply_to);
    if (index < 0) return;
    const item = this.outbox[index];
    clearTimeout(this.watchdogs.get(item.id));
    this.watchdogs.delete(item.id);
    if (retry) {
      setTimeout(() => this.outbox.includes(item) && this.transmit(item), retry);
      return;
    }
    this.outbox.splice(index, 1);
    this.saveOutbox();
    if (frame.type !== "error") this.completed(item);
    this.updateComposer();
  }

  /** Show what a message did once the server has applied it. */
  completed(item) {
    if (item.type === "answer") {
      const bubble = document.getElementById(`answer-${item.turn}`);
      if (bubble) setDelivery(bubble, "sent");
    } else if (item.type === "skip") {
      this.ensureNoAnswer(item.turn, "Skipped");
    } else if (item.type === "end" && item.turn !== null) {
      this.ensureNoAnswer(item.turn, "Not answered — you ended the interview");
    }
  }

  onDown(paused) {
    if (this.finished || this.fatal) return;
    this.wasDown = true;
    if (this.syncId) {
      this.syncId = null;
      this.ui.conversation.setAttribute("aria-busy", "false");
    }
    for (const timer of this.watchdogs.values()) clearTimeout(timer);
    this.watchdogs.clear();
    clearTimeout(this.pingTimer);
    this.pingId = null;
    for (const item of this.outbox) {
      const bubble = item.type === "answer" ? document.getElementById(`answer-${item.turn}`) : null;
      if (bubble && bubble.dataset.delivery !== "sent") setDelivery(bubble, "queued");
    }
    this.setConnection(paused
      ? "Connection paused after a quiet spell — it reconnects as soon as you continue."
      : "Connection lost — reconnecting…", true);
  }

  // -- what is on screen ------------------------------------------------------------------------
  remember(turn, facts) {
    const info = this.turns.get(turn) ?? {};
    for (const [key, value] of Object.entries(facts)) if (value !== undefined) info[key] = value;
    if (info.kind === "question" && info.index === undefined) {
      info.index = 1 + [...this.turns].filter(([t, i]) => t < turn && i.kind === "question").length;
    }
    this.turns.set(turn, info);
    return info;
  }

  ensureQuestion(turn) {
    if (document.getElementById(`turn-${turn}`)) return;
    this.place(questionItem(turn, this.turns.get(turn), this.areas), turn, "question");
  }

  ensureAnswer(turn, text) {
    this.remember(turn, { answer: text });
    return document.getElementById(`answer-${turn}`) ?? this.place(answerItem(turn, text), turn, "answer");
  }

  ensureNoAnswer(turn, text) {
    if (turn === null || turn === undefined || document.getElementById(`answer-${turn}`)) return;
    this.place(noAnswerItem(turn, text), turn, "answer");
  }

  showFeedback(turn, frame) {
    if (document.getElementById(`feedback-${turn}`)) return;
    const bubble = document.getElementById(`answer-${turn}`);
    const text = this.turns.get(turn)?.answer;
    if (bubble && typeof text === "string") highlightAnswer(bubble, text, frame.concepts);
    this.place(feedbackItem(turn, frame, this.areas), turn, "feedback");
  }

  reopen(turn) {
    const info = this.turns.get(turn);
    if (info) this.open = { turn, kind: info.kind, index: info.index, total: info.total };
    this.updateComposer();
    this.ui.answer.focus({ preventScroll: true });
  }

  /** Put an item in turn order (question, hint, answer, feedback); notices go at the end. */
  place(item, turn, role) {
    const list = this.ui.conversation;
    const last = list.lastElementChild;
    const order = turn === null || role === undefined
      ? Number(last?.dataset.order ?? 0)
      : turn * 10 + RANK[role];
    item.dataset.order = String(order);
    const after = [...list.children].find((child) => Number(child.dataset.order) > order);
    list.insertBefore(item, after ?? null);
    if (!this.syncId && !this.firstNew && !this.finished) {
      // Frames come one by one: show the first new item of a batch (the answer, then its feedback).
      this.firstNew = item;
      this.scrollTimer = setTimeout(() => {
        this.firstNew?.scrollIntoView({ block: "start" });
        this.firstNew = null;
      }, 60);
    }
    return item;
  }

  notice(kind, text, extra = null) {
    return this.place(noticeItem(kind, text, extra), null);
  }

  /** Something that cannot be retried: say so and how to go on. */
  stop(text) {
    this.fatal = true;
    this.socket.stop();
    this.stopTimer();
    this.ui.progress.textContent = "Interview not available";
    this.setConnection("", false);
    const links = h("p", { class: "actions" },
      h("a", { class: "button", href: this.urls.practice }, "Set up a new practice"),
      this.signedIn ? null : h("a", { class: "button secondary", href: this.urls.signup }, "Sign up"));
    this.notice("error", text, links);
    this.ui.conversation.setAttribute("aria-busy", "false");
    this.ui.form.hidden = true;
    this.updateComposer();
  }

  setConnection(text, offline) {
    this.ui.connection.textContent = text;
    this.ui.connection.classList.toggle("offline", offline);
    this.root.classList.toggle("is-offline", offline);
  }

  // -- kept on this device ------------------------------------------------------------------------
  loadKept() {
    const draft = kept.draft(this.sessionId);
    if (draft && !this.ui.answer.value) this.ui.answer.value = draft;
    this.outbox = kept.outbox(this.sessionId);
    for (const item of this.outbox) {
      // An answer that never got its reply: show it at once; it is sent again once connected.
      if (item.type !== "answer" || document.getElementById(`answer-${item.turn}`)) continue;
      this.remember(item.turn, { answer: item.wire.text });
      setDelivery(this.place(answerItem(item.turn, item.wire.text), item.turn, "answer"), "queued");
    }
  }

  saveOutbox() {
    if (this.sessionId) kept.setOutbox(this.sessionId, this.outbox);
  }

  // -- mock interview timer ---------------------------------------------------------------------
  startTimer(deadline) {
    this.stopTimer();
    const due = deadline ? Date.parse(deadline) : NaN;
    if (Number.isNaN(due)) return;
    this.deadline = due;
    this.spoken.clear();
    this.ui.timer.hidden = false;
    this.tick();
    this.timerId = setInterval(() => this.tick(), 250);
  }

  tick() {
    const left = (this.deadline - Date.now()) / 1000;
    this.ui.timer.textContent = left > 0 ? `Time left ${clock(left)}` : "Time is up";
    this.ui.timer.classList.toggle("low", left <= 30);
    for (const mark of [60, 10]) {
      if (left <= mark && left > mark - 5 && !this.spoken.has(mark)) {
        this.spoken.add(mark);
        this.ui.announcer.textContent = mark === 60 ? "One minute left for this question." : "Ten seconds left.";
      }
    }
  }

  stopTimer() {
    clearInterval(this.timerId);
    this.timerId = null;
    this.ui.timer.hidden = true;
  }
}

const root = document.getElementById("interview");
if (root) new InterviewChat(root).begin();
