"""`python -m kp_dash COMMAND` (also `kp-dash`): messages to stderr, tables to stdout."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from kp_dash.cli import accounts as cli_accounts
from kp_dash.cli import inequality as cli_inequality
from kp_dash.cli import operations as cli_operations
from kp_dash.cli.output import print_table, say
from kp_dash.store import config, kinds

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"'{value}' is not a month; write it as YYYY-MM")
    return value


def _rebuild_refused(error: BaseException) -> str:
    from kp_dash.store import db

    if isinstance(error, db.Busy):
        return (
            "another process is importing, withdrawing or building; run this command again "
            "when it has finished"
        )
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror.lower()}: {error.filename}" if error.filename else error.strerror
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _database_ready(args: argparse.Namespace) -> bool:
    """Whether a reading command can go on: its database is usable by this code, or was
    missing or built by older code and has just been rebuilt (not with `--no-rebuild`).
    Otherwise says why on one line, with the command that fixes it."""
    import duckdb

    from kp_dash.store import build, db

    path = Path(args.db or config.db_path())
    state = build.database_state(path)
    if state.kind == db.DATA_CHANGED:
        say(f"note: {state.message}")
    if state.usable:
        return True
    # an unreadable file is rebuilt only when it is one of this database's own builds
    ours = path.is_symlink() and db.current_build(path).parent == db.builds_dir(path)
    if state.kind == db.UNREADABLE and not ours:
        say(state.message)
        return False
    if args.no_rebuild:
        say(f"{state.message} (--no-rebuild: nothing was written)")
        return False
    lead = {
        db.MISSING: "No database yet: building",
        db.OLDER_CODE: "Database built by older code: rebuilding",
    }.get(state.kind, "Database unreadable: rebuilding")
    print(f"{lead} {path} …", end="", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        build.rebuild_for_reader(path)
    except build.BuildError as error:
        print(" stopped", file=sys.stderr)
        for line in error.lines:
            say(line)
        say(f"{state.message} (the rebuild stopped: the usage data above has problems)")
        return False
    except (db.Busy, OSError, duckdb.Error) as error:
        print(" not done", file=sys.stderr)
        say(f"{state.message} (could not rebuild it here: {_rebuild_refused(error)})")
        return False
    print(f" done ({time.monotonic() - started:.1f} s)", file=sys.stderr, flush=True)
    return True


def _lacking(args: argparse.Namespace, error: BaseException) -> str:
    """A database that says it is current but lacks a table or view this code reads."""
    from kp_dash.store import db

    path = Path(args.db or config.db_path())
    first = str(error).strip().splitlines()[0]
    return (
        f"The database at {path} lacks what this code reads ({first}): "
        f"rebuild it with `{db.build_command(path)}`."
    )


def cmd_build(args: argparse.Namespace) -> int:
    from kp_dash.store import batches, build, db

    if args.demo or args.no_demo:  # a choice kept for every later build and import
        try:
            batches.set_demo(args.demo)
        except batches.DemoRefused as error:
            say(f"build --demo refused: {error}")
            return EXIT_FAILED
    path = Path(args.db or config.db_path())
    if args.if_stale and build.is_current(path):
        db.remove_unused_builds(path)
        say(f"{path} is up to date")
        return EXIT_OK
    try:
        report = build.build(path, progress=say)
    except build.BuildError as error:
        for line in error.lines:
            say(line)
        say("build stopped: the previous database is unchanged")
        return EXIT_FAILED
    if build.has_demo(report.db_path):
        say("the simulated demonstration usage is included (no real usage is loaded)")
    else:
        say("no demonstration data: usage figures are the accepted imports alone")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from kp_dash.store import demo

    path, rows = demo.write_demo(seed=args.seed, n_months=args.months)
    say(f"wrote {rows:,} simulated usage rows to {path} (seed {args.seed}, {args.months} months)")
    return EXIT_OK


def cmd_metric(args: argparse.Namespace) -> int:
    import duckdb

    from kp_dash.numbers import metric_sql, metrics, registry
    from kp_dash.store import db
    from kp_dash.store.spark_errors import SPARK_ERRORS

    query = registry.Query(
        args.code, tuple(args.by or ()), args.service, args.month_from, args.month_to
    )
    try:
        metric_sql.check(query)
        if args.engine == "spark":
            metrics.check_spark(query)
    except registry.MetricError as error:
        say(str(error))
        return EXIT_USAGE
    if not _database_ready(args):
        return EXIT_FAILED
    try:
        with db.connect_readonly(args.db) as con:
            if args.engine == "spark":
                frame = metrics.fetch_on_spark(con, query, config.spark_master(args.spark_master))
            else:
                frame = metrics.fetch(con, query)
    except FileNotFoundError as error:
        say(str(error))
        return EXIT_FAILED
    except duckdb.CatalogException as error:
        say(_lacking(args, error))
        return EXIT_FAILED
    except SPARK_ERRORS as error:
        say(str(error))
        return EXIT_FAILED
    print_table(frame, args.format)
    if frame.empty:
        say(f"{args.code}: no rows (no data for this selection)")
    return EXIT_OK


def cmd_metrics(args: argparse.Namespace) -> int:
    from kp_dash.numbers import registry

    frame = registry.registry_frame()[["code", "label", "unit", "formula"]]
    frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    return EXIT_OK


def cmd_boundaries(args: argparse.Namespace) -> int:
    from kp_dash.store import geo

    try:
        match = geo.check_boundaries(Path(args.file))
    except (OSError, ValueError) as error:
        say(f"{args.file}: {error}")
        return EXIT_FAILED
    for line in match.report_lines():
        print(line)
    return EXIT_OK if match.ok else EXIT_FAILED


def _progress_bar(fraction: float, message: str) -> None:
    """Progress on stderr: one line per step, so logs stay readable."""
    say(f"[{fraction:4.0%}] {message}")


def cmd_import(args: argparse.Namespace) -> int:
    from kp_dash.store import intake, mappings

    path = Path(args.file)
    if not path.exists():
        say(f"{path}: no such file")
        return EXIT_USAGE
    mapping = None
    if args.mapping is not None:
        try:
            mapping = mappings.load_file(args.mapping)
        except mappings.MappingError as error:
            say(f"{error} (nothing was read or written)")
            return EXIT_USAGE
        say(f"using the column mapping in {args.mapping}")
    result = intake.import_file(
        path,
        kind=args.kind,
        sheet=args.sheet,
        who=args.who,
        db_path=args.db,
        dry_run=args.dry_run,
        progress=_progress_bar,
        mapping=mapping,
        source=args.source or "",
    )
    for note in result.validation.notes if result.validation else []:
        say(f"recognised: {note}")
    if result.status == "rejected":
        for line in result.validation.problem_lines():
            say(line)
        for row in result.validation.fuzzy.itertuples(index=False):
            say(
                f"to accept '{row.spelling}' as {row.district_name} ({row.district_code}) from "
                "now on, confirm it on the Data page"
            )
    say(result.message)
    if result.batch_id:
        print(result.batch_id)
    return EXIT_FAILED if result.status == "rejected" else EXIT_OK


def cmd_withdraw(args: argparse.Namespace) -> int:
    from kp_dash.store import intake

    try:
        intake.withdraw(args.batch, who=args.who, db_path=args.db)
    except intake.UnknownBatch:
        say(f"no accepted batch '{args.batch}' (see the import log on the Data page)")
        return EXIT_FAILED
    say(f"withdrew batch {args.batch}: its rows left the data; its record stays")
    return EXIT_OK


def cmd_brief(args: argparse.Namespace) -> int:
    import duckdb

    from kp_dash.store import db
    from kp_dash.views import pdf_layout

    if not _database_ready(args):
        return EXIT_FAILED
    try:
        with db.connect_readonly(args.db) as con:
            seconds = pdf_layout.write_briefing(
                args.out,
                con=con,
                district=args.district,
                service=args.service,
                month_from=args.month_from,
                month_to=args.month_to,
                lang=args.lang,
            )
    except FileNotFoundError as error:
        say(str(error))
        return EXIT_FAILED
    except duckdb.CatalogException as error:
        say(_lacking(args, error))
        return EXIT_FAILED
    except ValueError as error:  # an unknown district, with the resolver's suggestion
        say(str(error))
        return EXIT_USAGE
    say(f"wrote {args.out} in {seconds:.1f} s")
    return EXIT_OK


def _weights(text: str) -> dict[str, float]:
    """`unserved=0.5,coverage_gap=0` → {'unserved': 0.5, 'coverage_gap': 0.0}."""
    from kp_dash.numbers import planning

    weights = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if name not in planning.FACTORS:
            known = ", ".join(planning.FACTORS)
            raise argparse.ArgumentTypeError(f"unknown factor '{name}' (known: {known})")
        try:
            weights[name] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{part}' is not factor=number") from None
    return weights


def cmd_plan(args: argparse.Namespace) -> int:
    import duckdb

    from kp_dash.numbers import planning
    from kp_dash.store import db

    if not _database_ready(args):
        return EXIT_FAILED
    try:
        with db.connect_readonly(args.db) as con:
            table = planning.ranking(
                con, args.weights, args.service, args.month_from, args.month_to
            )
    except FileNotFoundError as error:
        say(str(error))
        return EXIT_FAILED
    except duckdb.CatalogException as error:
        say(_lacking(args, error))
        return EXIT_FAILED
    except ValueError as error:
        say(str(error))
        return EXIT_USAGE
    print_table(_named_in(table, args.lang), args.format)
    return EXIT_OK


def _named_in(table, lang: str):
    """The table with its district names in `lang` (codes and columns stay as they are)."""
    from kp_dash.views import language

    names = [
        language.name("district", c, n, lang)
        for c, n in table[["district_code", "district_name"]].itertuples(index=False)
    ]
    return table.assign(district_name=names)


def cmd_seed(args: argparse.Namespace) -> int:
    from kp_dash.store import seedgen

    shared = Path(args.shared)
    if not shared.is_dir():
        say(f"{shared} does not exist: point --shared at the reference data folder")
        return EXIT_FAILED
    for path in seedgen.write_seed(shared, Path(args.out)):
        say(f"wrote {path}")
    return EXIT_OK


NO_REBUILD_HELP = (
    "when the database is missing or was built by older code, exit with status 1 and say which "
    "command builds it, instead of rebuilding it first"
)


def parser() -> argparse.ArgumentParser:
    from kp_dash.numbers import registry
    from kp_dash.store import demo

    root = argparse.ArgumentParser(prog="kp-dash", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="build the database from seed, demo and accepted imports")
    p.add_argument("--db", type=Path, help="database file (default: KP_DASH_DB or data/)")
    demo_choice = p.add_mutually_exclusive_group()
    demo_choice.add_argument(
        "--demo",
        action="store_true",
        help="show the simulated usage again (refused while real usage is accepted)",
    )
    demo_choice.add_argument(
        "--no-demo", action="store_true", help="leave out the demonstration data from now on"
    )
    p.add_argument(
        "--if-stale",
        action="store_true",
        help="only build when the file is missing or was built by other code or seed",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("demo", help="regenerate the simulated usage data deterministically")
    p.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
    p.add_argument("--months", type=int, default=demo.DEFAULT_MONTHS)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", help="validate a department file and accept it whole")
    p.add_argument("file")
    p.add_argument(
        "--kind",
        choices=list(kinds.NAMES),
        help="the file's kind (guessed from its header when omitted)",
    )
    p.add_argument("--sheet", help="the Excel sheet to read (default: the first)")
    p.add_argument("--db", type=Path)
    p.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
    p.add_argument("--who", help="recorded in the import manifest (default: the login name)")
    p.add_argument(
        "--source",
        help="the department or office that sent the file: recorded with the batch, and the "
        "column mapping saved for it is applied to a file with the same headers",
    )
    p.add_argument(
        "--mapping",
        type=Path,
        help="a column mapping file (JSON, as the Data page saves under KP_DASH_STATE/"
        "column_maps/) naming the contract column of each header cell",
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("withdraw", help="withdraw an accepted batch (its record stays)")
    p.add_argument("batch")
    p.add_argument("--db", type=Path)
    p.add_argument("--who")
    p.set_defaults(func=cmd_withdraw)

    p = sub.add_parser("metric", help="print a metric table")
    p.add_argument("code")
    p.add_argument("--by", action="append", choices=list(registry.DIMENSIONS))
    p.add_argument("--service")
    p.add_argument("--from", dest="month_from", type=_month)
    p.add_argument("--to", dest="month_to", type=_month)
    p.add_argument("--db", type=Path)
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--no-rebuild", action="store_true", help=NO_REBUILD_HELP)
    p.add_argument(
        "--engine",
        choices=["duckdb", "spark"],
        default="duckdb",
        help="spark: the same metric on Apache Spark, over the same stored files",
    )
    p.add_argument(
        "--spark-master",
        metavar="URL",
        help=f"local[N] or spark://HOST:PORT (default: KP_DASH_SPARK_MASTER, else "
        f"{config.SPARK_MASTER})",
    )
    p.set_defaults(func=cmd_metric)

    cli_inequality.add_parser(sub)

    p = sub.add_parser("metrics", help="list metric codes with label, unit and formula")
    p.set_defaults(func=cmd_metrics)

    p = sub.add_parser("boundaries", help="work with district boundary files")
    bsub = p.add_subparsers(dest="action", required=True)
    check = bsub.add_parser("check", help="match a boundary file to the 35 districts")
    check.add_argument("file")
    check.set_defaults(func=cmd_boundaries)

    p = sub.add_parser("brief", help="write the printable A4 briefing (PDF)")
    p.add_argument("--district", help="district name, alias or P-code (default: the province)")
    p.add_argument("--service")
    p.add_argument("--from", dest="month_from", type=_month)
    p.add_argument("--to", dest="month_to", type=_month)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--lang", choices=("en", "ur"), default="en", help="en (default) or ur: Urdu")
    p.add_argument("--db", type=Path)
    p.add_argument("--no-rebuild", action="store_true", help=NO_REBUILD_HELP)
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("plan", help="the connectivity priority ranking with its stability")
    p.add_argument(
        "--weights",
        type=_weights,
        help="factor=weight,… (unserved, access_gap, "
        "merged_female, coverage_gap); others keep their defaults",
    )
    p.add_argument("--service")
    p.add_argument("--from", dest="month_from", type=_month)
    p.add_argument("--to", dest="month_to", type=_month)
    p.add_argument("--db", type=Path)
    p.add_argument("--lang", choices=("en", "ur"), default="en", help="district names in Urdu: ur")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--no-rebuild", action="store_true", help=NO_REBUILD_HELP)
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser(
        "seed",
        help="regenerate the seed tables and district layer in data/seed/ from the reference data",
    )
    p.add_argument("--shared", default=str(config.SHARED_DATA_DIR))
    p.add_argument("--out", default=str(config.SEED_DIR))
    p.set_defaults(func=cmd_seed)
    cli_accounts.add_parsers(sub)
    cli_operations.add_parsers(sub)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # e.g. `kp-dash metric … | head`: the reader has what it wanted
        sys.stderr.close()
        return EXIT_OK
