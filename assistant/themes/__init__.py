"""Themes: what a set of texts has in common, grouped and labelled in the texts' own words.

``discover_themes`` clusters sentence vectors into a handful of themes, ``keyphrases`` labels a group of texts,
``assign`` says which themes each text speaks to, and ``map`` builds the organisations x themes consensus map.
This package imports only ``core``, numpy and libraries: the answerer and the service use it, never the reverse.
"""

from assistant.themes.assign import assign
from assistant.themes.discover import Theme, discover_themes
from assistant.themes.keyphrases import keyphrases

__all__ = ["Theme", "assign", "discover_themes", "keyphrases"]
