"""`python -m kp_dash inequality FILE`: WHO's summary measures of inequality for a file in the
HEAT Plus template, checked whole first (every problem printed, exit 1, nothing computed)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kp_dash.cli.output import print_table, say

EXIT_OK, EXIT_FAILED = 0, 1


def cmd_inequality(args: argparse.Namespace) -> int:
    from kp_dash.numbers import inequality_table
    from kp_dash.store import heat_template, ingest

    try:
        strata = heat_template.read(args.file)
    except heat_template.TemplateError as error:
        for line in ingest.rejected(args.file.name, None, [error.problems]).problem_lines():
            say(line)
        return EXIT_FAILED
    print_table(inequality_table.table(strata), args.format)
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "inequality", help="WHO's summary measures of inequality for a HEAT Plus template file"
    )
    p.add_argument("file", type=Path)
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(func=cmd_inequality)
