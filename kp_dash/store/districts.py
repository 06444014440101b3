"""The register of KP's 35 districts, district-name normalisation and alias resolution.

A name resolves to a P-code only without doubt: by P-code, by a known alias or spelling (Latin or
Urdu script), or by one after normalisation (`name_rules.csv`, plus the Arabic-script folding
below). A district created after the 2023 census resolves to the census district holding all of
its area, with its lineage; one whose area cannot be placed in one census district resolves to
nothing. Fuzzy matches are only ever suggestions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from kp_dash.store.config import SEED_DIR

PROVINCE = "Khyber Pakhtunkhwa"
FUZZY_CUTOFF = 80.0  # WRatio below this links unrelated names (e.g. 'Bannu' and 'Buner')
FUZZY_LIMIT = 5
PCODE_RE = re.compile(r"PK\d{3}")
_NON_WORD = re.compile(r"[\W_]+")

# Arabic-script letters typed in several ways (Arabic or Urdu keyboards, old fonts) folded to the
# Urdu letter, so that a name typed either way gives the same key.
_ARABIC_FOLDS = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Farsi yeh
        "\u0649": "\u06cc",  # alef maksura -> Farsi yeh
        "\u0643": "\u06a9",  # Arabic kaf -> keheh
        "\u0647": "\u06c1",  # Arabic heh -> heh goal
        "\u0629": "\u06c1",  # teh marbuta -> heh goal
        "\u06d5": "\u06c1",  # ae -> heh goal
        "\u06be": "\u06c1",  # heh doachashmee, often typed for heh goal ('ھری پور')
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0640": None,  # tatweel: stretches a word, no letter
    }
)
# Urdu words around a name, as the Latin ones in `name_rules.csv` ('ضلع پشاور', 'خیبر ایجنسی').
SCRIPT_RULES = (
    ("drop_word", "ضلع", ""),  # district
    ("drop_word", "ضلعی", ""),  # of the district
    ("drop_word", "ڈسٹرکٹ", ""),  # 'district' transliterated
    ("drop_word", "ایجنسی", ""),  # agency (the merged districts before 2018)
)

# (pattern words, replacement words), longest pattern first so phrases beat single words.
RuleSet = tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
Keys = dict[str, set[str]]


def compile_rules(rules: pd.DataFrame) -> RuleSet:
    """Turn `name_rules.csv` rows into word-sequence substitutions."""
    compiled = []
    given = zip(rules["rule"], rules["pattern"], rules["replacement"], strict=True)
    for rule, pattern, replacement in (*given, *SCRIPT_RULES):
        if rule not in ("drop_word", "replace_word"):
            raise ValueError(f"unknown name rule {rule!r}")
        words = tuple(_split(pattern))
        new = () if rule == "drop_word" else tuple(_split(str(replacement)))
        compiled.append((words, new))
    compiled.sort(key=lambda item: -len(item[0]))
    return tuple(compiled)


@lru_cache(maxsize=4)
def _seed_rules(seed_dir: Path) -> RuleSet:
    return compile_rules(_read_seed(seed_dir, "name_rules"))


def fold_script(text: str) -> str:
    """Case, marks and Arabic-script letter variants folded; word breaks kept.

    Diacritics (harakat, madda, hamza above) and zero-width joiners and marks are dropped rather
    than read as word breaks: Peshawar with a kasra, or Abbottabad with a zero-width non-joiner
    between its two words, gives the same key as the plain spelling.
    """
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    kept = "".join(c for c in text if unicodedata.category(c) not in ("Mn", "Cf"))
    return unicodedata.normalize("NFC", kept).translate(_ARABIC_FOLDS).casefold()


def _split(text: str) -> list[str]:
    """Lower-case words; punctuation separates words ('D.I.Khan' -> d, i, khan)."""
    return _NON_WORD.sub(" ", fold_script(text)).split()


def _apply_rules(words: list[str], rules: RuleSet) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for pattern, replacement in rules:
            if tuple(words[i : i + len(pattern)]) == pattern:
                out.extend(replacement)
                i += len(pattern)
                break
        else:
            out.append(words[i])
            i += 1
    return out


def name_keys(name: str, rules: RuleSet) -> tuple[str, str]:
    """(sorted-words key, compact key).

    The first makes 'Chitral Lower' equal 'Lower Chitral', the second 'Tor Ghar' equal 'Torghar'.
    """
    words = _apply_rules(_split(name), rules)
    return " ".join(sorted(words)), "".join(words)


def normalise(name: str, rules: pd.DataFrame | None = None) -> str:
    """Canonical form of a district name: rules applied, words sorted.

    The resolver also compares the words joined without spaces (`name_keys`), which this
    single string cannot express.
    """
    compiled = _seed_rules(SEED_DIR) if rules is None else compile_rules(rules)
    return name_keys(name, compiled)[0]


def _exact_key(name: str) -> str:
    """Case, spacing and script variants only: the key of an alias 'as written'."""
    return " ".join(fold_script(name).split())


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays and other non-scalars
        return False


def _listing(items: list[str], conjunction: str = "and") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


@dataclass(frozen=True)
class Resolution:
    query: str
    district_code: str | None
    method: str
    candidates: tuple[tuple[str, str, float], ...] = ()
    parent_codes: tuple[str, ...] = ()
    province: str | None = None
    lineage: str | None = None  # for a district created after the 2023 census
    created: str | None = None  # the year it was created

    @property
    def is_successor(self) -> bool:
        return self.method == "successor"

    def suggestion(self) -> str | None:
        """A sentence for the user, or None when there is nothing to suggest."""
        if self.method == "fuzzy" and self.candidates:
            best = self.candidates[0][2]
            tops = [f"'{name}' ({code})" for code, name, score in self.candidates if score == best]
            return f"did you mean {_listing(tops, 'or')}?"
        if self.method == "parent":
            children = _listing([f"{name} ({code})" for code, name, _ in self.candidates])
            return f"'{self.query}' was split into {children}; give one of these districts"
        if self.method == "non_kp":
            return f"'{self.query}' is a district of {self.province}, not {PROVINCE}"
        if self.method == "ambiguous":
            names = _listing([f"{name} ({code})" for code, name, _ in self.candidates])
            return f"'{self.query}' matches more than one district: {names}; give the P-code"
        if self.method == "successor" and self.district_code is None:
            return (
                f"'{self.query}' was created in {self.created} ({self.lineage}); its rows cannot "
                "be counted under one census district, so give them under the census districts "
                "it was made from"
            )
        return None


def _read_seed(seed_dir: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(Path(seed_dir) / f"{table}.csv", dtype=str, keep_default_na=False)


SPELLING_COLUMNS = ("alias", "district_code", "script", "source")
SUCCESSOR_COLUMNS = ("successor", "district_code", "created", "lineage", "source")


def _read_optional(seed_dir: Path, table: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """A hand-written name table; a seed folder without it (an older copy) has no such names."""
    if not (Path(seed_dir) / f"{table}.csv").is_file():
        return pd.DataFrame({column: pd.Series(dtype=str) for column in columns})
    return _read_seed(seed_dir, table)


def load_spellings(seed_dir: Path = SEED_DIR) -> pd.DataFrame:
    """Urdu-script and Roman-Urdu spellings of the 35 districts (`district_spellings.csv`)."""
    return _read_optional(seed_dir, "district_spellings", SPELLING_COLUMNS)


def load_successors(seed_dir: Path = SEED_DIR) -> pd.DataFrame:
    """Districts created after the 2023 census (`district_successors.csv`); `district_code` is
    the census district holding all of a successor's area, blank when there is none."""
    return _read_optional(seed_dir, "district_successors", SUCCESSOR_COLUMNS)


