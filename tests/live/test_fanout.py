"""Live fan-out: in-process always; through Redis when TEST_REDIS_URL is set (CI sets it)."""
import os
import threading

import pytest

from interviewbot.live import LocalFanout, RedisFanout

REDIS_URL = os.environ.get("TEST_REDIS_URL")
KINDS = ["local"] + (["redis"] if REDIS_URL else [])


@pytest.fixture(params=KINDS)
def make_broker(request):
    brokers = []

    def make():
        broker = LocalFanout() if request.param == "local" else RedisFanout(REDIS_URL)
        brokers.append(broker)
        return broker

    yield make
    for b in brokers:
        b.close()


def test_every_subscriber_of_a_channel_gets_the_event(make_broker):
    broker = make_broker()
    with broker.subscribe("session:a") as one, broker.subscribe("session:a") as two, \
            broker.subscribe("session:b") as other:
        broker.publish("session:a", {"type": "answer", "n": 1})
        assert one.get(2) == {"type": "answer", "n": 1}
        assert two.get(2) == {"type": "answer", "n": 1}
        assert other.get(0.2) is None


def test_unsubscribed_watchers_get_nothing_and_are_counted_out(make_broker):
    broker = make_broker()
    sub = broker.subscribe("session:a")
    assert broker.subscribers("session:a") == 1
    sub.close()
    assert broker.subscribers("session:a") == 0
    broker.publish("session:a", {"type": "x"})
    assert sub.get(0.2) is None


def test_events_keep_their_order(make_broker):
    broker = make_broker()
    with broker.subscribe("s") as sub:
        for i in range(50):
            broker.publish("s", {"i": i})
        assert [sub.get(2)["i"] for _ in range(50)] == list(range(50))


def test_concurrent_publishers_lose_nothing(make_broker):
    broker = make_broker()
    with broker.subscribe("s") as sub:
        threads = [threading.Thread(target=lambda n=n: [broker.publish("s", {"n": n, "i": i}) for i in range(20)])
                   for n in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        got = [sub.get(2) for _ in range(100)]
    assert sorted((e["n"], e["i"]) for e in got) == [(n, i) for n in range(5) for i in range(20)]


@pytest.mark.skipif(not REDIS_URL, reason="needs TEST_REDIS_URL (a Redis server)")
def test_an_event_published_in_one_process_reaches_a_watcher_in_another():
    publisher, watcher = RedisFanout(REDIS_URL), RedisFanout(REDIS_URL)  # two processes' brokers
    try:
        with watcher.subscribe("session:z") as sub:
            publisher.publish("session:z", {"type": "feedback", "score": 80})
            assert sub.get(3) == {"type": "feedback", "score": 80}
    finally:
        publisher.close()
        watcher.close()


def test_a_watcher_that_stops_reading_is_dropped_not_buffered_forever(monkeypatch):
    import interviewbot.live as live
    monkeypatch.setattr(live, "QUEUE_LIMIT", 3)
    broker = LocalFanout()
    sub = broker.subscribe("s")
    for i in range(5):
        broker.publish("s", {"i": i})
    assert sub.closed and broker.subscribers("s") == 0
