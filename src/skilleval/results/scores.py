"""The arithmetic of scores, kept apart so models, services and documents agree:
one decimal place rounded half up, scores on a 100-point scale, the panel's rule."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

ONE_PLACE = Decimal("0.1")
HUNDRED = Decimal(100)
TRIMMED_MIN_PANEL = 5  # dropping the highest and lowest needs at least five scores [issue: "panels of five or more"]


def q1(value: Decimal) -> Decimal:
    return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def to_percent(score: Decimal | None, maximum: Decimal | None) -> Decimal | None:
    """A score out of `maximum` on a 100-point scale (None when either is missing)."""
    if score is None or not maximum:
        return None
    return q1(Decimal(score) * HUNDRED / Decimal(maximum))


def combine_panel(totals: Sequence[Decimal], rule: str) -> Decimal:
    """The panel's combined score: the mean, or with `trimmed` (five or more scores) the
    mean after dropping one highest and one lowest."""
    values = sorted(Decimal(t) for t in totals)
    if not values:
        raise ValueError("no scores to combine")
    if rule == "trimmed" and len(values) >= TRIMMED_MIN_PANEL:
        values = values[1:-1]
    return q1(sum(values, Decimal(0)) / len(values))


def weighted_total(parts: Sequence[tuple[Decimal, int]]) -> Decimal:
    """Σ score × weight% over the modules (score on 100, weight in percent)."""
    return q1(sum((Decimal(score) * weight for score, weight in parts), Decimal(0)) / HUNDRED)
