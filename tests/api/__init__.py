"""Tests of the HTTP API (FastAPI TestClient), on SQLite and PostgreSQL."""
