"""Sync between a store terminal and the central platform: the wire protocol and the client engine."""
