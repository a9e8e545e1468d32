"""Ingest: one recipe per dataset builds its files and STAC records; the publisher makes them live."""
