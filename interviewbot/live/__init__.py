"""Fan-out of session events to whoever is watching: in-process, or across processes via Redis.

A publisher sends an event (a JSON-able dict) to a channel, e.g. "session:<id>". Every
subscriber of that channel, in this process or (with Redis) in any process, receives it on a
queue of its own. Delivery is best effort and live only: events are not stored here (the
database holds the truth; a late watcher loads the transcript first, then follows events).
"""
from __future__ import annotations

import json
import logging
import queue
import threading
from typing import Any, Protocol

log = logging.getLogger(__name__)
QUEUE_LIMIT = 1000  # a watcher this far behind is dropped rather than letting memory grow


class Subscription:
    """Events of one channel for one subscriber. `get` blocks up to `timeout` seconds."""

    def __init__(self, broker: "LocalFanout", channel: str):
        self.channel = channel
        self._broker = broker
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(QUEUE_LIMIT)
        self.closed = False

    def get(self, timeout: float | None = None) -> dict[str, Any] | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def deliver(self, event: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            log.warning("dropping a subscriber of %s that is not keeping up", self.channel)
            self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._broker.unsubscribe(self)

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Broker(Protocol):
    def publish(self, channel: str, event: dict[str, Any]) -> None: ...
    def subscribe(self, channel: str) -> Subscription: ...
    def subscribers(self, channel: str) -> int: ...
    def close(self) -> None: ...


class LocalFanout:
    """Subscribers in this process only (the default: one process serves everyone)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, set[Subscription]] = {}

    def publish(self, channel: str, event: dict[str, Any]) -> None:
        self.deliver_local(channel, event)

    def deliver_local(self, channel: str, event: dict[str, Any]) -> None:
        with self._lock:
            targets = list(self._channels.get(channel, ()))
        for sub in targets:
            sub.deliver(event)

    def subscribe(self, channel: str) -> Subscription:
        sub = Subscription(self, channel)
        with self._lock:
            first = channel not in self._channels
            self._channels.setdefault(channel, set()).add(sub)
        if first:
            self._first_subscriber(channel)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._channels.get(sub.channel)
            if not subs or sub not in subs:
                return
            subs.discard(sub)
            last = not subs
            if last:
                del self._channels[sub.channel]
        if last:
            self._last_subscriber_left(sub.channel)

    def subscribers(self, channel: str) -> int:
        with self._lock:
            return len(self._channels.get(channel, ()))

    def _first_subscriber(self, channel: str) -> None:
        pass

    def _last_subscriber_left(self, channel: str) -> None:
        pass

    def close(self) -> None:
        pass


class RedisFanout(LocalFanout):
    """Events published to Redis; one listener thread per process feeds local subscribers.

    redis-py PubSub objects are not thread-safe, so only the listener thread touches it; other
    threads ask it to (un)subscribe through a queue of commands.
    """

    PREFIX = "interviewbot:"

    def __init__(self, url: str):
        super().__init__()
        import redis

        self._redis = redis.Redis.from_url(url)
        self._redis.ping()  # fail at start-up, not at the first event
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._commands: queue.Queue[tuple[str, str, threading.Event | None]] = queue.Queue()
        self._stopping = threading.Event()
        # get_message() needs a subscribed connection; this channel only keeps it open.
        self._pubsub.subscribe(f"{self.PREFIX}__control__")
        self._thread = threading.Thread(target=self._listen, name="redis-fanout", daemon=True)
        self._thread.start()

    def publish(self, channel: str, event: dict[str, Any]) -> None:
        self._redis.publish(self.PREFIX + channel, json.dumps(event))

    def _first_subscriber(self, channel: str) -> None:
        done = threading.Event()
        self._commands.put(("subscribe", channel, done))
        done.wait(5)  # so an event published right after subscribe() returns is not missed

    def _last_subscriber_left(self, channel: str) -> None:
        self._commands.put(("unsubscribe", channel, None))

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                while True:
                    try:
                        action, channel, done = self._commands.get_nowait()
                    except queue.Empty:
                        break
                    getattr(self._pubsub, action)(self.PREFIX + channel)
                    if done is not None:
                        done.set()
                message = self._pubsub.get_message(timeout=0.05)
                if message and message["type"] == "message":
                    channel = message["channel"].decode()[len(self.PREFIX):]
                    self.deliver_local(channel, json.loads(message["data"]))
            except Exception:  # a Redis hiccup must not kill live updates for good
                if not self._stopping.is_set():
                    log.exception("redis fan-out listener error; retrying")
                    self._stopping.wait(1)

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(2)
        self._pubsub.close()
        self._redis.close()


def make_broker(redis_url: str | None) -> Broker:
    return RedisFanout(redis_url) if redis_url else LocalFanout()
