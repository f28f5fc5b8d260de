"""The random draw of a 双随机 inspection, as a pure function: the same seed and the same
pool always give the same sample, so the recorded seed and pool let anyone repeat it.

Random sessions: the pool is shuffled by the seed and taken in that order. Random
inspectors: for each session, `per_session` inspectors are drawn from those with no
declared conflict with its organisation and not already drawn for a session at an
overlapping time. A session that cannot be staffed is passed over and reported."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SessionSlot:
    id: int
    organisation_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class InspectorSlot:
    id: int
    conflicts: frozenset[int] = frozenset()


@dataclass
class Draw:
    picked: list[tuple[int, list[int]]] = field(default_factory=list)  # (session id, inspector ids)
    unstaffable: list[int] = field(default_factory=list)  # sessions passed over for want of inspectors


def draw_sample(*, seed: int, sessions: Sequence[SessionSlot], inspectors: Sequence[InspectorSlot], target: int,
                per_session: int) -> Draw:
    rng = random.Random(seed)
    order = sorted(sessions, key=lambda s: s.id)
    rng.shuffle(order)
    pool = sorted(inspectors, key=lambda i: i.id)
    busy: dict[int, list[SessionSlot]] = {}
    draw = Draw()
    for session in order:
        if len(draw.picked) >= target:
            break
        eligible = [
            i for i in pool
            if session.organisation_id not in i.conflicts
            and not any(s.starts_at < session.ends_at and session.starts_at < s.ends_at for s in busy.get(i.id, ()))
        ]
        if len(eligible) < per_session:
            draw.unstaffable.append(session.id)
            continue
        chosen = sorted(i.id for i in rng.sample(eligible, per_session))
        for inspector_id in chosen:
            busy.setdefault(inspector_id, []).append(session)
        draw.picked.append((session.id, chosen))
    return draw


def pool_to_json(sessions: Sequence[SessionSlot], inspectors: Sequence[InspectorSlot]) -> dict:
    return {
        "sessions": [[s.id, s.organisation_id, s.starts_at.isoformat(), s.ends_at.isoformat()] for s in sessions],
        "inspectors": [[i.id, sorted(i.conflicts)] for i in inspectors],
    }


def pool_from_json(data: dict) -> tuple[list[SessionSlot], list[InspectorSlot]]:
    sessions = [SessionSlot(int(s[0]), int(s[1]), dt.datetime.fromisoformat(s[2]), dt.datetime.fromisoformat(s[3]))
                for s in data.get("sessions", [])]
    inspectors = [InspectorSlot(int(i[0]), frozenset(int(o) for o in i[1])) for i in data.get("inspectors", [])]
    return sessions, inspectors
