"""The HTTP API of the central platform (FastAPI)."""
