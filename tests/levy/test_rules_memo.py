"""levy.rules.other_regimes is memoised (bench/page_cpu.py: its walk over the year's days cost ~1.4 ms of every
home page and calculator request): the same answers as the walk, computed once per (year, kind, rules)."""

from datetime import date

from levy.rules import RULES, RuleKind, other_regimes


def test_other_regimes_is_computed_once_per_year_and_kind():
    other_regimes.cache_clear()
    first = other_regimes(2017, RuleKind.WAGE_CAP)
    assert other_regimes(2017, RuleKind.WAGE_CAP) is first
    info = other_regimes.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_memoised_answers_are_the_walks():
    other_regimes.cache_clear()
    regimes = other_regimes(2017, RuleKind.WAGE_CAP)
    assert [(r.start, r.end, r.rule.factor) for r in regimes] == [(date(2017, 1, 1), date(2017, 3, 31), 3)]
    assert other_regimes.__wrapped__(2017, RuleKind.WAGE_CAP, RULES) == regimes
    for year in (2016, 2020, 2026):
        assert other_regimes(year, RuleKind.WAGE_CAP) == other_regimes.__wrapped__(year, RuleKind.WAGE_CAP, RULES) == ()
