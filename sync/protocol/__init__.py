"""The wire contract shared by terminals and the central platform. Imports nothing of either side."""
