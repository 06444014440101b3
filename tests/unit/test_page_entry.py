"""Every page starts by making sure it runs inside app.py's navigation: a page that did not would
show Streamlit's automatic `pages/` navigation to everyone when a link to it is the server's first
request (the browser test opens such a link on a fresh server)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PAGES = sorted((Path(__file__).parents[2] / "pages").glob("*.py"))
ENTRY_CALLS = {"start_page", "use_app_navigation"}


def _first_call(tree: ast.Module) -> str | None:
    """The function name of the first statement that is not an import or the docstring."""
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        value = node.value if isinstance(node, ast.Expr | ast.Assign) else None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            return value.func.attr
        return None
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_first_enters_the_app_navigation(page: Path) -> None:
    assert _first_call(ast.parse(page.read_text())) in ENTRY_CALLS


def test_every_page_is_checked() -> None:
    assert len(PAGES) == 10
