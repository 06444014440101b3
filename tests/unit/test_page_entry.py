"""Every page starts by entering the app: app.py's navigation first (a page that did not would
show Streamlit's automatic `pages/` navigation to everyone when a link to it is the server's first
request; the browser test opens such a link on a fresh server), then the login and role check
for the page's own address, so a page shows nothing before it knows who may see it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kp_dash.views import page_registry

ROOT = Path(__file__).parents[2]
PAGES = sorted((ROOT / "pages").glob("*.py"))
ENTRY_CALLS = {"start_page", "enter"}


def _first_call(tree: ast.Module) -> ast.Call | None:
    """The first statement that is not an import or the docstring, when it is a call."""
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        value = node.value if isinstance(node, ast.Expr | ast.Assign) else None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            return value
        return None
    return None


def _addresses() -> dict[str, str]:
    """Each page file and its name as the registry gives it (the default page is `Home`)."""
    return {page.script: page.name for page in page_registry.PAGES}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_first_enters_the_app_with_its_own_address(page: Path) -> None:
    call = _first_call(ast.parse(page.read_text()))
    assert call is not None and call.func.attr in ENTRY_CALLS
    # the role check is for the address the page is reached by, not another page's
    given = [a.value for a in call.args if isinstance(a, ast.Constant)][-1]
    assert given == _addresses()[f"pages/{page.name}"]


def test_every_page_is_registered_and_checked() -> None:
    assert PAGES, "no page found"
    assert set(_addresses()) == {f"pages/{p.name}" for p in PAGES}


def test_app_builds_its_navigation_from_the_registry_alone() -> None:
    text = (ROOT / "app.py").read_text(encoding="utf-8")
    assert "pages/" not in text and "page_registry.PAGES" in text
    assert page_registry.PAGES[0].name == "Home"  # the default page first
    assert len({page.address for page in page_registry.PAGES}) == len(page_registry.PAGES)
