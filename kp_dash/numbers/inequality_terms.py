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
    words: Callable[[Measure, Wording, Callable[[float], str]], str]


def _interval(found: Measure, number: Callable[[float], str], flip: bool = False) -> str:
    if found.ci_lb is None or found.ci_ub is None:
        return ""
    low, high = (-found.ci_ub, -found.ci_lb) if flip else (found.ci_lb, found.ci_ub)
    return f" ({number(low)}–{number(high)})"


def _difference(found, said, number):
    flip = found.estimate < 0
    more = "lower" if flip else "higher"
    return (
        f"Uptake {said.high} is {number(abs(found.estimate))}{_interval(found, number, flip)} "
        f"{said.unit} {more} than {said.low}."
    )


def _ratio(found, said, number):
    return (
        f"Uptake {said.high} is {number(found.estimate)}{_interval(found, number)} times that "
        f"{said.low}."
    )


def _concentration(kind: str, unit: bool):
    def words(found, said, number):
        towards = said.last if found.estimate > 0 else said.first
        where = f"concentrated among {towards}" if found.estimate != 0 else "spread evenly"
        scale = f" {said.unit}" if unit else ""
        return (
            f"Uptake is {where}: {kind} concentration index {number(found.estimate)}"
            f"{_interval(found, number)}{scale}; 0 = even."
        )

    return words


def _slope(found, said, number):
    flip = found.estimate < 0
    way = "falls" if flip else "rises"
    return (
        f"On the fitted gradient, uptake {way} by {number(abs(found.estimate))}"
        f"{_interval(found, number, flip)} {said.unit} from {said.first} to {said.last}."
    )


def _relative_slope(found, said, number):
    return (
        f"On the fitted gradient, uptake among {said.last} is {number(found.estimate)}"
        f"{_interval(found, number)} times that among {said.first}."
    )


def _spread(what: str):
    def words(found, said, number):
        return what.format(
            value=number(found.estimate),
            interval=_interval(found, number),
            members=said.members,
            member=said.member,
            unit=said.unit,
        )

    return words


def _impact(percent: bool):
    def words(found, said, number):
        unit = "%" if percent else said.unit
        return (
            f"If uptake everywhere matched that {said.best}, it would be "
            f"{number(found.estimate)}{_interval(found, number)} {unit} higher overall."
        )

    return words


_MEAN_DIFFERENCE = (
    "The {members}' uptake differs from {target} by {{value}}{{interval}} {{unit}} on average, "
    "{how}."
)
_DISPARITY = (
    "The {members}' uptake differs from the mean by {value} %{interval} of the mean on average, "
    "{how}."
)
_EACH_ONCE = "each {member} counted once"
_BY_POPULATION = "weighted by population"


def _mean_difference(target: str, how: str):
    return _spread(_MEAN_DIFFERENCE.format(members="{members}", target=target, how=how))


