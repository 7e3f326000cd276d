"""Frameworks: a reader's own list of named themes, given as JSON, that a map sorts statements under.

A framework file is ``[{"name": "Transparency", "description": "optional words"}, ...]``.  Two published ones
ship with Charter and can be named instead of a path: ``fjeld2020`` (the eight themes of Fjeld et al., 2020,
*Principled Artificial Intelligence*, with the principles each groups as its description) and ``waie17`` (the
17 principle names of Corrêa et al., 2023, *Worldwide AI ethics*, names only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

BUILT_IN = {"fjeld2020": "fjeld2020.json", "waie17": "waie17.json"}


class FrameworkError(ValueError):
    """A framework file that cannot be read as a list of named themes."""


@dataclass(frozen=True)
class FrameworkTheme:
    name: str
    description: str = ""

    @property
    def text(self) -> str:
        """What is embedded for the theme: its name, then its description."""
        return f"{self.name}: {self.description}" if self.description else self.name


@dataclass(frozen=True)
class Framework:
    name: str  # the file's stem, or the built-in's name
    themes: tuple[FrameworkTheme, ...]


def load_framework(where: str | Path) -> Framework:
    """A framework from a JSON file, or a built-in one by name (``fjeld2020``, ``waie17``)."""
    key = str(where)
    if key in BUILT_IN:
        raw = resources.files("assistant.themes").joinpath("frameworks", BUILT_IN[key]).read_text(encoding="utf-8")
        return parse_framework(raw, key)
    path = Path(where)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as err:
        raise FrameworkError(f"{path}: cannot read the framework ({err.strerror or err}); "
                             f"built-in ones: {', '.join(BUILT_IN)}") from err
    return parse_framework(raw, path.stem)


def parse_framework(raw: str, name: str) -> Framework:
    try:
        items = json.loads(raw)
    except json.JSONDecodeError as err:
        raise FrameworkError(f"{name}: not JSON ({err.msg}, line {err.lineno})") from err
    if not isinstance(items, list) or not items:
        raise FrameworkError(f'{name}: expected a non-empty list like [{{"name": "Transparency"}}, ...]')
    themes: list[FrameworkTheme] = []
    for i, item in enumerate(items, 1):
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            raise FrameworkError(f"{name}: theme {i} has no name")
        themes.append(FrameworkTheme(str(item["name"]).strip(), str(item.get("description") or "").strip()))
    names = [t.name.casefold() for t in themes]
    if len(set(names)) != len(names):
        raise FrameworkError(f"{name}: a theme name is given twice")
    return Framework(name, tuple(themes))
