"""What threshold analysis reports: per rule its table and verdicts, and the range of its
constant (θ) that keeps the properties.  Plain data and text helpers, no solver: the output
layer renders these (forkproof.output.thresholds); forkproof.analysis.thresholds (Z3) and
forkproof.run.theta (explicit runs per θ cell) fill them in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


# ---------------------------------------------------------------- θ: interval sets


@dataclass(frozen=True)
class Interval:
    lo: Fraction | None  # None: -inf
    lo_closed: bool
    hi: Fraction | None  # None: +inf
    hi_closed: bool

    def __str__(self) -> str:
        if self.lo is not None and self.lo == self.hi:
            return "{" + fraction_str(self.lo) + "}"
        left = "(-inf" if self.lo is None else ("[" if self.lo_closed else "(") + fraction_str(self.lo)
        right = "+inf)" if self.hi is None else fraction_str(self.hi) + ("]" if self.hi_closed else ")")
        return f"{left}, {right}"


def fraction_str(f: Fraction) -> str:
    """3/4 -> "3/4", 2 -> "2"."""
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def _lo_key(i: Interval):
    return (0, 0) if i.lo is None else (1, i.lo, 0 if i.lo_closed else 1)


def merge(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for i in sorted(intervals, key=_lo_key):
        if out:
            last = out[-1]
            touches = last.hi is None or i.lo is None or i.lo < last.hi or (
                i.lo == last.hi and (last.hi_closed or i.lo_closed))
            if touches:
                if last.hi is None or (i.hi is not None and (i.hi < last.hi or (i.hi == last.hi and last.hi_closed))):
                    continue
                out[-1] = Interval(last.lo, last.lo_closed, i.hi, i.hi_closed)
                continue
        out.append(i)
    return out


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out = []
    for x in a:
        for y in b:
            if x.lo is None or (y.lo is not None and (y.lo > x.lo or (y.lo == x.lo and not y.lo_closed))):
                lo, lc = y.lo, y.lo_closed
            else:
                lo, lc = x.lo, x.lo_closed
            if x.hi is None or (y.hi is not None and (y.hi < x.hi or (y.hi == x.hi and not y.hi_closed))):
                hi, hc = y.hi, y.hi_closed
            else:
                hi, hc = x.hi, x.hi_closed
            if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lc and hc))):
                continue
            out.append(Interval(lo, lc, hi, hc))
    return merge(out)


def contains(s: list[Interval], v: Fraction) -> bool:
    return any((i.lo is None or v > i.lo or (v == i.lo and i.lo_closed))
               and (i.hi is None or v < i.hi or (v == i.hi and i.hi_closed)) for i in s)


def set_str(s: list[Interval]) -> str:
    if not s:
        return "no θ"
    if len(s) == 1 and s[0].lo is None and s[0].hi is None:
        return "every θ"
    return " ∪ ".join(str(i) for i in s)


EVERYTHING = [Interval(None, False, None, False)]


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class RangeGroup:
    """One property's θ range under one choice of the params analysed per value (`label`)."""

    label: str
    holds: list[Interval] | None  # None: unknown, `reason` says why
    reason: str = ""
    scope: str = ""  # params left open: "all N with N >= 1" when proved for every size, else "N = 1..6 only"
    why: str = ""  # how the every-size scope was reached, or why not


@dataclass
class PropertyRange:
    name: str
    groups: list[RangeGroup] = field(default_factory=list)


@dataclass
class ThetaResult:
    constant: str | None  # "4/5 (80%)"
    value: Fraction | None
    scope: str = ""
    runs: int = 0
    properties: list[PropertyRange] = field(default_factory=list)
    unknown: str = ""  # why there is no range at all
    note: str = ""
    per_size: bool = False  # params without a value were swept: each range says whether it holds for every size


@dataclass(frozen=True)
class Verdict:
    status: str  # "proved" | "refuted" | "unknown" | "n/a"
    scope: str = ""
    detail: str = ""
    smallest: int | None = None  # refuted: the smallest N (or None when there is no N)
    witness: str = ""


@dataclass
class Row:
    n: int
    params: str  # the other params' values used at this N, "" when none
    support: int | None = None  # smallest passing support; None: never passes
    pop: int | None = None
    passes_not_meant: bool | None = None
    meant_not_passes: bool | None = None
    overlap: int | None = None  # the fewest supporters two passing configurations share
    k: int | None = None
    witness: str = ""  # a configuration passing with the smallest support (share)
    unknown: str = ""
    empty: bool | None = None  # a population that varies: does the rule pass when it is 0?


@dataclass
class Table:
    """One measure of a rule (NOTE(anatomy) in checker/analysis/anatomy.py) and its rows:
    `support` as a share of `population`, both as text (inlined), with the def call they
    come from when there is one ("yes", "signalled(u)")."""

    support: str | None
    support_name: str | None
    population: str | None
    population_name: str | None
    pop_kind: str  # "members" (N) | "weight" (the total over the family) | "tally" | "bound" | ""
    kind: str  # the support's: "count" | "sum" | "counter" | ""
    family: str
    rows: list[Row]
    source: str = "rule"  # "rule": inferred from the rule; "meant": from the meant bound; "stated": `measures`
    note: str = ""
    size: str = ""  # what the rows are indexed by: the family's size ("N"), the counter's bound


@dataclass
class ClauseReport:
    """One conjunct of a rule, as the anatomy reads it."""

    text: str
    kind: str  # "measure" | "condition" | "unknown"
    support: list[str]
    against: list[str]
    population: str
    pop_kind: str
    op: str
    bar: str
    why: str


@dataclass
class Variant:
    label: str  # "RULE = Code", or "" when the rule reads no open enum/bool param
    rows: list[Row] = field(default_factory=list)
    equivalence: Verdict | None = None
    quorum: Verdict | None = None
    tables: list[Table] = field(default_factory=list)  # one per measure; rows is the first's
    note: str = ""


@dataclass
class ThresholdReport:
    name: str
    params: str  # "(x: Version)" or ""
    rule: str
    where: list[tuple[str, str]]
    exact: str
    meant: str | None
    support: str | None
    support_kind: str  # "count" | "sum" | "counter" | ""
    population: str | None  # "N", "BLOCKS", or None
    k_text: str
    variants: list[Variant]
    note: str = ""
    theta: ThetaResult | None = None  # filled by checker/run/theta.py
    support_name: str | None = None  # the def call the support comes from ("yes")
    population_name: str | None = None
    population_kind: str = ""
    source: str = "rule"
    clauses: list[ClauseReport] = field(default_factory=list)


def compress(ns: list[int]) -> str:
    """[2, 3, 4, 6] -> "2..4, 6"."""
    out, i = [], 0
    while i < len(ns):
        j = i
        while j + 1 < len(ns) and ns[j + 1] == ns[j] + 1:
            j += 1
        out.append(str(ns[i]) if j == i else f"{ns[i]}, {ns[j]}" if j == i + 1 else f"{ns[i]}..{ns[j]}")
        i = j + 1
    return ", ".join(out)


def fraction_text(s: int, n: int) -> tuple[str, str]:
    """(exact fraction "2/3", percentage "66.7%") of s out of n."""
    if n == 0:
        return "-", "-"
    f = Fraction(s, n)
    pct = f * 100
    return f"{s}/{n}", f"{float(pct):.1f}%" if pct.denominator != 1 else f"{pct.numerator}%"


def verdicts(reports: list[ThresholdReport]) -> list[Verdict]:
    """Every rule-vs-meant and quorum-intersection verdict of the reports."""
    return [x for r in reports for v in r.variants for x in (v.equivalence, v.quorum) if x is not None]
