"""The reference central platform: online shop, member system and the sync server for store terminals."""

__version__ = "0.1.0"
