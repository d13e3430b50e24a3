// Text helpers for the interview chat: no DOM, no HTML strings.
//
// Everything the server or the candidate wrote is shown as text. Question text arrives as
// Markdown; it is shown as plain paragraphs with the emphasis markers taken out.

/** Paragraphs of a Markdown text, as plain strings (blank lines separate paragraphs). */
export function paragraphs(markdown) {
  return String(markdown ?? "")
    .replace(/\r\n?/g, "\n")
    .split(/\n\s*\n/)
    .map((p) => p.replace(/(\*\*|__|`)/g, "").replace(/^#{1,6}\s+/gm, "").trim())
    .filter((p) => p.length > 0);
}

/** Number of words, as a person would count them. */
export function wordCount(text) {
  const words = String(text ?? "").trim().match(/\S+/g);
  return words ? words.length : 0;
}

/**
 * UTF-16 index of each code-point offset in `text`. The server counts characters in code points
 * (Python strings); JavaScript strings count UTF-16 units, which differ after an emoji.
 */
function codePointIndex(text) {
  const index = [];
  let unit = 0;
  for (const ch of text) {
    index.push(unit);
    unit += ch.length;
  }
  index.push(unit);
  return index;
}

/** Where `span` is in `text` (UTF-16 offsets), checked against the text the server quoted. */
function locate(text, cp, span) {
  const start = cp[span.start];
  const end = cp[span.end];
  if (start !== undefined && end !== undefined && end > start && text.slice(start, end) === span.text) {
    return [start, end];
  }
  if (!span.text) return null;
  // The answer on screen and the one rated differ slightly (line endings, say): search nearby.
  const near = Math.max(0, (start ?? 0) - 40);
  const found = text.indexOf(span.text, near);
  if (found >= 0) return [found, found + span.text.length];
  const anywhere = text.indexOf(span.text);
  return anywhere >= 0 ? [anywhere, anywhere + span.text.length] : null;
}

/**
 * The stretches of `text` to highlight: the evidence of every concept the answer hit, merged
 * where they overlap, each with the labels of the concepts it evidences. Sorted by position.
 */
export function highlightRanges(text, concepts) {
  const cp = codePointIndex(text);
  const spans = [];
  for (const concept of concepts ?? []) {
    if (!concept.hit) continue;
    for (const ev of concept.evidence ?? []) {
      const where = locate(text, cp, ev);
      if (where) spans.push({ start: where[0], end: where[1], labels: [concept.label] });
    }
  }
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start < last.end) {
      last.end = Math.max(last.end, span.end);
      for (const label of span.labels) if (!last.labels.includes(label)) last.labels.push(label);
    } else {
      merged.push({ ...span, labels: [...span.labels] });
    }
  }
  return merged;
}

/** "2:05" for 125 seconds. */
export function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** "Escalations" for "escalations" when no title is known. */
export function titleFromId(id) {
  const words = String(id ?? "").replace(/[-_]+/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : "";
}