def load_register(seed_dir: Path = SEED_DIR) -> pd.DataFrame:
    """The 35 districts (`districts.csv`) with typed columns."""
    df = _read_seed(seed_dir, "districts")
    df["is_merged"] = df["is_merged"].map({"true": True, "false": False}).astype(bool)
    for column in ("centroid_lon", "centroid_lat"):
        df[column] = df[column].astype(float)
    for column in ("area_km2", "year"):
        df[column] = df[column].astype(int)
    return df


class DistrictResolver:
    """Resolves district names and codes against the register; lookup tables built once."""

    def __init__(
        self,
        register: pd.DataFrame,
        aliases: pd.DataFrame,
        parents: pd.DataFrame,
        rules: pd.DataFrame,
        non_kp: pd.DataFrame,
        successors: pd.DataFrame | None = None,
    ) -> None:
        self.register = register
        self._rules = compile_rules(rules)
        self._names = dict(zip(register["district_code"], register["district_name"], strict=True))
        self._exact: Keys = {}
        self._sorted: Keys = {}
        self._compact: Keys = {}
        self._parent_codes: Keys = {}
        self._non_kp: Keys = {}
        self._successors: dict[str, set[tuple[str, str, str]]] = {}
        self._cache: dict[str, Resolution] = {}
        codes = register["district_code"]
        self._add_pairs(
            [
                *zip(register["district_name"], codes, strict=True),
                *zip(register["census_name"], codes, strict=True),
                *zip(aliases["alias"], aliases["district_code"], strict=True),
            ]
        )
        for parent, code in zip(parents["parent_name"], parents["district_code"], strict=True):
            for key in (_exact_key(parent), *self._keys(parent)):
                self._parent_codes.setdefault(key, set()).add(code)
        for name, province in zip(non_kp["name"], non_kp["province"], strict=True):
            for key in (_exact_key(name), *self._keys(name)):
                self._non_kp.setdefault(key, set()).add(province)
        if successors is not None:
            self._add_successors(successors)

    def _add_successors(self, successors: pd.DataFrame) -> None:
        codes = successors["district_code"].str.strip().str.upper()
        unknown = sorted(set(codes) - set(self._names) - {""})
        if unknown:
            raise ValueError(f"district successors name unknown district codes: {unknown}")
        for name, code, created, lineage in zip(
            successors["successor"],
            codes,
            successors["created"],
            successors["lineage"],
            strict=True,
        ):
            for key in (_exact_key(name), *self._keys(name)):
                if key:
                    self._successors.setdefault(key, set()).add((code, created, lineage))

    @classmethod
    def from_seed(
        cls, seed_dir: Path = SEED_DIR, extra_aliases: pd.DataFrame | None = None
    ) -> DistrictResolver:
        """Build from `data/seed`; `extra_aliases` (alias, district_code): confirmed spellings."""
        aliases = _read_seed(seed_dir, "district_aliases")
        spellings = load_spellings(seed_dir)[["alias", "district_code"]]
        resolver = cls(
            load_register(seed_dir),
            pd.concat([aliases[["alias", "district_code"]], spellings], ignore_index=True),
            _read_seed(seed_dir, "district_parents"),
            _read_seed(seed_dir, "name_rules"),
            _read_seed(seed_dir, "non_kp_districts"),
            load_successors(seed_dir),
        )
        if extra_aliases is not None and len(extra_aliases):
            resolver.add_aliases(extra_aliases)
        return resolver

    def _keys(self, name: str) -> tuple[str, str]:
        return name_keys(name, self._rules)

    def _add_pairs(self, pairs: Iterable[tuple[str, str]]) -> None:
        for alias, code in pairs:
            sorted_key, compact = self._keys(str(alias))
            for index, key in (
                (self._exact, _exact_key(str(alias))),
                (self._sorted, sorted_key),
                (self._compact, compact),
            ):
                if key:
                    index.setdefault(key, set()).add(code)

    def add_aliases(self, aliases: pd.DataFrame) -> None:
        """Add confirmed spellings (columns alias, district_code) for known district codes."""
        codes = aliases["district_code"].astype(str).str.strip().str.upper()
        unknown = sorted(set(codes) - set(self._names))
        if unknown:
            raise ValueError(f"extra aliases name unknown district codes: {', '.join(unknown)}")
        self._add_pairs(zip(aliases["alias"].astype(str), codes, strict=True))
        self._cache.clear()

    def name_of(self, code: str) -> str:
        """Display name of a P-code (KeyError for a code not in the register)."""
        try:
            return self._names[code.strip().upper()]
        except KeyError:
            raise KeyError(f"{code!r} is not a KP district code") from None

    def resolve(self, name: object) -> Resolution:
        if _is_missing(name):
            return Resolution(query="", district_code=None, method="none")
        query = str(name).strip()
        if query not in self._cache:
            self._cache[query] = self._resolve(query)
        return self._cache[query]

    def resolve_many(self, names: Iterable[object]) -> dict[object, Resolution]:
        """Resolve each distinct value once (an import has many rows and few names)."""
        if not isinstance(names, pd.Series | pd.Index | np.ndarray):
            names = list(names)
        distinct = pd.unique(pd.Series(names, dtype=object))
        return {value: self.resolve(value) for value in distinct}

    def _resolve(self, query: str) -> Resolution:
        code = query.upper()
        if PCODE_RE.fullmatch(code) and code in self._names:
            return Resolution(query, code, "pcode")
        exact = self._exact.get(_exact_key(query), set())
        if exact:
            return self._decided(query, exact, "alias")
        sorted_key, compact = self._keys(query)
        found = self._sorted.get(sorted_key, set()) | self._compact.get(compact, set())
        if found:
            return self._decided(query, found, "normalised")
        for key in (_exact_key(query), sorted_key, compact):
            if key in self._successors:
                return self._successor(query, self._successors[key])
        for key in (_exact_key(query), sorted_key, compact):
            if key in self._parent_codes:
                children = tuple(sorted(self._parent_codes[key]))
                return Resolution(
                    query, None, "parent", self._as_candidates(children), parent_codes=children
                )
        for key in (_exact_key(query), sorted_key, compact):
            if key in self._non_kp:
                province = " or ".join(sorted(self._non_kp[key]))
                return Resolution(query, None, "non_kp", province=province)
        candidates = self._fuzzy(sorted_key)
        return Resolution(query, None, "fuzzy" if candidates else "none", candidates)

    def _successor(self, query: str, found: set[tuple[str, str, str]]) -> Resolution:
        codes = {code for code, _, _ in found}
        if len(found) > 1 and len(codes) > 1:  # one name, two successors: never guessed
            return Resolution(query, None, "ambiguous", self._as_candidates(sorted(codes - {""})))
        code, created, lineage = sorted(found)[0]
        return Resolution(query, code or None, "successor", lineage=lineage, created=created)

    def _decided(self, query: str, codes: set[str], method: str) -> Resolution:
        if len(codes) == 1:
            return Resolution(query, next(iter(codes)), method)
        return Resolution(query, None, "ambiguous", self._as_candidates(sorted(codes)))

    def _as_candidates(self, codes: Iterable[str]) -> tuple[tuple[str, str, float], ...]:
        return tuple((code, self._names[code], 100.0) for code in codes)

    def _fuzzy(self, key: str) -> tuple[tuple[str, str, float], ...]:
        if not key:
            return ()
        # Parent names count too: a misspelt 'Chitarl' should point at both Chitral districts.
        choices = {**self._parent_codes, **self._sorted}
        matches = process.extract(
            key, list(choices), scorer=fuzz.WRatio, score_cutoff=FUZZY_CUTOFF, limit=None
        )
        best: dict[str, float] = {}
        for choice, score, _ in matches:
            for code in choices[choice]:
                best[code] = max(best.get(code, 0.0), round(float(score), 1))
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:FUZZY_LIMIT]
        return tuple((code, self._names[code], score) for code, score in ranked)
