"""The members' archive over real mail: posts arrive by SMTP, the sign-in link arrives in
the SMTP sink, and the pages are read with the app's test client."""

from __future__ import annotations

import mailbox
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from community import archive, members
from community.db import transaction
from community.models import Member, MemberStatus
from community.tokens import Signer

from ..helpers import csrf_from, ledger, link_to, member, run_kith, uow
from .test_inbound import DOMAIN, posts

pytest_plugins = ["tests.integration.test_inbound"]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HOSTILE_HTML = b"<html><script>alert(document.cookie)</script></html>"


def anne_post() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Anne <anne@example.com>"
    msg["To"] = f"circle@{DOMAIN}"
    msg["Subject"] = "The timer trick"
    msg["Message-ID"] = make_msgid(domain="example.com")
    msg["Date"] = "Tue, 03 Mar 2026 09:12:00 +0000"
    msg.set_content(
        "I set a timer for 25 minutes and <b>write</b> until it rings. "
        "Notes at https://example.org/timer?x=1&y=2\n\n"
        "-- \nAnne\nSent from my phone\n"
    )
    msg.add_attachment(PNG, maintype="image", subtype="png", filename="desk.png")
    msg.add_attachment(HOSTILE_HTML, maintype="text", subtype="html", filename="page.html")
    return msg


@pytest.fixture
def posted(server, ready, db, work):
    """Anne posts (with a signature and two attachments); Bart replies, quoting her."""
    first = anne_post()
    server.send(first, [f"circle@{DOMAIN}"])
    work()
    reply = EmailMessage()
    reply["From"] = "Bart <bart@example.org>"
    reply["To"] = f"circle@{DOMAIN}"
    reply["Subject"] = "Re: The timer trick"
    reply["Message-ID"] = make_msgid(domain="example.org")
    reply["In-Reply-To"] = first["Message-ID"]
    reply["Date"] = "Tue, 03 Mar 2026 10:00:00 +0000"
    reply.set_content(
        "Trying it tomorrow.\n\nOn Tue, 3 Mar 2026 at 09:12, Anne <anne@example.com> wrote:\n"
        "> I set a timer for 25 minutes and write until it rings.\n"
    )
    server.send(reply, [f"circle@{DOMAIN}"], mail_from="bart@example.org")
    work()
    ready.handler.received.clear()
    found = posts(db)
    assert len(found) == 2 and found[0].thread_id == found[1].thread_id
    return found


def sign_in(client, settings, work, sink, address):
    """Ask for a link on the archive's form, then open the link the mail brought."""
    form = client.get("/c/circle/archive")
    response = client.post(
        "/c/circle/archive/link",
        data={"email": address, "csrf_token": csrf_from(form.get_data(as_text=True))},
    )
    work()
    mails = [m for m in sink.to(address) if "archive" in m["Subject"]]
    if not mails:
        return response, None
    link = link_to(mails[-1], "/archive/in/")
    return response, client.get("/" + link.split("://", 1)[1].split("/", 1)[1])


def test_send_me_a_link_answers_alike_and_mails_only_readers(
    client, settings, work, ready, posted, sessions
):
    with transaction(sessions) as s:
        cleo = s.query(Member).filter_by(address="cleo@example.net").one()
        members.unsubscribe(uow(s, datetime.now(UTC), DOMAIN), cleo)
    work()
    ready.handler.received.clear()
    answers = {}
    for address in ("anne@example.com", "stranger@example.com", "cleo@example.net"):
        response, opened = sign_in(client, settings, work, ready, address)
        answers[address] = (response.status_code, response.headers["Location"])
        assert (opened is not None) == (address == "anne@example.com")
    assert len(set(answers.values())) == 1  # the same answer whoever asked
    assert client.get(answers["anne@example.com"][1]).status_code == 200
    signed = client.get("/c/circle/archive")
    assert signed.status_code == 200 and "The timer trick" in signed.get_data(as_text=True)
    # Nobody but Anne was mailed.
    assert {r.rcpt_tos[0] for r in ready.received} == {"anne@example.com"}


def test_the_link_sets_a_lax_httponly_session_and_leaves_the_url(
    client, settings, work, ready, posted
):
    _, opened = sign_in(client, settings, work, ready, "anne@example.com")
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/c/circle/archive")
    cookie = opened.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie  # the test site is http://; https sites get Secure


