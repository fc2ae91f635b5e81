"""The terminal's local SQLite database."""

#: The newest migration of this version. Checked against Alembic's scripts by a test; lets a terminal
#: whose database is current start without importing Alembic (~0.7 s of the cold-start budget).
SCHEMA_HEAD = "0004"
