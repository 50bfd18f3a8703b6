"""A community's live session in everyone's calendar: invitations on join, updates when
the host changes it, a cancellation on leaving; real SMTP, workers, web app and CLI.

Every iCalendar object is read by two independent parsers (icalendar and vobject),
and its recurrence is expanded by each across a daylight-saving change."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from dateutil.rrule import rrulestr

from community.clock import Clock

from ..helpers import Signup, ledger, link_to, run_kith
from .test_weekly import START, advance, clock, make_circle  # noqa: F401  (fixtures)

PARIS = ZoneInfo("Europe/Paris")
URL = "https://meet.example/live-circle"


def kith_at(frozen, settings, relay, *args):
    """Run a `kith` command at the frozen test time: its clock offset file puts the
    command at that moment, and the test's clock then moves past what it wrote."""
    offsets = Clock(settings.clock_offset_file)
    offsets.set_offset(frozen.moment - datetime.now(UTC))
    result = run_kith(settings, *args, KITH_SMTP_URL=relay.url)
    frozen.moment = offsets.now() + timedelta(seconds=1)
    return result


def calendar_mail(relay, to, method):
    """The last mail to `to` carrying an iCalendar part of this method, as raw bytes."""
    found = [
        r.data
        for r in relay.received
        if r.rcpt_tos == [to] and f"; method={method}".encode() in r.data
    ]
    assert found, f"no {method} reached {to}"
    return found[-1]


def ics_of(raw: bytes) -> tuple[bytes, str]:
    """The text/calendar part's bytes and its Content-Type line, from the raw message."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0].get_payload(decode=True), parts[0]["Content-Type"]


def both_parsers(data: bytes):
    """The event as icalendar and as vobject read it (each raises on a malformed file)."""
    cal = icalendar.Calendar.from_ical(data)
    [event] = cal.walk("VEVENT")
    vcal = vobject.readOne(data.decode("utf-8"), validate=True)
    return cal, event, vcal


def occurrences(event, vcal, after, before):
    """The recurrence, expanded once by each library's reading of the file."""
    dtstart = event.decoded("dtstart")
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=dtstart)
    ours = [d for d in rule.between(after, before, inc=True)]
    theirs = [d for d in vcal.vevent.getrruleset().between(after, before, inc=True)]
    return ours, theirs


