"""Errors caused by the user's input: shown as one clear message, never a traceback."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class ConfigError(Exception):
    """A configuration or data file the user supplied is wrong.

    The message names where (file or env variable), which field, and what was expected.
    """


def format_pydantic_errors(where: str, errors: Iterable[Any]) -> str:
    """Render pydantic ``ErrorDetails`` as ``where: field.path: message (got value)`` lines."""
    lines = []
    for err in errors:
        path = ".".join(str(p) for p in err.get("loc", ())) or "(top level)"
        got = err.get("input")
        shown = repr(got)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        lines.append(f"{where}: field '{path}': {err.get('msg')} (got {shown})")
    return "\n".join(lines)
