"""iCalendar (RFC 5545) invitations for a community's live session, in iTIP terms
(RFC 5546): REQUEST for a new or changed session, CANCEL when it ends for someone.

Written with the `icalendar` library, never by hand. The event is in the community's
own timezone (DTSTART;TZID=...) with its VTIMEZONE, so a weekly 18:30 stays 18:30 in
every calendar across daylight-saving changes.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vRecur

from community.live_sessions import SessionFacts
from community.names import clean_display_name

PRODID = "-//Kith//Live sessions//EN"
# The VTIMEZONE lists transitions over this many years from the first session; calendar
# programs know zones by name too, and use the definition only where they do not.
TIMEZONE_YEARS = 10
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Method(enum.StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


def calendar_bytes(
    facts: SessionFacts,
    *,
    method: Method,
    tz: str,
    organizer: tuple[str, str],
    attendee: tuple[str, str],
    stamp: datetime,
    description: str,
) -> bytes:
    """One VCALENDAR with one recurring VEVENT and the VTIMEZONE it refers to.

    `organizer` and `attendee` are (name, address); `stamp` is DTSTAMP, the moment
    the mail was decided (so a retried send has the same bytes).
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method.value)
    start = facts.local_start(tz)
    event = Event()
    event.add("uid", facts.uid)
    event.add("sequence", facts.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=facts.duration_minutes))
    event.add(
        "rrule",
        vRecur(freq="WEEKLY", interval=facts.interval_weeks, byday=_BYDAY[facts.weekday]),
    )
    event.add("summary", facts.title)
    event.add("description", description)
    event.add("location", facts.join_url)
    event.add("url", facts.join_url)
    event.add("organizer", _address(*organizer))
    event.add(
        "attendee",
        _address(
            *attendee,
            ROLE="REQ-PARTICIPANT",
            PARTSTAT="NEEDS-ACTION",
            # Nobody reads calendar replies: the session happens whoever comes.
            RSVP="FALSE",
        ),
    )
    event.add("transp", "OPAQUE")
    event.add("status", "CANCELLED" if method == Method.CANCEL else "CONFIRMED")
    cal.add_component(event)
    first = facts.first_date
    cal.add_missing_timezones(
        first_date=date(first.year, 1, 1), last_date=date(first.year + TIMEZONE_YEARS, 1, 1)
    )
    return bytes(cal.to_ical())


def _address(name: str, address: str, **params: str) -> vCalAddress:
    value = vCalAddress(f"mailto:{address}")
    cn = clean_display_name(name)
    if cn:
        value.params["CN"] = cn
    value.params.update(params)
    return value
