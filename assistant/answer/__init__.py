"""Turning retrieved passages into a cited answer: offline quotes or an LLM, then verified."""
