"""The ground floor: the one record schema (``core.model``) and the one place for
text rules (``core.text``).  Everything else imports these; they import nothing of
the project's."""
