"""`generate()` (history, sorted by published, with labels) and `live()` (an endless stream at the current time)."""

from __future__ import annotations

import gc
import random
import time as _time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter

import orjson

from glasslog.simulate.benign import Life
from glasslog.simulate.emit import DAY_MS, HOUR_MS, Emitter, Recorder
from glasslog.simulate.geo import geoip
from glasslog.simulate.org import Org, build_org
from glasslog.simulate.scenarios import SCENARIOS, Attacks, run

__all__ = ["SCENARIOS", "Simulation", "generate", "live", "resolve_scenarios"]


def resolve_scenarios(scenarios: list[str] | None, attacks: bool = True) -> list[str]:
    """None -> every scenario once; "all" expands to every scenario; a name may repeat (several instances)."""
    if not attacks:
        return []
    if scenarios is None:
        return list(SCENARIOS)
    out: list[str] = []
    for s in scenarios:
        for part in str(s).split(","):
            part = part.strip()
            if not part:
                continue
            if part == "all":
                out.extend(SCENARIOS)
            elif part in SCENARIOS:
                out.append(part)
            else:
                raise ValueError(f"unknown scenario {part!r}; known: all, {', '.join(SCENARIOS)}")
    return out


def default_end(now: datetime | None = None) -> datetime:
    """The current time rounded down to the minute (the only wall-clock input)."""
    now = now or datetime.now(UTC)
    return now.replace(second=0, microsecond=0)


