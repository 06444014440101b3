"""The commands of whoever runs the server: `backup --out FILE`, `restore FILE [--force]` and
`doctor`."""

from __future__ import annotations

import argparse
from pathlib import Path

from kp_dash.cli.output import say

EXIT_OK, EXIT_FAILED = 0, 1


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def cmd_backup(args: argparse.Namespace) -> int:
    from kp_dash.store import backup, config

    try:
        done = backup.write_backup(args.out)
    except backup.BackupError as error:
        say(str(error))
        return EXIT_FAILED
    say(
        f"wrote {done.archive} ({_megabytes(done.archive.stat().st_size)}, owner-only): "
        f"{done.members:,} files ({_megabytes(done.bytes)}) of {config.state_dir()} in "
        f"{done.seconds:.1f} s"
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from kp_dash.store import backup, build, config

    try:
        done = backup.restore(args.file, force=args.force)
    except backup.BackupError as error:
        say(str(error))
        return EXIT_FAILED
    except build.BuildError as error:  # the files are back; the database could not be built
        for line in error.lines:
            say(line)
        say("restored the files, but the database was not rebuilt: see above")
        return EXIT_FAILED
    say(
        f"restored {done.members:,} files ({_megabytes(done.bytes)}) made {done.made_at} into "
        f"{config.state_dir()} and rebuilt {config.db_path()} in {done.seconds:.1f} s"
    )
    if done.moved_aside:
        say(f"what the folder held before is kept in {done.moved_aside}")
    return EXIT_OK


def _font_findings() -> list:
    from kp_dash.store import health
    from kp_dash.views import language, pdf_document

    problems = pdf_document.font_problems()
    found = [health.fault("fonts", f"the briefing's font {p}") for p in problems]
    if not found:
        shown = ", ".join(path.name for path in pdf_document.font_files().values())
        found.append(health.ok("fonts", f"the briefing's fonts load ({shown})"))
    missing = [name for name in language.FONTS.values() if language.font_file(name) is None]
    if missing:
        found.append(
            health.fault(
                "fonts",
                f"the Urdu font {', '.join(missing)} is missing from {language.FONT_DIR}: "
                "`apt-get install fonts-noto-core`",
            )
        )
    else:
        found.append(health.ok("fonts", f"the Urdu font is installed ({language.FONT_FAMILY})"))
    return found


def cmd_doctor(args: argparse.Namespace) -> int:
    from kp_dash.store import health

    found = [*health.findings(args.min_free_mb, args.deep), *_font_findings()]
    if args.format == "json":
        print(health.as_json(found))
    else:
        for finding in found:
            print(f"{'FAULT' if finding.fault else 'ok':<5}  {finding.area}: {finding.message}")
    faults = sum(finding.fault for finding in found)
    say(f"{faults} fault(s)" if faults else "healthy: no fault")
    return EXIT_FAILED if faults else EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backup", help="one archive of everything under KP_DASH_STATE, with a checksum per file"
    )
    p.add_argument("--out", type=Path, required=True, help="the archive to write (.tar.gz)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore", help="check an archive whole, restore it into KP_DASH_STATE, rebuild"
    )
    p.add_argument("file", type=Path)
    p.add_argument(
        "--force",
        action="store_true",
        help="restore into a folder that holds data, moving that data to replaced/STAMP/",
    )
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "doctor", help="check the state folder, disk, imports, database, boundaries and fonts"
    )
    p.add_argument(
        "--min-free-mb",
        type=float,
        help="the least free space wanted on the state folder's disk (default: "
        "KP_DASH_MIN_FREE_MB, else 1024)",
    )
    p.add_argument(
        "--deep", action="store_true", help="also hash every archived file against the manifest"
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_doctor)
