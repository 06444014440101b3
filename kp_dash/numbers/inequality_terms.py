"""The registry of WHO's summary measures of inequality as people read them: each measure's
name, a short definition and the sentence that says its value in plain words. The formulas are
in `inequality`; which groups a sentence names is decided by the caller (`Wording`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from kp_dash.numbers.inequality import Measure
from kp_dash.store.marks import N_


@dataclass(frozen=True)
class Wording:
    """What a sentence names: the subgroups a difference or ratio compares (`low`, `high`:
    phrases such as "among women"), the subgroup an impact measure aims at (`best`), the ends
    of an ordered dimension (`first`, `last`: "younger people"), the members of a dimension
    ("districts"), one member ("district") and the indicator's unit ("per 1,000")."""

    low: str = ""
    high: str = ""
    best: str = ""
    first: str = ""
    last: str = ""
    members: str = "groups"
    member: str = "group"
    unit: str = ""


@dataclass(frozen=True)
class Term:
    code: str
    name: str
    definition: str
    decimals: int
    words: Callable[..., str]  # (measure, wording, number, say) -> the sentence


def _interval(found: Measure, number: Callable[[float], str], flip: bool = False) -> str:
    if found.ci_lb is None or found.ci_ub is None:
        return ""
    low, high = (-found.ci_ub, -found.ci_lb) if flip else (found.ci_lb, found.ci_ub)
    return f" ({number(low)}–{number(high)})"


def _difference(found, said, number, say):
    flip = found.estimate < 0
    wording = (
        N_("Uptake {high} is {value}{interval} {unit} lower than {low}.")
        if flip
        else N_("Uptake {high} is {value}{interval} {unit} higher than {low}.")
    )
    value, interval = number(abs(found.estimate)), _interval(found, number, flip)
    return say(
        wording, high=said.high, low=said.low, unit=said.unit, value=value, interval=interval
    )


def _ratio(found, said, number, say):
    wording = N_("Uptake {high} is {value}{interval} times that {low}.")
    value, interval = number(found.estimate), _interval(found, number)
    return say(wording, high=said.high, low=said.low, value=value, interval=interval)


_CONCENTRATED = {
    "absolute": N_(
        "Uptake is concentrated among {towards}: absolute concentration index "
        "{value}{interval} {unit}; 0 = even."
    ),
    "relative": N_(
        "Uptake is concentrated among {towards}: relative concentration index "
        "{value}{interval}; 0 = even."
    ),
}
_EVEN = {
    "absolute": N_(
        "Uptake is spread evenly: absolute concentration index {value}{interval} {unit}; 0 = even."
    ),
    "relative": N_(
        "Uptake is spread evenly: relative concentration index {value}{interval}; 0 = even."
    ),
}


def _concentration(kind: str):
    def words(found, said, number, say):
        towards = said.last if found.estimate > 0 else said.first
        wording = _CONCENTRATED[kind] if found.estimate != 0 else _EVEN[kind]
        value, interval = number(found.estimate), _interval(found, number)
        return say(wording, towards=towards, value=value, interval=interval, unit=said.unit)

    return words


def _slope(found, said, number, say):
    flip = found.estimate < 0
    wording = (
        N_(
            "On the fitted gradient, uptake falls by {value}{interval} {unit} from {first} to "
            "{last}."
        )
        if flip
        else N_(
            "On the fitted gradient, uptake rises by {value}{interval} {unit} from {first} to "
            "{last}."
        )
    )
    value, interval = number(abs(found.estimate)), _interval(found, number, flip)
    return say(
        wording, value=value, interval=interval, unit=said.unit, first=said.first, last=said.last
    )


def _relative_slope(found, said, number, say):
    wording = N_(
        "On the fitted gradient, uptake among {last} is {value}{interval} times that among {first}."
    )
    value, interval = number(found.estimate), _interval(found, number)
    return say(wording, last=said.last, first=said.first, value=value, interval=interval)


def _spread(wording: str):
    def words(found, said, number, say):
        return say(
            wording,
            value=number(found.estimate),
            interval=_interval(found, number),
            members=said.members,
            member=said.member,
            unit=said.unit,
        )

    return words


