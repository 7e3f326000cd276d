"""Files -> statement records.  Nothing here knows about the store or the UI."""