def _ms(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


class Simulation:
    """A seeded simulation. Iterate `events()` once; `labels` is complete after the iteration ends
    (and already known before it: attacks are generated first)."""

    def __init__(self, org: str = "acme", users: int = 500, days: float = 30, seed: int = 0,
                 scenarios: list[str] | None = None, end: datetime | None = None, attacks: bool = True) -> None:
        if users < 1:
            raise ValueError("users must be >= 1")
        if days <= 0:
            raise ValueError("days must be > 0")
        self.org_name = org
        self.users = users
        self.days = days
        self.seed = seed
        self.names = resolve_scenarios(scenarios, attacks)
        self.end = end or default_end()
        self.end_ms = _ms(self.end)
        self.start_ms = self.end_ms - int(days * DAY_MS)
        self.labels: list[dict] = []
        self.count = 0
        self.progress: Callable[[int, int], None] | None = None  # (done_days, total_days)
        geo = geoip()
        self.geo = geo
        self.em = Recorder(random.Random(f"glasslog:{seed}:benign"))
        self.org: Org = build_org(org, users, self.em.rng, self.em, geo)
        self.life = Life(self.org, self.em, geo, self.start_ms, self.end_ms)
        self.attack_events: list[dict] = []
        self._plan_attacks()

    def _plan_attacks(self) -> None:
        if not self.names:
            return
        arng = random.Random(f"glasslog:{self.seed}:attacks")
        em = Emitter(arng, node_salt=0x5A5A5A)
        atk = Attacks(self.org, em, self.geo, self.start_ms, self.end_ms)
        results = run(atk, self.names, random.Random(f"glasslog:{self.seed}:schedule"))
        lo_s, hi_s = em.stamp(self.start_ms), em.stamp(self.end_ms)
        keep = []
        for k, name, i, j, r in results:
            evs = [e for e in atk.out[i:j] if lo_s <= e["published"] <= hi_s]
            context = set(r.get("context", ()))
            mine = [e for e in evs if e["uuid"] not in context]
            keep.extend(evs)
            if not mine:
                continue
            mine_sorted = sorted(mine, key=lambda e: e["published"])
            ips = sorted({e["client"]["ipAddress"] for e in mine if e["client"].get("ipAddress")})
            accounts = sorted({e["actor"]["alternateId"] for e in mine if e["actor"].get("type") == "User"})
            self.labels.append({
                "id": f"attack-{k + 1:03d}",
                "scenario": name,
                "start": mine_sorted[0]["published"],
                "end": mine_sorted[-1]["published"],
                "attacker_ips": ips,
                "accounts": accounts,
                "compromised_accounts": sorted(set(r.get("compromised", ()))),
                "created_accounts": r.get("created_accounts", []),
                "session_ids": r.get("sessions", []),
                "event_uuids": [e["uuid"] for e in mine_sorted],
                "context_uuids": [e["uuid"] for e in evs if e["uuid"] in context],
                "event_count": len(mine),
            })
        keep.sort(key=lambda e: e["published"])
        self.attack_events = keep

    def stamp_start(self) -> str:
        return self.em.stamp(self.start_ms)

    def stamp_end(self) -> str:
        return self.em.stamp(self.end_ms)

    def _days(self, lines: bool = False) -> Iterator[list[tuple]]:
        """The history, one sorted run per UTC date: everyone's date is simulated, then what no later date can
        precede (anything before the next date's midnight in UTC+14) is released, clipped to [start, end].
        Items are benign records and `(t, attack event)` pairs (see `emit.Recorder`); sorting on the integer time
        gives the order sorting on `published` gave. With `lines`, every item is a `(t, NDJSON line)` pair instead
        (the Recorder serializes each event as it is made).

        The cyclic GC is paused while a date is simulated (and restored before anything is yielded): the buffered
        events hold no cycles, and a collection every few hundred allocations would rescan the whole buffered day
        (a third of the run's time at 2,000 users)."""
        life = self.life
        lo, hi = self.start_ms, self.end_ms
        first = datetime.fromtimestamp(lo / 1000, UTC).date() - timedelta(days=1)
        last = datetime.fromtimestamp(hi / 1000, UTC).date() + timedelta(days=1)
        total = (last - first).days + 1
        buf: list[tuple] = [(_parse_ms(e["published"]), e) for e in self.attack_events]
        if lines:
            dumps = orjson.dumps
            buf = [(t, dumps(e)) for t, e in buf]
            self.em.serialize(lo, hi)
        people = self.org.people
        d = first
        n = 0
        key = _time_of
        while d <= last:
            paused = gc.isenabled()
            if paused:
                gc.disable()
            try:
                for p in people:
                    life.person_day(p, d)
                life.org_day(d)
            finally:
                if paused:
                    gc.enable()
            buf.extend(life.out)
            life.out.clear()
            buf.sort(key=key)  # stable: equal times keep attacks first, then generation order
            if d < last:
                cutoff = int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000) + DAY_MS - 14 * HOUR_MS
                k = bisect_left(buf, cutoff, key=key)
            else:
                k = len(buf)
            i = bisect_left(buf, lo, 0, k, key=key)
            run = buf[i:bisect_right(buf, hi, i, k, key=key)]
            del buf[:k]
            n += len(run)
            yield run
            d += timedelta(days=1)
            if self.progress:
                self.progress((d - first).days, total)
        self.count = n

    def events(self) -> Iterator[dict]:
        """The history's LogEvents, sorted by `published` (each built as it is yielded)."""
        build = self.em.build
        for day in self._days():
            yield from map(build, day)

    def lines(self) -> Iterator[bytes]:
        """The same events as `events()`, each as its NDJSON line (`orjson.dumps`, no newline): what
        `glasslog simulate --out` writes. Each event is serialized as soon as it is made (see `emit.Recorder`), and
        the dict dropped at once; the day's buffer holds `(t, line)` pairs."""
        line = _line_of
        for day in self._days(lines=True):
            yield from map(line, day)


_time_of = itemgetter(0)
_line_of = itemgetter(1)


def _published(e: dict) -> str:
    return e["published"]


def generate(org: str = "acme", users: int = 500, days: float = 30, seed: int = 0,
             scenarios: list[str] | None = None, end: datetime | None = None, attacks: bool = True) -> Iterator[dict]:
    """LogEvent dicts sorted by `published`. For the labels, use `Simulation(...)` (same arguments)."""
    return Simulation(org, users, days, seed, scenarios, end, attacks).events()