TERMS: dict[str, Term] = {
    term.code: term
    for term in (
        Term("d", N_("Difference"), "The uptake of the better-off subgroup minus the worse-off's "
             "(ordered: the last subgroup's minus the first's).", 2, _difference),
        Term("r", N_("Ratio"), "The uptake of the better-off subgroup ÷ the worse-off's "
             "(ordered: the last subgroup's ÷ the first's).", 2, _ratio),
        Term("aci", N_("Absolute concentration index"), "How far uptake gathers at one end of an "
             "ordered dimension, in the indicator's units; 0 = even, > 0 = towards the last "
             "subgroups.", 3, _concentration("absolute", True)),
        Term("rci", N_("Relative concentration index"), "The absolute concentration index ÷ the "
             "mean: −1 to 1; 0 = even, > 0 = towards the last subgroups.", 4,
             _concentration("relative", False)),
        Term("sii", N_("Slope index of inequality"), "The difference in uptake between the two "
             "ends of an ordered dimension, from a logistic fit across every subgroup weighted "
             "by population.", 2, _slope),
        Term("rii", N_("Relative index of inequality"), "The ratio of the fitted uptake at the "
             "last end of an ordered dimension to that at the first.", 2, _relative_slope),
        Term("bgv", N_("Between-group variance"), "The population-weighted mean of the squared "
             "differences of each subgroup's uptake from the mean; 0 = equal.", 3,
             _spread("Between-{member} variance {value}{interval} ({unit})²: the population-"
                     "weighted spread of the {members}' uptake around the mean; 0 = equal.")),
        Term("bgsd", N_("Between-group standard deviation"), "The square root of the between-"
             "group variance, in the indicator's units.", 2,
             _spread("The {members}' uptake lies {value}{interval} {unit} from the mean "
                     "(population-weighted standard deviation).")),
        Term("cov", N_("Coefficient of variation"), "The between-group standard deviation as % "
             "of the mean.", 1,
             _spread("The {members}' uptake spreads around the mean by {value} %{interval} "
                     "of the mean, weighted by population.")),
        Term("mdbu", N_("Mean difference from the best subgroup (unweighted)"), "The average "
             "distance of each subgroup's uptake from the best subgroup's, each counted once.",
             2, _mean_difference("the best-off {member}'s", _EACH_ONCE)),
        Term("mdbw", N_("Mean difference from the best subgroup (weighted)"), "The average "
             "distance of each subgroup's uptake from the best subgroup's, weighted by "
             "population.", 2, _mean_difference("the best-off {member}'s", _BY_POPULATION)),
        Term("mdmu", N_("Mean difference from the mean (unweighted)"), "The average distance of "
             "each subgroup's uptake from the mean, each counted once.", 2,
             _mean_difference("the mean", _EACH_ONCE)),
        Term("mdmw", N_("Mean difference from the mean (weighted)"), "The average distance of "
             "each subgroup's uptake from the mean, weighted by population.", 2,
             _mean_difference("the mean", _BY_POPULATION)),
        Term("mdru", N_("Mean difference from the reference subgroup (unweighted)"), "The average "
             "distance of each subgroup's uptake from the reference subgroup's, each counted "
             "once.", 2, _mean_difference("the reference {member}'s", _EACH_ONCE)),
        Term("mdrw", N_("Mean difference from the reference subgroup (weighted)"), "The average "
             "distance of each subgroup's uptake from the reference subgroup's, weighted by "
             "population.", 2, _mean_difference("the reference {member}'s", _BY_POPULATION)),
        Term("idisu", N_("Index of disparity (unweighted)"), "The average absolute difference of "
             "each subgroup's uptake from the mean, as % of the mean, each counted once.", 1,
             _spread(_DISPARITY.replace("{how}", _EACH_ONCE))),
        Term("idisw", N_("Index of disparity (weighted)"), "The average absolute difference of "
             "each subgroup's uptake from the mean, as % of the mean, weighted by population.",
             1, _spread(_DISPARITY.replace("{how}", _BY_POPULATION))),
        Term("mld", N_("Mean log deviation"), "How far the subgroups' shares of the population "
             "differ from their shares of uptake, most sensitive to subgroups below the mean; "
             "× 1,000, 0 = equal.", 2,
             _spread("Mean log deviation {value}{interval} (× 1,000; 0 = equal): the "
                     "{members}' shares of the population against their shares of uptake.")),
        Term("ti", N_("Theil index"), "How far the subgroups' shares of uptake differ from their "
             "shares of the population, most sensitive to subgroups above the mean; × 1,000, "
             "0 = equal.", 2,
             _spread("Theil index {value}{interval} (× 1,000; 0 = equal): the {members}' "
                     "shares of uptake against their shares of the population.")),
        Term("par", N_("Population attributable risk"), "How much higher uptake would be overall "
             "if every subgroup had the best subgroup's (ordered: the last subgroup's).", 2,
             _impact(percent=False)),
        Term("paf", N_("Population attributable fraction"), "The population attributable risk as "
             "% of the overall uptake.", 1, _impact(percent=True)),
    )
}  # fmt: skip


def in_words(found: Measure, said: Wording) -> str:
    """The measure's value, with its interval, as a sentence; '' for a value that is missing."""
    if found.estimate is None or not math.isfinite(found.estimate):
        return ""
    term = TERMS[found.code]

    def number(value: float) -> str:
        return f"{value:,.{term.decimals}f}"

    return term.words(found, said, number)
