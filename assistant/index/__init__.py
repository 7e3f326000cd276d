"""Embedding, storing and syncing passages: the store behind a small protocol."""
