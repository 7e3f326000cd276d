"""Finding the passages that answer a question, or saying none do."""
