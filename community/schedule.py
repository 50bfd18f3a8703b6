"""The weekly rhythm: when each unit of work is due, in each community's local time.

Everything here is pure: given a community, the current time and what was already
done, it says what is due. Local wall-clock times are turned into instants with the
community's timezone, so "Monday 08:00" stays 08:00 across daylight-saving changes.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .errors import InvalidCommunitySettings
from .models import Community

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Unit(enum.StrEnum):
    PROMPT = "prompt"  # "What is your one commitment for this week?"
    PROMPT_REMINDER = "prompt_reminder"
    CHECKIN = "checkin"  # "Did you do it?"
    CHECKIN_REMINDER = "checkin_reminder"
    DIGEST_PREVIEW = "digest_preview"  # the draft, to the host
    DIGEST = "digest"


LOOP_UNITS = (Unit.PROMPT, Unit.PROMPT_REMINDER, Unit.CHECKIN, Unit.CHECKIN_REMINDER)
# A unit may only run once the one it follows has run in the same week.
REQUIRES = {
    Unit.PROMPT_REMINDER: Unit.PROMPT,
    Unit.CHECKIN: Unit.PROMPT,
    Unit.CHECKIN_REMINDER: Unit.CHECKIN,
}


@dataclass(frozen=True)
class Due:
    community_id: int
    unit: Unit
    week: str
    at: datetime  # UTC


_WEEKLY_TIME = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+(\d{1,2})(?::00)?$", re.I)


def parse_weekly_time(text: str) -> tuple[int, int]:
    """ "mon 08:00" -> (0, 8). Hours only: the schedule runs on the hour.

    Raises InvalidCommunitySettings with a hint for anything else.
    """
    match = _WEEKLY_TIME.match(text.strip())
    if not match or int(match.group(2)) > 23:
        raise InvalidCommunitySettings(f"{text!r}: use a weekday and an hour, like 'mon 08:00'")
    day = [d[:3].lower() for d in WEEKDAYS].index(match.group(1)[:3].lower())
    return day, int(match.group(2))


_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(text: str) -> str:
    """An ISO week as a person typed it ("2026-W10"), checked to exist (2026 has a
    W53, 2025 has not). Raises InvalidCommunitySettings."""
    match = _ISO_WEEK.match(text.strip().upper())
    try:
        if match is None:
            raise ValueError(text)
        date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise InvalidCommunitySettings(
            f"{text!r} is not an ISO week that exists, like 2026-W10."
        ) from None
    return f"{match.group(1)}-W{match.group(2)}"


def week_of(moment: datetime, tz: str) -> str:
    """The ISO week ("2026-W10") that an instant falls in, in local time."""
    year, week, _ = moment.astimezone(ZoneInfo(tz)).isocalendar()
    return f"{year}-W{week:02d}"


def shift_week(week: str, weeks: int) -> str:
    year, number = int(week[:4]), int(week[6:])
    monday = date.fromisocalendar(year, number, 1) + timedelta(weeks=weeks)
    y, w, _ = monday.isocalendar()
    return f"{y}-W{w:02d}"


def local_instant(tz: str, week: str, weekday: int, hour: int) -> datetime:
    """The UTC instant of `weekday` `hour`:00 local time in an ISO week.

    In a spring-forward gap (02:30 that never happens) zoneinfo moves the time past
    the gap; in the autumn repeat the first of the two instants is used.
    """
    day = date.fromisocalendar(int(week[:4]), int(week[6:]), weekday + 1)
    local = datetime.combine(day, time(hour), tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


def week_plan(community: Community, week: str) -> dict[Unit, datetime]:
    """When each unit of this community's week is due (UTC)."""
    tz, delay = community.timezone, timedelta(hours=community.reminder_delay_hours)
    prompt = local_instant(tz, week, community.prompt_weekday, community.prompt_hour)
    checkin = local_instant(tz, week, community.checkin_weekday, community.checkin_hour)
    if checkin <= prompt:  # a check-in day before the prompt day belongs to the next week
        checkin = local_instant(
            tz, shift_week(week, 1), community.checkin_weekday, community.checkin_hour
        )
    digest = local_instant(tz, week, community.digest_weekday, community.digest_hour)
    plan = {
        Unit.PROMPT: prompt,
        Unit.PROMPT_REMINDER: prompt + delay,
        Unit.CHECKIN: checkin,
        Unit.CHECKIN_REMINDER: checkin + delay,
        Unit.DIGEST: digest,
    }
    if community.preview_hours > 0:
        plan[Unit.DIGEST_PREVIEW] = digest - timedelta(hours=community.preview_hours)
    return plan


def due_units(
    community: Community,
    now: datetime,
    done: set[tuple[Unit, str]],
    grace: timedelta,
) -> list[Due]:
    """Units whose time has come, at most `grace` ago, and that have not run yet.

    Work that fell due while the scheduler was down is still due when it comes back,
    as long as it is within the grace period; older work is left for good (a prompt
    three days late would be worse than none).
    """
    current = week_of(now, community.timezone)
    found = []
    for week in (shift_week(current, -1), current):
        for unit, at in week_plan(community, week).items():
            if not at <= now <= at + grace or (unit, week) in done:
                continue
            if community.created_at is not None and at < community.created_at:
                continue  # it fell due before the community existed
            if community.loop_paused and unit in LOOP_UNITS:
                continue
            required = REQUIRES.get(unit)
            if required is not None and (required, week) not in done:
                continue
            found.append(Due(community.id, unit, week, at))
    return sorted(found, key=lambda d: d.at)


def next_occurrences(community: Community, now: datetime) -> dict[Unit, datetime]:
    """The next time each unit happens after `now` (for "what happens next week")."""
    current = week_of(now, community.timezone)
    upcoming: dict[Unit, datetime] = {}
    for week in (current, shift_week(current, 1), shift_week(current, 2)):
        for unit, at in week_plan(community, week).items():
            if at > now and unit not in upcoming:
                upcoming[unit] = at
    return upcoming


def describe(community: Community, moment: datetime) -> str:
    """ "Monday 2 March, 08:00" in the community's own time."""
    local = moment.astimezone(ZoneInfo(community.timezone))
    return f"{WEEKDAYS[local.weekday()]} {local.day} {local:%B}, {local:%H:%M}"


def done_set(pairs: Iterable[tuple[Unit, str]]) -> set[tuple[Unit, str]]:
    return set(pairs)
