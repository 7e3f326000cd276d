"""Charter's core: settings, store, retrieval, answering and the CLI."""

__version__ = "0.1.0"