def test_a_member_who_leaves_is_out_on_the_next_request(
    client, settings, work, ready, posted, sessions
):
    sign_in(client, settings, work, ready, "anne@example.com")
    link = [m for m in ready.to("anne@example.com") if "archive" in m["Subject"]][-1]
    thread = f"/c/circle/archive/t/{posted[0].thread_id}"
    assert client.get(thread).status_code == 200
    with transaction(sessions) as s:
        anne = s.query(Member).filter_by(address="anne@example.com").one()
        members.unsubscribe(uow(s, datetime.now(UTC), DOMAIN), anne)
    page = client.get(thread)
    assert page.status_code == 403
    body = page.get_data(as_text=True)
    assert "Send me a link" in body and "timer" not in body.lower()
    again = client.get("/" + link_to(link, "/archive/in/").split("://", 1)[1].split("/", 1)[1])
    assert again.status_code == 400  # a former member's link opens nothing


def test_sign_out_everywhere_ends_other_sessions_and_sent_links(
    app, client, settings, work, ready, posted
):
    sign_in(client, settings, work, ready, "anne@example.com")
    link = link_to([m for m in ready.to("anne@example.com")][-1], "/archive/in/")
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    other = app.test_client()  # another browser, signed in with the same link
    assert other.get(path).status_code == 303
    assert other.get("/c/circle/archive").status_code == 200
    page = client.get("/c/circle/archive")
    client.post(
        "/c/circle/archive/out-everywhere",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert client.get("/c/circle/archive").status_code == 403
    assert other.get("/c/circle/archive").status_code == 403
    assert other.get(path).status_code == 400


def test_an_expired_link_opens_nothing(client, settings, posted, db):
    anne = member(db, "anne@example.com")

    class WeekOld(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - settings.archive_link_hours * 3600 - 60

    old = URLSafeTimedSerializer(settings.secret_key, salt="kith.archive", signer=WeekOld)
    token = old.dumps(archive.claim(anne))
    fresh = archive.sign_in_token(Signer(settings.secret_key), anne)
    assert client.get(f"/c/circle/archive/in/{token}").status_code == 400
    assert client.get(f"/c/circle/archive/in/{fresh}").status_code == 303


def test_a_link_for_one_community_does_not_open_another(
    client, settings, posted, db, make_community
):
    make_community(slug="other", name="Other", host_address="olga@example.org")
    token = archive.sign_in_token(Signer(settings.secret_key), member(db, "anne@example.com"))
    assert client.get(f"/c/other/archive/in/{token}").status_code == 400


def test_thread_page_restores_trimmed_text_and_escapes_everything(
    client, settings, work, ready, posted
):
    sign_in(client, settings, work, ready, "bart@example.org")
    page = client.get(f"/c/circle/archive/t/{posted[0].thread_id}")
    html = page.get_data(as_text=True)
    assert "&lt;b&gt;write&lt;/b&gt;" in html and "<b>write</b>" not in html
    assert (
        '<a href="https://example.org/timer?x=1&amp;y=2" rel="nofollow noopener noreferrer">'
        in html
    )
    # Bart's quote was cut; the page can show it again, without script.
    assert html.count("<summary>Show trimmed text</summary>") >= 1
    bodies = [a.split("</article>", 1)[0] for a in html.split('<article class="post"')[1:]]
    assert len(bodies) == 2
    # What the parser cut is only inside a <details> toggle, which needs no script.
    assert all("<summary>Show trimmed text</summary>" in b for b in bodies)
    anne_visible, _, anne_toggled = bodies[0].partition("<details")
    assert "Sent from my phone" not in anne_visible and "Sent from my phone" in anne_toggled
    bart_visible, _, bart_toggled = bodies[1].partition("<details")
    assert "Trying it tomorrow." in bart_visible and "&gt; I set a timer" not in bart_visible
    assert "&gt; I set a timer" in bart_toggled
    assert "<script" not in html


def test_attachments_download_with_safe_types(client, settings, work, ready, posted):
    sign_in(client, settings, work, ready, "bart@example.org")
    html = client.get(f"/c/circle/archive/t/{posted[0].thread_id}").get_data(as_text=True)
    assert "desk.png" in html and "page.html" in html
    png = client.get(f"/c/circle/archive/a/{posted[0].id}/0")
    assert png.data == PNG and png.headers["Content-Type"] == "image/png"
    assert png.headers["Content-Disposition"] == "attachment; filename=desk.png"
    hostile = client.get(f"/c/circle/archive/a/{posted[0].id}/1")
    assert hostile.data == HOSTILE_HTML
    assert hostile.headers["Content-Type"] == "application/octet-stream"
    assert hostile.headers["Content-Disposition"].startswith("attachment")
    assert hostile.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/c/circle/archive/a/{posted[0].id}/2").status_code == 404


def test_archive_pages_are_private_and_run_no_script(client, settings, work, ready, posted):
    for path in ("/c/circle/archive", f"/c/circle/archive/t/{posted[0].thread_id}"):
        for response in (client.get(path), None):
            if response is None:
                sign_in(client, settings, work, ready, "anne@example.com")
                response = client.get(path)
            assert response.headers["X-Robots-Tag"].startswith("noindex")
            csp = response.headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp and "script-src" not in csp
            assert "private" in response.headers["Cache-Control"]
            assert '<meta name="robots" content="noindex' in response.get_data(as_text=True)


def test_search_page_marks_matches_and_keeps_markup_as_text(client, settings, work, ready, posted):
    sign_in(client, settings, work, ready, "anne@example.com")
    html = client.get("/c/circle/archive/search?q=timer+from:anne").get_data(as_text=True)
    assert "<mark>timer</mark>" in html.lower()
    assert "The timer trick" in html
    nothing = client.get('/c/circle/archive/search?q="no+such+words"').get_data(as_text=True)
    assert "Nothing matches" in nothing
    odd = client.get("/c/circle/archive/search?q=%22%3Cscript%3E&offset=-3")
    assert odd.status_code == 200 and "<script>" not in odd.get_data(as_text=True)


def test_threads_of_another_community_are_not_found(
    client, settings, work, ready, posted, make_community, sessions
):
    sign_in(client, settings, work, ready, "anne@example.com")
    assert client.get("/c/circle/archive/t/999999").status_code == 404
    assert client.get("/c/nowhere/archive").status_code == 404


def test_host_exports_the_archive_members_their_own_posts(
    app, client, settings, work, ready, posted, tmp_path
):
    sign_in(client, settings, work, ready, "bart@example.org")
    assert client.get("/c/circle/archive/export.mbox").status_code == 403
    mine = client.get("/c/circle/archive/my-posts.mbox")
    assert mine.headers["Content-Type"] == "application/mbox"
    assert mine.headers["Content-Disposition"] == "attachment; filename=circle-my-posts.mbox"
    (tmp_path / "mine.mbox").write_bytes(mine.data)
    got = [m["Message-ID"] for m in mailbox.mbox(str(tmp_path / "mine.mbox"))]
    assert got == [posted[1].message_id]

    host = app.test_client()
    sign_in(host, settings, work, ready, "hana@example.com")
    whole = host.get("/c/circle/archive/export.mbox")
    (tmp_path / "all.mbox").write_bytes(whole.data)
    box = list(mailbox.mbox(str(tmp_path / "all.mbox")))
    assert [m["Message-ID"] for m in box] == [p.message_id for p in posted]
    # The messages as received, attachments included.
    names = [part.get_filename() for part in box[0].walk() if part.get_filename()]
    assert names == ["desk.png", "page.html"]

    out = tmp_path / "cli.mbox"
    done = run_kith(settings, "archive", "export", "circle", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == whole.data
    assert "2 posts" in done.stdout
    missing = run_kith(settings, "archive", "export", "nowhere", "--output", str(tmp_path / "x"))
    assert missing.returncode != 0 and not (tmp_path / "x").exists()


def test_link_mails_per_address_are_capped(client, settings, work, ready, posted, db):
    for _ in range(settings.join_mails_per_address + 2):
        sign_in(client, settings, work, ready, "anne@example.com")
    rows = ledger(db, purpose="archive_link")
    assert len(rows) == settings.join_mails_per_address


def test_paused_members_and_the_host_read_others_do_not(client, settings, posted, sessions, db):
    """Active members read, whether their mail is paused or bouncing, and so do alumni
    and the host; people waiting for a seat or approval, and leavers, do not."""
    from community.models import DeliveryStatus, Role

    signer = Signer(settings.secret_key)
    cases = [
        (MemberStatus.ACTIVE, DeliveryStatus.PAUSED, 303),
        (MemberStatus.ACTIVE, DeliveryStatus.BOUNCING, 303),
        (MemberStatus.ALUMNI, DeliveryStatus.ENABLED, 303),  # a season ended; they still read
        (MemberStatus.WAITLISTED, DeliveryStatus.ENABLED, 400),
        (MemberStatus.AWAITING_APPROVAL, DeliveryStatus.ENABLED, 400),
        (MemberStatus.REMOVED, DeliveryStatus.ENABLED, 400),
    ]
    for status, delivery, expected in cases:
        with transaction(sessions) as s:
            anne = s.query(Member).filter_by(address="anne@example.com").one()
            anne.status, anne.delivery_status = status, delivery
            token = archive.sign_in_token(signer, anne)
        assert client.get(f"/c/circle/archive/in/{token}").status_code == expected, status
    host = member(db, "hana@example.com")
    assert host.role == Role.HOST
    assert (
        client.get(f"/c/circle/archive/in/{archive.sign_in_token(signer, host)}").status_code == 303
    )


def test_preferences_page_opens_the_archive_for_members_only(client, settings, posted, db):
    from community.members import link_payload
    from community.tokens import LinkPurpose

    signer = Signer(settings.secret_key)
    anne = member(db, "anne@example.com")
    prefs = client.get(f"/preferences/{signer.sign(LinkPurpose.PREFERENCES, link_payload(anne))}")
    href = re.search(r'href="([^"]+)" id="archive-link"', prefs.get_data(as_text=True)).group(1)
    assert client.get(href.replace("&amp;", "&")).status_code == 303
    assert client.get("/c/circle/archive").status_code == 200


def test_round_and_member_pages_show_the_weeks(client, settings, work, ready, posted, sessions):
    from community import rounds
    from community.checkins import CheckinAnswer
    from community.models import CheckinStatus

    with transaction(sessions) as s:
        anne = s.query(Member).filter_by(address="anne@example.com").one()
        unit = uow(s, datetime.now(UTC), DOMAIN)
        for week, text, result in (
            ("2026-W09", "Write 3 pages", CheckinStatus.DONE),
            ("2026-W10", "Run twice", CheckinStatus.PARTLY),
        ):
            rnd = rounds.open_round(unit, anne.community, week)
            rounds.record_commitment(unit, rnd, anne, text)
            rounds.record_checkin(unit, rnd, anne, CheckinAnswer(result, "Felt <good>"))
        anne_id = anne.id
    sign_in(client, settings, work, ready, "bart@example.org")
    listing = client.get("/c/circle/archive/rounds").get_data(as_text=True)
    assert listing.index("2026-W10") < listing.index("2026-W09")  # newest first
    week = client.get("/c/circle/archive/rounds/2026-W10").get_data(as_text=True)
    assert "Run twice" in week and "Partly" in week and "Felt &lt;good&gt;" in week
    assert client.get("/c/circle/archive/rounds/2031-W01").status_code == 404
    page = client.get(f"/c/circle/archive/m/{anne_id}").get_data(as_text=True)
    assert page.index("Run twice") < page.index("Write 3 pages")
    assert "The timer trick" in page  # her post
    assert client.get("/c/circle/archive/m/999999").status_code == 404


def test_a_kept_thread_page_shows_new_posts_and_each_readers_own_token(
    app, client, settings, work, ready, posted, server
):
    sign_in(client, settings, work, ready, "anne@example.com")
    path = f"/c/circle/archive/t/{posted[0].thread_id}"
    first = client.get(path).get_data(as_text=True)
    assert first.count('class="post"') == 2
    reply = EmailMessage()
    reply["From"] = "Cleo <cleo@example.net>"
    reply["To"] = f"circle@{DOMAIN}"
    reply["Subject"] = "Re: The timer trick"
    reply["Message-ID"] = make_msgid(domain="example.net")
    reply["In-Reply-To"] = posted[1].message_id
    reply.set_content("Cleo's quince jam helps too.")
    server.send(reply, [f"circle@{DOMAIN}"], mail_from="cleo@example.net")
    work()
    again = client.get(path).get_data(as_text=True)
    assert again.count('class="post"') == 3 and "quince jam" in again
    # Another reader gets the same kept page with a token of their own, which works.
    other = app.test_client()
    sign_in(other, settings, work, ready, "bart@example.org")
    theirs = other.get(path).get_data(as_text=True)
    assert csrf_from(theirs) != csrf_from(again)
    out = other.post("/c/circle/archive/out", data={"csrf_token": csrf_from(theirs)})
    assert out.status_code == 303 and other.get(path).status_code == 403
    assert client.get(path).status_code == 200


def test_a_sign_in_link_never_leads_off_the_archive(client, settings, posted, db):
    token = archive.sign_in_token(Signer(settings.secret_key), member(db, "anne@example.com"))
    thread = f"/c/circle/archive/t/{posted[0].thread_id}"
    assert (
        client.get(f"/c/circle/archive/in/{token}?next={thread}")
        .headers["Location"]
        .endswith(thread)
    )
    for hostile in ("https://evil.example/", "//evil.example/x", "/c/other/archive"):
        response = client.get(f"/c/circle/archive/in/{token}", query_string={"next": hostile})
        assert response.headers["Location"].endswith("/c/circle/archive"), hostile


def test_the_session_cookie_is_secure_on_an_https_site(settings, runtime, posted, db):
    from dataclasses import replace

    from web import create_app

    app = create_app(replace(settings, base_url="https://kith.test"))
    token = archive.sign_in_token(Signer(settings.secret_key), member(db, "anne@example.com"))
    cookie = app.test_client().get(f"/c/circle/archive/in/{token}").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
