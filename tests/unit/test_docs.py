"""The README documents every command, metric and setting the code has (a test fails on drift)."""

from __future__ import annotations

import re

from kp_dash import cli
from kp_dash.numbers import registry
from kp_dash.store import config

README = (config.ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented():
    commands = cli.parser()._subparsers._group_actions[0].choices
    for command in commands:
        assert f"`{command}" in README, command


def test_every_metric_is_documented():
    for code in registry.ALL:
        assert f"`{code}`" in README, code


def _code_files() -> list:
    """Every module of the package (in its subpackages too), the app and its pages."""
    return [
        *config.PACKAGE_DIR.rglob("*.py"),
        config.ROOT / "app.py",
        *(config.ROOT / "pages").glob("*.py"),
    ]


def test_the_code_files_include_every_subpackage():
    folders = {p.parent.name for p in _code_files()}
    assert {"store", "numbers", "views", "cli", "pages"} <= folders


def test_every_environment_variable_is_documented():
    source = "\n".join(p.read_text(encoding="utf-8") for p in _code_files())
    names = set(re.findall(r"KP_DASH_[A-Z_]+", source))
    assert {"KP_DASH_DB", "KP_DASH_STATE", "KP_DASH_SSO_MAP"} <= names  # read where they live
    for name in names:
        assert f"`{name}`" in README, name


def test_quick_start_is_the_two_commands():
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^make \w+", quick_start, flags=re.MULTILINE)
    assert commands == ["make run", "make test"]


def test_the_demo_rule_reads_the_same_in_the_readme_and_on_the_data_page():
    from kp_dash.views import data_page

    def words(text: str) -> str:
        return " ".join(text.split())

    assert words(data_page.DEMO_RULE) in words(README)
