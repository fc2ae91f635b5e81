"""The table of event handlers covers every event type the protocol defines."""

from central.event_rules import HANDLERS
from sync.protocol import payloads


def test_every_event_type_of_the_protocol_has_its_business_rules():
    assert set(HANDLERS) == set(payloads.PAYLOADS.values())
