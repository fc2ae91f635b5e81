"""The services' inbox: an event published on another thread is handled on the services' worker."""

import threading

from pos_app.events import EventBus, Inbox


def test_until_a_worker_is_attached_an_event_is_handled_at_once_on_the_publishers_thread():
    bus = EventBus()
    inbox = Inbox(bus)
    seen = []
    inbox.subscribe("reference_data_changed", lambda **data: seen.append((threading.current_thread(), data)))
    bus.publish("reference_data_changed", family="prices")
    assert seen == [(threading.current_thread(), {"family": "prices"})]


def test_with_a_worker_attached_the_event_waits_behind_the_work_queued_there():
    bus = EventBus()
    inbox = Inbox(bus)
    queued = []  # a worker's queue: what it will run, in order
    seen = []
    inbox.subscribe("reference_data_changed", lambda **data: seen.append(data))
    inbox.attach(queued.append)
    publisher = threading.Thread(target=bus.publish, args=("reference_data_changed",), kwargs={"n": 1})
    publisher.start()
    publisher.join()
    assert seen == [] and len(queued) == 1  # nothing ran on the publisher's thread
    queued.pop()()  # the worker gets to it
    assert seen == [{"n": 1}]

    inbox.detach()  # the worker stopped
    bus.publish("reference_data_changed", n=2)
    assert seen == [{"n": 1}, {"n": 2}] and queued == []


def test_unsubscribing_stops_the_deliveries():
    bus = EventBus()
    inbox = Inbox(bus)
    seen = []
    unsubscribe = inbox.subscribe("reference_data_changed", lambda **_: seen.append(1))
    unsubscribe()
    bus.publish("reference_data_changed")
    assert seen == []
