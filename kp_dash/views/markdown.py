"""Text from people and files as Streamlit's Markdown shows it: literally, whatever it holds."""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_\[\]<>$~|#{}]|:(?=\w))")


def _one_line(text: object) -> str:
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in str(text))


def inert(text: object) -> str:
    """Text from a file as Streamlit's Markdown shows it literally: one line, no control
    characters, Markdown's characters escaped. (A bare web address still shows as a link,
    which is only followed when clicked; a file name goes through `name_shown`.)"""
    return _MARKDOWN.sub(r"\\\1", _one_line(text))


def name_shown(name: str) -> str:
    """A file name as Markdown shows it exactly: as code, which nothing in it can end (the
    fence is longer than any run of backticks in the name) and in which nothing is a link,
    formatting or a directive."""
    text = _one_line(name)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"
