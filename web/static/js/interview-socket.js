// A websocket that reconnects by itself: backs off after failures (0.5 s doubling to 10 s,
// with jitter), can be paused (reconnect on the next sign of the person) and can drop a
// connection that stopped answering.

const MAX_DELAY_MS = 10_000;

export class ReconnectingSocket {
  /**
   * @param {string} url ws:// or wss:// address
   * @param {{frame: (f: object) => void, up?: () => void, down?: (paused: boolean) => void}} handlers
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.ws = null;
    this.failures = 0;
    this.timer = null;
    this.paused = false;
    this.stopped = false;
    this.idleAfterMs = 0; // the server closes connections silent this long (0: unknown)
    this.lastSent = 0;
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped || this.ws) return;
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.failures = 0;
      this.lastSent = Date.now();
      this.handlers.up?.();
    });
    ws.addEventListener("message", (event) => {
      if (this.ws !== ws || typeof event.data !== "string") return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame.type === "string") this.handlers.frame(frame);
    });
    ws.addEventListener("close", () => {
      if (this.ws !== ws) return; // already dropped on purpose
      this.ws = null;
      if (this.stopped) return;
      // The server closes a connection it has not heard from for its idle limit: silent that
      // long, this is a pause (even if the notice was lost with the connection). Anything sent
      // since never reached the server: reconnect now to deliver it.
      if (this.idleAfterMs) this.paused = Date.now() - this.lastSent >= this.idleAfterMs * 0.9;
      this.handlers.down?.(this.paused);
      this.retry();
    });
  }

  /** Send a JSON message; false when there is no open connection. */
  send(message) {
    if (!this.open) return false;
    try {
      this.ws.send(JSON.stringify(message));
      this.lastSent = Date.now();
      return true;
    } catch {
      return false;
    }
  }

  /** Give up on the current connection (no reply came) and start again. */
  drop() {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    try {
      ws.close();
    } catch {
      /* closing a broken socket may throw; it is gone either way */
    }
    this.handlers.down?.(false);
    this.retry();
  }

  /** After this connection closes, wait for `resume()` instead of retrying. */
  pause() {
    this.paused = true;
  }

  /** Reconnect now if disconnected (the person is back, or the browser is online again). */
  resume() {
    this.paused = false;
    if (this.ws || this.stopped) return;
    this.failures = 0;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    ws?.close();
  }

  retry() {
    if (this.stopped || this.paused || this.timer) return;
    const base = Math.min(MAX_DELAY_MS, 500 * 2 ** this.failures);
    this.failures += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, base * (0.75 + Math.random() * 0.5));
  }
}