def test_invitations_follow_the_session_through_join_change_and_leave(
    clock,  # noqa: F811
    settings,
    sessions,
    relay,
    db,
    client,
    work,
):
    cid = make_circle(
        sessions,
        "live",
        "Europe/Paris",
        [("anne@example.com", "Anne"), ("bart@example.org", "Bart")],
    )
    work()
    relay.handler.received.clear()

    def kith(*args):
        return kith_at(clock, settings, relay, *args)

    # Bad input is refused with exit 2 and stores nothing.
    assert kith("session", "set", "live", "someday 18:00", "--url", URL).returncode == 2
    assert kith("session", "set", "live", "tue 18:30", "--url", "ftp://x").returncode == 2
    assert kith("session", "set", "live", "tue 18:30").returncode == 2  # no join link
    wrong_day = kith("session", "set", "live", "tue 18:30", "--url", URL, "--from", "2026-03-04")
    assert wrong_day.returncode == 2 and "not a Tuesday" in wrong_day.stderr
    assert kith("session", "show", "live").stdout.strip() == "live: no live session"

    made = kith("session", "set", "live", "tue 18:30", "--url", URL, "--from", "2026-03-03")
    assert made.returncode == 0, made.stderr
    assert "invitations queued: 3" in made.stdout  # the host, Anne and Bart
    work()

    raw = calendar_mail(relay, "anne@example.com", "REQUEST")
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"Subject: Invitation: Live live session" in head
    assert b'Content-Type: multipart/alternative; boundary="' in raw
    assert b'Content-Type: text/calendar; charset="utf-8"; method=REQUEST\r\n' in raw
    data, ctype = ics_of(raw)
    assert ctype.params["method"] == "REQUEST" and ctype.params["charset"] == "utf-8"
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))  # RFC 5545 3.1 folding
    cal, event, vcal = both_parsers(data)
    assert str(cal["METHOD"]) == "REQUEST" and vcal.method.value == "REQUEST"
    uid = str(event["UID"])
    assert vcal.vevent.uid.value == uid and uid.endswith("@kith.example")
    assert int(event["SEQUENCE"]) == 0 == int(vcal.vevent.sequence.value)
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;INTERVAL=1;BYDAY=TU"
    assert str(event["ATTENDEE"]) == "mailto:anne@example.com"
    assert str(event["ORGANIZER"]) == "mailto:live-host@kith.example"
    assert str(event["LOCATION"]) == URL

    # Across the change to summer time (29 March in Paris) the session stays at 18:30.
    ours, theirs = occurrences(
        event, vcal, datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 3, tzinfo=UTC)
    )
    for found in (ours, theirs):
        assert [d.astimezone(PARIS).strftime("%d %H:%M") for d in found] == [
            "24 18:30",
            "31 18:30",
        ]
        assert [d.astimezone(UTC).hour for d in found] == [17, 16]

    # Someone joins through the web: welcome, and the invitation as it is now.
    signup = Signup(client, "live")
    signup.join("cleo@example.net", "Cleo")
    work()
    confirm = [r.message for r in relay.received if r.rcpt_tos == ["cleo@example.net"]][-1]
    signup.follow(link_to(confirm, "/confirm/"))
    work()
    _, cleo_event, _ = both_parsers(ics_of(calendar_mail(relay, "cleo@example.net", "REQUEST"))[0])
    assert str(cleo_event["UID"]) == uid and int(cleo_event["SEQUENCE"]) == 0

    # The host moves it: everyone gets an update (same UID, higher SEQUENCE).
    moved = kith("session", "set", "live", "tue 19:00")
    assert moved.returncode == 0 and "sequence 1" in moved.stdout, moved.stdout
    assert "invitations queued: 4" in moved.stdout
    assert "unchanged" in kith("session", "set", "live", "tue 19:00").stdout
    work()
    raw = calendar_mail(relay, "bart@example.org", "REQUEST")
    assert b"Subject: Updated invitation: Live live session" in raw
    _, event, vcal = both_parsers(ics_of(raw)[0])
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    assert event.decoded("dtstart") == datetime(2026, 3, 3, 19, 0, tzinfo=PARIS)
    assert vcal.vevent.dtstart.value.astimezone(PARIS).hour == 19

    # Bart leaves by one click: his calendar gets a cancellation, with no list links.
    invitation = next(
        r.message
        for r in relay.received
        if r.rcpt_tos == ["bart@example.org"] and "Invitation" in r.subject
    )
    leave = invitation["List-Unsubscribe"].split(",")[0].strip().strip("<>")
    path = "/" + leave.split("://", 1)[1].split("/", 1)[1]
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    work()
    raw = calendar_mail(relay, "bart@example.org", "CANCEL")
    assert b'Content-Type: text/calendar; charset="utf-8"; method=CANCEL\r\n' in raw
    assert b"List-Unsubscribe" not in raw.split(b"\r\n\r\n", 1)[0]
    cal, event, vcal = both_parsers(ics_of(raw)[0])
    assert str(cal["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 2
    assert vcal.vevent.status.value == "CANCELLED"

    # The digest's "Coming up" names the next session, in local time, with its link.
    advance(clock, settings, START + timedelta(days=6, hours=18))
    digest = [
        r.message
        for r in relay.received
        if r.rcpt_tos == ["anne@example.com"] and "weekly" in r.subject
    ][-1]
    assert f"* Live session: Tuesday 10 March, 19:00 · {URL}" in (
        digest.get_body(("plain",)).get_content()
    )

    shown = kith("session", "show", "live").stdout
    assert f"uid {uid}, sequence 2" in shown and "Every Tuesday at 19:00" in shown
    cleared = kith("session", "clear", "live")
    assert "3 cancellation(s) queued" in cleared.stdout  # the host, Anne and Cleo
    assert kith("session", "clear", "live").returncode == 2
    work()
    _, event, _ = both_parsers(ics_of(calendar_mail(relay, "cleo@example.net", "CANCEL"))[0])
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 3

    counts = Counter(r.purpose for r in ledger(db, community_id=cid))
    assert counts["session_invitation"] == 3 + 1 + 4
    assert counts["session_cancellation"] == 1 + 3
    assert all(
        r.status.value == "sent"
        for r in ledger(db, community_id=cid)
        if r.purpose.startswith("session_")
    )


@pytest.mark.parametrize(
    ("tz", "first", "window", "local", "utc_hours"),
    [
        # Fortnightly across the autumn change in New York (1 November 2026).
        ("America/New_York", "2026-10-22", ("2026-10-20", "2026-11-10"), "18:30", [22, 23]),
        # Southern hemisphere: Sydney leaves summer time on 5 April 2026.
        ("Australia/Sydney", "2026-03-26", ("2026-03-25", "2026-04-15"), "18:30", [7, 8]),
    ],
)
def test_fortnightly_sessions_keep_local_time_across_dst(
    tz,
    first,
    window,
    local,
    utc_hours,
    clock,  # noqa: F811
    settings,
    sessions,
    relay,
    work,
):
    make_circle(sessions, "far", tz, [("anne@example.com", "Anne")])
    work()
    made = kith_at(
        clock,
        settings,
        relay,
        "session",
        "set",
        "far",
        "thu 18:30",
        "--url",
        URL,
        "--biweekly",
        "--from",
        first,
    )
    assert made.returncode == 0, made.stderr
    work()
    data, _ = ics_of(calendar_mail(relay, "anne@example.com", "REQUEST"))
    _, event, vcal = both_parsers(data)
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"
    after, before = (datetime.fromisoformat(d).replace(tzinfo=UTC) for d in window)
    zone = ZoneInfo(tz)
    for found in occurrences(event, vcal, after, before):
        assert len(found) == 2
        assert {d.astimezone(zone).strftime("%H:%M") for d in found} == {local}
        assert [d.astimezone(UTC).hour for d in found] == utc_hours