def _impact(percent: bool):
    def words(found, said, number, say):
        wording = (
            N_(
                "If uptake everywhere matched that {best}, it would be {value}{interval} % "
                "higher overall."
            )
            if percent
            else N_(
                "If uptake everywhere matched that {best}, it would be {value}{interval} {unit} "
                "higher overall."
            )
        )
        value, interval = number(found.estimate), _interval(found, number)
        return say(wording, best=said.best, value=value, interval=interval, unit=said.unit)

    return words


TERMS: dict[str, Term] = {
    term.code: term
    for term in (
        Term(
            "d",
            N_("Difference"),
            N_(
                "The uptake of the better-off subgroup minus the worse-off's (ordered: the last "
                "subgroup's minus the first's)."
            ),
            2,
            _difference,
        ),
        Term(
            "r",
            N_("Ratio"),
            N_(
                "The uptake of the better-off subgroup ÷ the worse-off's (ordered: the last "
                "subgroup's ÷ the first's)."
            ),
            2,
            _ratio,
        ),
        Term(
            "aci",
            N_("Absolute concentration index"),
            N_(
                "How far uptake gathers at one end of an ordered dimension, in the indicator's "
                "units; 0 = even, > 0 = towards the last subgroups."
            ),
            3,
            _concentration("absolute"),
        ),
        Term(
            "rci",
            N_("Relative concentration index"),
            N_(
                "The absolute concentration index ÷ the mean: −1 to 1; 0 = even, > 0 = towards the "
                "last subgroups."
            ),
            4,
            _concentration("relative"),
        ),
        Term(
            "sii",
            N_("Slope index of inequality"),
            N_(
                "The difference in uptake between the two ends of an ordered dimension, from a "
                "logistic fit across every subgroup weighted by population."
            ),
            2,
            _slope,
        ),
        Term(
            "rii",
            N_("Relative index of inequality"),
            N_(
                "The ratio of the fitted uptake at the last end of an ordered dimension to that at "
                "the first."
            ),
            2,
            _relative_slope,
        ),
        Term(
            "bgv",
            N_("Between-group variance"),
            N_(
                "The population-weighted mean of the squared differences of each subgroup's uptake "
                "from the mean; 0 = equal."
            ),
            3,
            _spread(
                N_(
                    "Between-{member} variance {value}{interval} ({unit})²: the population-weighted"
                    " spread of the {members}' uptake around the mean; 0 = equal."
                )
            ),
        ),
        Term(
            "bgsd",
            N_("Between-group standard deviation"),
            N_("The square root of the between-group variance, in the indicator's units."),
            2,
            _spread(
                N_(
                    "The {members}' uptake lies {value}{interval} {unit} from the mean "
                    "(population-weighted standard deviation)."
                )
            ),
        ),
        Term(
            "cov",
            N_("Coefficient of variation"),
            N_("The between-group standard deviation as % of the mean."),
            1,
            _spread(
                N_(
                    "The {members}' uptake spreads around the mean by {value} %{interval} of the "
                    "mean, weighted by population."
                )
            ),
        ),
        Term(
            "mdbu",
            N_("Mean difference from the best subgroup (unweighted)"),
            N_(
                "The average distance of each subgroup's uptake from the best subgroup's, each "
                "counted once."
            ),
            2,
            _spread(
                N_(
                    "The {members}' uptake differs from the best-off {member}'s by "
                    "{value}{interval} {unit} on average, each {member} counted once."
                )
            ),
        ),
        Term(
            "mdbw",
            N_("Mean difference from the best subgroup (weighted)"),
            N_(
                "The average distance of each subgroup's uptake from the best subgroup's, weighted "
                "by population."
            ),
            2,
            _spread(
                N_(
                    "The {members}' uptake differs from the best-off {member}'s by "
                    "{value}{interval} {unit} on average, weighted by population."
                )
            ),
        ),
        Term(
            "mdmu",
            N_("Mean difference from the mean (unweighted)"),
            N_("The average distance of each subgroup's uptake from the mean, each counted once."),
            2,
            _spread(
                N_(
                    "The {members}' uptake differs from the mean by {value}{interval} {unit} on "
                    "average, each {member} counted once."
                )
            ),
        ),
        Term(
            "mdmw",
            N_("Mean difference from the mean (weighted)"),
            N_(
                "The average distance of each subgroup's uptake from the mean, weighted by "
                "population."
            ),
            2,
            _spread(
                N_(
                    "The {members}' uptake differs from the mean by {value}{interval} {unit} on "
                    "average, weighted by population."
                )
            ),
        ),
        Term(
            "mdru",
            N_("Mean difference from the reference subgroup (unweighted)"),
            N_(
                "The average distance of each subgroup's uptake from the reference subgroup's, each"
                " counted once."
            ),
            2,
            _spread(
                N_(
                    "The {members}' uptake differs from the reference {member}'s by "
                    "{value}{interval} {unit} on average, each {member} counted once."
                )
            ),
        ),
        Term(
            "mdrw",
            N_("Mean difference from the reference subgroup (weighted)"),
            N_(
                "The average distance of each subgroup's uptake from the reference subgroup's, "
                "weighted by population."
            ),
            2,
            _spread(
                N_(
                    "The {members}' uptake differs from the reference {member}'s by "
                    "{value}{interval} {unit} on average, weighted by population."
                )
            ),
        ),
        Term(
            "idisu",
            N_("Index of disparity (unweighted)"),
            N_(
                "The average absolute difference of each subgroup's uptake from the mean, as % of "
                "the mean, each counted once."
            ),
            1,
            _spread(
                N_(
                    "The {members}' uptake differs from the mean by {value} %{interval} of the mean"
                    " on average, each {member} counted once."
                )
            ),
        ),
        Term(
            "idisw",
            N_("Index of disparity (weighted)"),
            N_(
                "The average absolute difference of each subgroup's uptake from the mean, as % of "
                "the mean, weighted by population."
            ),
            1,
            _spread(
                N_(
                    "The {members}' uptake differs from the mean by {value} %{interval} of the mean"
                    " on average, weighted by population."
                )
            ),
        ),
        Term(
            "mld",
            N_("Mean log deviation"),
            N_(
                "How far the subgroups' shares of the population differ from their shares of "
                "uptake, most sensitive to subgroups below the mean; × 1,000, 0 = equal."
            ),
            2,
            _spread(
                N_(
                    "Mean log deviation {value}{interval} (× 1,000; 0 = equal): the {members}' "
                    "shares of the population against their shares of uptake."
                )
            ),
        ),
        Term(
            "ti",
            N_("Theil index"),
            N_(
                "How far the subgroups' shares of uptake differ from their shares of the "
                "population, most sensitive to subgroups above the mean; × 1,000, 0 = equal."
            ),
            2,
            _spread(
                N_(
                    "Theil index {value}{interval} (× 1,000; 0 = equal): the {members}' shares of "
                    "uptake against their shares of the population."
                )
            ),
        ),
        Term(
            "par",
            N_("Population attributable risk"),
            N_(
                "How much higher uptake would be overall if every subgroup had the best subgroup's "
                "(ordered: the last subgroup's)."
            ),
            2,
            _impact(percent=False),
        ),
        Term(
            "paf",
            N_("Population attributable fraction"),
            N_("The population attributable risk as % of the overall uptake."),
            1,
            _impact(percent=True),
        ),
    )
}


def _english(wording: str, **values: object) -> str:
    return wording.format(**values)


def in_words(found: Measure, said: Wording, say: Callable[..., str] = _english) -> str:
    """The measure's value, with its interval, as a sentence; '' for a value that is missing.
    `say(wording, **values)` puts the values in a marked wording (a page passes one that reads
    the wording in its language, with `said` in that language too)."""
    if found.estimate is None or not math.isfinite(found.estimate):
        return ""
    term = TERMS[found.code]

    def number(value: float) -> str:
        return f"{value:,.{term.decimals}f}"

    return term.words(found, said, number, say)
