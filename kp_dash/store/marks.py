"""`N_`, gettext's mark for a text a person reads: it changes nothing where the text is written,
and `make messages` collects every marked text into the catalogue (`kp_dash.views.language`
translates it where it is shown). Here, in the lowest layer, so that every layer can mark."""

from __future__ import annotations


def N_(message: str) -> str:  # gettext's own name
    """Marks `message` as a text to translate where it is written."""
    return message
