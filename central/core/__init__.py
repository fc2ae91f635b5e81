"""Settings, database and security of the central platform."""
