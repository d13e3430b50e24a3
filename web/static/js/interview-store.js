// What the chat keeps on this device, per session: the resume token (guests need it to come
// back), the draft being typed, and messages sent but not yet answered by the server.
const PREFIX = "interviewbot:";

function read(key) {
  try {
    return localStorage.getItem(PREFIX + key);
  } catch {
    return null; // storage blocked: the chat still works, it just forgets on reload
  }
}

function write(key, value) {
  try {
    if (value === null || value === undefined || value === "") localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, value);
  } catch {
    /* full or blocked: nothing more to do */
  }
}

export const kept = {
  token: (session) => read(`token:${session}`),
  setToken: (session, token) => write(`token:${session}`, token),
  draft: (session) => read(`draft:${session}`) ?? "",
  setDraft: (session, text) => write(`draft:${session}`, text),
  outbox(session) {
    try {
      const list = JSON.parse(read(`outbox:${session}`) ?? "[]");
      return Array.isArray(list) ? list.filter((m) => m && typeof m.id === "string" && m.wire) : [];
    } catch {
      return [];
    }
  },
  setOutbox: (session, list) => write(`outbox:${session}`, list.length ? JSON.stringify(list) : null),
  forget(session) {
    write(`draft:${session}`, null);
    write(`outbox:${session}`, null);
  },
};
