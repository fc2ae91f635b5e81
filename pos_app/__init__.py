"""The store terminal client: till, kiosk and manager reconciliation, offline-first."""

__version__ = "0.1.0"
