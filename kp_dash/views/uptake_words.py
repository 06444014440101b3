"""What the Uptake page says in sentences, in the reader's language: which districts the chart
leaves out, what the fitted line is, why there is no chart, what the access index combines, and
the four kinds of district (`uptake_access` draws the figures and tables)."""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from kp_dash.views import language
from kp_dash.views import uptake_access as ua
from kp_dash.views.language import N_
from kp_dash.views.source_list import SourceList

ACCESS_NOTE = N_(
    "The access index averages census counts and survey estimates ({cited}): the survey parts "
    "are estimates with sampling error, not counts."
)
PARENT_NOTE = N_(
    "⚑ {names}: access uses the parent-district survey value (the district was split after "
    "the survey)."
)


def _names(rows: pd.DataFrame, lang: str) -> list[str]:
    """The districts of `rows`, by name, as `lang` writes them."""
    if lang == language.DEFAULT:
        return sorted(rows["district_name"])
    return sorted(
        language.name("district", code, name, lang)
        for code, name in zip(rows["district_code"], rows["district_name"], strict=True)
    )


def left_out_sentence(frame: pd.DataFrame, lang: str = language.DEFAULT) -> str:
    """A caption naming the districts not drawn ("Not on the chart: …"); "" when all are."""
    groups = ua.left_out(frame)
    if not groups:
        return ""
    say = functools.partial(language.say, lang=lang)
    parts = [
        f"{', '.join(_names(frame[frame['district_name'].isin(names)], lang))} ({say(reason)})"
        for reason, names in groups.items()
    ]
    return say(N_("Not on the chart: {districts}."), districts="; ".join(parts))


def model_sentence(frame: pd.DataFrame, fit: Any | None, lang: str = language.DEFAULT) -> str:
    """What the fitted line is and which districts it leaves out."""
    say = functools.partial(language.say, lang=lang)
    if fit is None:
        return say(
            N_(
                "Expected uptake needs uptake in at least three districts: there is no fitted "
                "line for this selection."
            )
        )
    by_code = dict(zip(frame["district_code"], frame["district_name"], strict=True))
    excluded = sorted(
        language.name("district", code, by_code.get(code, code), lang) for code in fit.excluded
    )
    return say(
        N_(
            "Expected uptake: population-weighted least squares of `log(uptake)` on the access "
            "index across {count} districts, with its 95% band (of the line, not of single "
            "districts); districts with no uptake left out: {excluded}. Gap = uptake − "
            "expected; negative = under-served beyond what access explains."
        ),
        count=fit.n_districts,
        excluded=", ".join(excluded) or say(N_("none")),
    )


def no_scatter_message(frame: pd.DataFrame, lang: str = language.DEFAULT) -> str:
    """Why there is no scatter: no usage data at all, or no digital transactions recorded."""
    if frame["uptake_per_1000"].isna().all():
        return language.text(
            N_(
                "No uptake data for this service and period: the chart of uptake against access "
                "and the fitted line need it. Districts show *No data* below, never zero."
            ),
            lang,
        )
    return language.text(
        N_(
            "No digital transactions are recorded for this service and period in any district "
            "with an access figure: there is nothing to draw against access (the table shows "
            "the zeros)."
        ),
        lang,
    )


def access_note(frame: pd.DataFrame, sources: SourceList, lang: str = language.DEFAULT) -> str:
    """What the access index of a district frame combines, citing its sources in the page's
    list, and the districts whose access uses a parent district's survey value."""
    cited = sources.cite(frame, columns=("access_source", "access_year"))
    text = language.say(ACCESS_NOTE, lang, cited=cited)
    parents = frame.loc[frame["access_is_parent_estimate"].fillna(False).astype(bool)]
    if not parents.empty:
        names = ", ".join(_names(parents, lang))
        text += " " + language.say(PARENT_NOTE, lang, names=names)
    return text


def quadrant_lines(
    quadrants: list[tuple[str, int, str]], lang: str = language.DEFAULT
) -> list[str]:
    """One line of Markdown per kind of district: its name, how many, what it means."""
    say = functools.partial(language.say, lang=lang)
    return [
        say(
            N_("**{kind}** — {count} districts: {meaning}."),
            kind=say(name)[:1].upper() + say(name)[1:],
            count=count,
            meaning=say(sentence),
        )
        for name, count, sentence in quadrants
    ]


def gap_table_shown(frame: pd.DataFrame, chosen: str | None, lang: str = language.DEFAULT) -> Any:
    """The gap table as the page shows it (`ua.gap_table`, the chosen district's row shaded),
    its headers, names and words in `lang`; sources are cited by their own names."""
    table = ua.gap_table(frame, chosen)
    if lang != language.DEFAULT:
        say = functools.partial(language.text, lang=lang)
        urdu = {
            row.district_name: language.name("district", row.district_code, "", lang)
            for row in frame.itertuples(index=False)
        }
        columns = ua.GAP_COLUMNS
        table[columns["district_name"]] = table[columns["district_name"]].map(urdu)
        table[columns["quadrant"]] = table[columns["quadrant"]].map(say)
        table[columns["selected"]] = table[columns["selected"]].map(lambda s: s and say(s))
        table[columns["flags"]] = table[columns["flags"]].map(lambda flags: _flags(flags, lang))
    styled = ua.highlight_row_style(table)
    return styled.relabel_index([language.text(c, lang) for c in table.columns], axis="columns")


def _flags(flags: str, lang: str) -> str:
    parent = ua.ACCESS_FLAG.format(flag=ua.PARENT_FLAG)
    words = {
        ua.MERGED_FLAG: language.text(ua.MERGED_FLAG, lang),
        parent: language.say(ua.ACCESS_FLAG, lang, flag=language.text(ua.PARENT_FLAG, lang)),
    }
    return "؛ ".join(words.get(flag, flag) for flag in flags.split("; ")) if flags else ""
