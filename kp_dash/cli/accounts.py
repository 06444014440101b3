"""The commands about people: `users add|list|remove|passwd`, `audit` and `serve` (which starts
the app, on this machine only until a user exists)."""

from __future__ import annotations

import argparse
import csv
import getpass
import os
import sys
from datetime import date

from kp_dash.cli import workers
from kp_dash.store import accounts, audit, network
from kp_dash.views import exports

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = f"'{value}' is not a day; write it as YYYY-MM-DD"
        raise argparse.ArgumentTypeError(message) from None


def _positive(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 64:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number of processes from 1 to 64")
    return int(value)


def _districts(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.split(",") if part.strip())


def _password(args: argparse.Namespace) -> str:
    """From the first line of stdin (`--password-stdin`), else typed twice at a terminal."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise accounts.AccountError("no terminal to type a password: use --password-stdin")
    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Again: ") != first:
        raise accounts.AccountError("the two passwords differ")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    try:
        return USER_ACTIONS[args.action](args)
    except accounts.AccountError as error:
        _say(f"users {args.action}: {error}")
        return EXIT_FAILED


def _add(args: argparse.Namespace) -> int:
    accounts.check_name(args.name)
    first = not accounts.login_mode()
    user = accounts.add_user(args.name, args.role, _password(args), args.districts)
    _say(f"added {user.label}")
    if first:
        _say("login is now required on every page; `make run HOST=0.0.0.0` may serve the network")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["name", "role", "districts", "locked_until"])
    for user in accounts.users():
        until = accounts.locked_until(user.name)
        stamp = until.isoformat(timespec="minutes") if until else ""
        out.writerow([user.name, user.role, " ".join(user.districts) or "province", stamp])
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    accounts.remove_user(args.name)
    _say(f"removed {args.name}")
    if not accounts.login_mode():
        _say("no user is left: the app is back in open mode (this machine only)")
    return EXIT_OK


def _passwd(args: argparse.Namespace) -> int:
    if accounts.find(args.name) is None:
        raise accounts.AccountError(f"no user {args.name[:64]!r}")
    accounts.set_password(args.name, _password(args))
    _say(f"changed the password of {args.name} (and lifted any lock)")
    return EXIT_OK


USER_ACTIONS = {"add": _add, "list": _list, "remove": _remove, "passwd": _passwd}


def cmd_audit(args: argparse.Namespace) -> int:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["at", "who", "event", "what", "address"])
    for entry in audit.entries(args.since):
        # names and file names come from people: a spreadsheet must not run them as formulas
        fields = (entry.at, entry.who, entry.event, entry.what, entry.address)
        out.writerow([exports.neutralise(field) for field in fields])
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the app: on loopback while no user exists, anywhere once login is on."""
    try:
        network.trusted_proxies()
    except ValueError as problem:
        _say(str(problem))
        return EXIT_FAILED
    if not network.is_local(args.host) and not accounts.login_mode():
        _say(
            f"refusing to listen on {args.host}: no user exists yet, so the app is in open mode "
            "(no login) and serves this machine only. Add the first user with "
            "`python -m kp_dash users add NAME --role admin`, then start it again."
        )
        return EXIT_FAILED
    if args.workers > 1:
        return workers.supervise(args.host, args.port, args.workers, _say)
    os.execv(sys.executable, workers.app_command(args.host, args.port))
    return EXIT_OK  # not reached: the app replaces this process


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="local accounts: add, list, remove, passwd")
    actions = p.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a user (the first one turns login on)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=accounts.ROLES)
    add.add_argument(
        "--districts", type=_districts, default=(), help="P-codes, e.g. PK502,PK513 (default: all)"
    )
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    actions.add_parser("list", help="every user with role, districts and any lock")
    remove = actions.add_parser("remove", help="remove a user")
    remove.add_argument("name")
    passwd = actions.add_parser("passwd", help="set a user's password (lifts a lock)")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("audit", help="print the audit trail (CSV)")
    p.add_argument("--since", type=_day, help="from this day (YYYY-MM-DD, UTC) on")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("serve", help="start the app (loopback only until a user exists)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="app processes on ports PORT … PORT+N-1, for a reverse proxy with sticky sessions",
    )
    p.set_defaults(func=cmd_serve)
