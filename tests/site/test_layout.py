"""layout.py's rules that delta builds take shortcuts with."""

from __future__ import annotations

import random

from deepoc.site import layout


def test_recent_after_a_change_is_recent_computed_again():
    """From the previous feed list and the changed modules' previous dates, the same list a
    pass over every module gives: dates moved forward, back, to ties, in and out of the
    feed, with catalogs smaller and larger than the feed."""
    rng = random.Random(11)
    days = [f"2026-0{m}-{d:02d}" for m in range(1, 4) for d in range(1, 29)] + [""]
    for _ in range(600):
        n = rng.choice([3, layout.FEED_SIZE, layout.FEED_SIZE + 1, 120])
        names = [f"m{rng.randrange(10 ** 6):06d}" for _ in range(n)]
        dates = [rng.choice(days) for _ in range(n)]
        before = layout.recent(dates, names)
        old_dates = {}
        for i in rng.sample(range(n), rng.choice([1, 1, 2, 3])):
            old_dates[i] = dates[i]
            dates[i] = rng.choice(days + [dates[before[0]], dates[before[-1]]])
        got = layout.recent_after(before, dates, names, old_dates)
        assert got == layout.recent(dates, names)