def live(org: str = "acme", seed: int = 0, users: int = 500, rate: float = 3.0,
         attack_every: tuple[float, float] = (600.0, 1800.0), scenarios: list[str] | None = None,
         clock: Callable[[], float] = _time.time, sleep: Callable[[float], None] = _time.sleep,
         on_label: Callable[[dict], None] | None = None) -> Iterator[dict]:
    """An endless stream of events at the current time: about `rate` events a second of ordinary life, and an
    attack (a random scenario from `scenarios`, default all) every `attack_every` seconds. Each event is yielded
    when its `published` time arrives (never in the future). `on_label` receives each attack's label once all its
    events have been yielded."""
    names = resolve_scenarios(scenarios, True) or list(SCENARIOS)
    rng = random.Random(f"glasslog:{seed}:live")
    geo = geoip()
    em = Emitter(random.Random(f"glasslog:{seed}:live-benign"))
    o = build_org(org, users, em.rng, em, geo)
    now_ms = int(clock() * 1000)
    life = Life(o, em, geo, now_ms - DAY_MS, 1 << 62)
    aem = Emitter(random.Random(f"glasslog:{seed}:live-attacks"), node_salt=0x5A5A5A)
    atk = Attacks(o, aem, geo, now_ms, 1 << 62)
    pending: list[tuple[int, int, dict]] = []  # (t_ms, seq, event)
    import heapq

    seq = 0
    open_labels: list[tuple[int, dict]] = []  # (last event time, label)
    next_attack = now_ms + int(rng.uniform(*attack_every) * 1000 * 0.25)
    next_fill = now_ms

    def push(evs: list[dict]) -> None:
        nonlocal seq
        for e in evs:
            t = _parse_ms(e["published"])
            seq += 1
            heapq.heappush(pending, (t, seq, e))

    while True:
        now_ms = int(clock() * 1000)
        if now_ms >= next_fill:  # an hour-slice of ordinary life, thinned to the target rate
            window = 60_000
            want = int(rate * window / 1000)
            made = 0
            while made < want:
                p = o.people[rng.randrange(len(o.people))]
                life.out.clear()
                ctx = p.ctx.get("laptop_office") or p.ctx["laptop_home"]
                start = now_ms + rng.randint(0, window)
                sess, t = life.sign_in(p, ctx, start, typos=1 if rng.random() < 0.04 else 0)
                for _ in range(rng.randint(1, 6)):
                    t += rng.randint(5_000, 300_000)
                    a, au = life.pick_app(p)
                    life.sso(p, ctx, t, sess, a, au)
                made += len(life.out)
                push(life.out)
            life.out.clear()
            next_fill = now_ms + window
        if now_ms >= next_attack:
            name = rng.choice(names)
            i = len(atk.out)
            r = getattr(atk, name)(now_ms + 1000)
            evs = atk.out[i:]
            context = set(r.get("context", ()))
            mine = sorted((e for e in evs if e["uuid"] not in context), key=_published)
            if mine:
                label = {"scenario": name, "start": mine[0]["published"], "end": mine[-1]["published"],
                         "attacker_ips": sorted({e["client"]["ipAddress"] for e in mine
                                                 if e["client"].get("ipAddress")}),
                         "accounts": sorted({e["actor"]["alternateId"] for e in mine}),
                         "compromised_accounts": sorted(set(r.get("compromised", ()))),
                         "session_ids": r.get("sessions", []), "event_uuids": [e["uuid"] for e in mine]}
                open_labels.append((_parse_ms(mine[-1]["published"]), label))
            push(evs)
            del atk.out[:]
            next_attack = now_ms + int(rng.uniform(*attack_every) * 1000)
        while pending and pending[0][0] <= now_ms:
            yield heapq.heappop(pending)[2]
        if on_label:
            for item in [x for x in open_labels if x[0] <= now_ms]:
                open_labels.remove(item)
                on_label(item[1])
        wait = min(pending[0][0] if pending else next_fill, next_fill, next_attack) - int(clock() * 1000)
        if wait > 0:
            sleep(min(wait / 1000, 1.0))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def _parse_ms(published: str) -> int:
    """A `published` time back to epoch milliseconds (exactly: no float on the way)."""
    return (datetime.fromisoformat(published) - _EPOCH) // _MS


def _unused(_: date) -> None:  # keep `date` imported for type readers
    return None
