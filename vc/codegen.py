"""Python source generated at run time and compiled once: the one place vic turns generated text
into a function.

Used by :mod:`vic.vc.cborld.plancompile` (a CBOR-LD decode plan per payload shape) and
:mod:`vic.vc.markfill` (a canonical-form filler per mark structure). The text is built only from
the generator's own names: every value a plan or template holds (a string, a table, a pattern)
is bound to a generated global name with :meth:`GeneratedSource.const`, never written into the
source, so no input text can become code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["GeneratedSource"]


class GeneratedSource:
    """The lines of a generated function and the globals it names (``names``: what every
    function of the generator uses; :meth:`const` adds the rest)."""

    def __init__(self, names: Mapping[str, Any]) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = dict(names)
        self.count = 0

    def const(self, value: Any) -> str:
        """A global name bound to ``value``."""
        self.count += 1
        name = f"c{self.count}"
        self.names[name] = value
        return name

    def var(self) -> str:
        """A fresh local name."""
        self.count += 1
        return f"v{self.count}"

    def line(self, depth: int, text: str) -> None:
        """A line at ``depth`` levels of indentation."""
        self.lines.append("    " * depth + text)

    def define(self, name: str, filename: str) -> Callable[..., Any]:
        """Compile the lines (which define the function ``name``) and return that function;
        ``filename`` is what tracebacks and profiles show for it."""
        namespace = dict(self.names)
        exec(compile("\n".join([*self.lines, ""]), filename, "exec"), namespace)  # see above
        function: Callable[..., Any] = namespace[name]
        return function
