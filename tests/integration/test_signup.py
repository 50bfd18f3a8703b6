"""The signup site through the Flask test client, with real database, Redis and worker."""

from email import policy
from email.parser import BytesParser

import pytest

from community.models import DeliveryStatus, MemberStatus, SendStatus
from community.outbox import Purpose

from ..conftest import outbox_files
from ..helpers import Signup, csrf_from, ledger, link_to, member


@pytest.fixture
def circle(make_community):
    return make_community(slug="circle", capacity=3, description="Weekly goals.\nNo fluff.")


@pytest.fixture
def signup(client, circle):
    return Signup(client)


def captured(settings):
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in outbox_files(settings)]


def mail_to(settings, address, purpose_words):
    found = [m for m in captured(settings) if address in m["To"] and purpose_words in m["Subject"]]
    assert found, f"no mail to {address} about {purpose_words!r}"
    return found[-1]


def test_community_page_shows_description_and_seats(signup):
    page = signup.page()
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Morning Circle" in html and "Weekly goals." in html
    assert "3 of 3" in html  # the host holds none of them
    assert 'for="email"' in html and 'name="website"' in html


def test_unknown_community_is_404(client):
    assert client.get("/c/nope").status_code == 404


def test_join_without_csrf_is_refused_and_stores_nothing(client, circle, db):
    resp = client.post("/c/circle/join", data={"email": "anne@example.com"})
    assert resp.status_code == 400
    assert ledger(db) == []


def test_full_double_opt_in_through_the_outbox(signup, settings, db, work):
    resp = signup.join("Anne@Example.com", name="Anne")
    assert resp.status_code == 303 and resp.location.endswith("/c/circle/check-email")
    assert member(db, "anne@example.com").status == MemberStatus.PENDING
    work()
    confirm = mail_to(settings, "anne@example.com", "Confirm")
    link = link_to(confirm, "/confirm/")

    # Opening the link (as a mail scanner would) changes nothing.
    assert signup.follow(link, button=False).status_code == 200
    assert member(db, "anne@example.com").status == MemberStatus.PENDING

    done = signup.follow(link)
    assert done.status_code == 200 and 'data-status="active"' in done.get_data(as_text=True)
    assert member(db, "anne@example.com").status == MemberStatus.ACTIVE
    work()
    welcome = mail_to(settings, "anne@example.com", "Welcome")
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [r.status for r in ledger(db)] == [SendStatus.SENT, SendStatus.SENT]


def test_response_does_not_reveal_membership(signup, db, work):
    newcomer = signup.join("anne@example.com")
    m = member(db, "anne@example.com")
    m.status = MemberStatus.ACTIVE
    db.commit()
    existing = signup.join("anne@example.com")
    assert (newcomer.status_code, newcomer.location) == (existing.status_code, existing.location)
    assert [r.purpose for r in ledger(db)] == [Purpose.CONFIRM_SIGNUP, Purpose.ALREADY_MEMBER]


def test_invalid_address_gets_a_clear_error(signup, db):
    resp = signup.join("anne(at)example.com")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'role="alert"' in html
    assert "anne(at)example.com" in html  # the form keeps what was typed
    assert ledger(db) == []


def test_honeypot_pretends_success_and_stores_nothing(signup, db):
    resp = signup.join("bot@example.com", website="http://spam.example")
    assert resp.status_code == 303
    assert ledger(db) == []


def test_double_submission_sends_capped_mail(signup, db, settings):
    for _ in range(6):
        assert signup.join("anne@example.com").status_code == 303
    assert len(ledger(db, recipient="anne@example.com")) == settings.join_mails_per_address


def test_per_ip_rate_limit(client, circle, settings, runtime):
    from dataclasses import replace

    from web import create_app

    app = create_app(replace(settings, join_rate_per_ip="3 per minute"))
    signup = Signup(app.test_client())
    codes = [signup.join(f"p{i}@example.com").status_code for i in range(5)]
    assert codes == [303, 303, 303, 429, 429]


def test_forged_and_expired_links_are_refused(signup, db, work, settings):
    signup.join("anne@example.com")
    work()
    link = link_to(mail_to(settings, "anne@example.com", "Confirm"), "/confirm/")
    forged = link[:-3] + ("xyz" if not link.endswith("xyz") else "abc")
    resp = signup.follow(forged, button=False)
    assert resp.status_code == 400 and "link" in resp.get_data(as_text=True).lower()
    assert member(db, "anne@example.com").status == MemberStatus.PENDING


def test_expired_confirmation_link(signup, db, work, settings, app):
    signup.join("anne@example.com")
    work()
    link = link_to(mail_to(settings, "anne@example.com", "Confirm"), "/confirm/")
    from dataclasses import replace

    app.config["KITH"] = replace(settings, confirm_hours=-1)
    resp = signup.follow(link, button=False)
    assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True).lower()


def test_waitlist_and_promotion_by_email(signup, db, work, settings):
    for name in ("anne", "bart", "dana", "cleo"):
        signup.join(f"{name}@example.com")
    work()
    for name in ("anne", "bart", "dana", "cleo"):
        signup.follow(link_to(mail_to(settings, f"{name}@example.com", "Confirm"), "/confirm/"))
    assert member(db, "cleo@example.com").status == MemberStatus.WAITLISTED
    assert "0 of 3" in signup.page().get_data(as_text=True)
    work()
    welcome = mail_to(settings, "anne@example.com", "Welcome")
    leave = link_to(welcome, "/unsubscribe/")
    signup.follow(leave)
    assert member(db, "anne@example.com").status == MemberStatus.UNSUBSCRIBED
    assert member(db, "cleo@example.com").status == MemberStatus.ACTIVE
    work()
    assert mail_to(settings, "cleo@example.com", "seat")


def test_one_click_unsubscribe_rfc8058(signup, db, work, settings, client):
    signup.join("anne@example.com")
    work()
    signup.follow(link_to(mail_to(settings, "anne@example.com", "Confirm"), "/confirm/"))
    work()
    welcome = mail_to(settings, "anne@example.com", "Welcome")
    url = welcome["List-Unsubscribe"].split(",")[0].strip().strip("<>")  # the https one
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    # A mail client's one-click POST: no cookie, no CSRF token.
    fresh = client.application.test_client()
    resp = fresh.post(path, data={"List-Unsubscribe": "One-Click"})
    assert resp.status_code == 200
    assert member(db, "anne@example.com").status == MemberStatus.UNSUBSCRIBED
    assert fresh.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_unsubscribe_form_post_needs_csrf(signup, db, work, settings, client):
    signup.join("anne@example.com")
    work()
    signup.follow(link_to(mail_to(settings, "anne@example.com", "Confirm"), "/confirm/"))
    work()
    url = link_to(mail_to(settings, "anne@example.com", "Welcome"), "/unsubscribe/")
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    assert client.post(path, data={}).status_code == 400
    assert member(db, "anne@example.com").status == MemberStatus.ACTIVE


def test_preferences_page_changes_mode_name_and_pause(signup, db, work, settings, client):
    signup.join("anne@example.com")
    work()
    signup.follow(link_to(mail_to(settings, "anne@example.com", "Confirm"), "/confirm/"))
    work()
    url = link_to(mail_to(settings, "anne@example.com", "Welcome"), "/preferences/")
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    token = csrf_from(client.get(path).get_data(as_text=True))
    resp = client.post(
        path,
        data={
            "csrf_token": token,
            "delivery_mode": "digest",
            "display_name": "Anne B.",
            "pause": "1",
            "paused_until": "2999-01-01",
        },
    )
    assert resp.status_code == 422  # more than a year ahead
    from datetime import date, timedelta

    until = (date.today() + timedelta(days=14)).isoformat()
    resp = client.post(
        path,
        data={
            "csrf_token": token,
            "delivery_mode": "digest",
            "display_name": "Anne B.",
            "pause": "1",
            "paused_until": until,
        },
    )
    assert resp.status_code == 303
    m = member(db, "anne@example.com")
    assert (m.delivery_mode.value, m.display_name, m.status, m.delivery_status) == (
        "digest",
        "Anne B.",
        MemberStatus.ACTIVE,
        DeliveryStatus.PAUSED,
    )
    resp = client.post(
        path, data={"csrf_token": token, "delivery_mode": "each_post", "display_name": "Anne B."}
    )
    assert member(db, "anne@example.com").delivery_status == DeliveryStatus.ENABLED


def test_approval_by_host_link(client, make_community, db, work, settings):
    from community.models import JoinPolicy

    make_community(slug="vetted", join_policy=JoinPolicy.APPROVAL)
    signup = Signup(client, "vetted")
    signup.join("anne@example.com")
    work()
    signup.follow(link_to(mail_to(settings, "anne@example.com", "Confirm"), "/confirm/"))
    assert member(db, "anne@example.com").status == MemberStatus.AWAITING_APPROVAL
    work()
    ask = mail_to(settings, "hana@example.com", "asks to join")
    approve = link_to(ask, "/host/decide/")
    assert signup.follow(approve, button=False).status_code == 200
    assert member(db, "anne@example.com").status == MemberStatus.AWAITING_APPROVAL
    signup.follow(approve)
    assert member(db, "anne@example.com").status == MemberStatus.ACTIVE
    work()
    assert mail_to(settings, "anne@example.com", "Welcome")


def test_outbox_page_lists_and_shows_captured_mail(signup, work, client, settings):
    signup.join("anne@example.com")
    work()
    listing = client.get("/_outbox/").get_data(as_text=True)
    [name] = [p.name for p in outbox_files(settings)]
    assert name in listing and "Confirm" in listing
    show = client.get(f"/_outbox/{name}")
    assert show.status_code == 200 and "/confirm/" in show.get_data(as_text=True)
    html = client.get(f"/_outbox/{name}/html")
    assert html.headers["Content-Security-Policy"].startswith("sandbox")
    assert client.get("/_outbox/..%2Fsecret_key").status_code == 404


def test_outbox_page_absent_when_a_relay_is_configured(settings, runtime):
    from dataclasses import replace

    from web import create_app

    app = create_app(replace(settings, smtp_url="smtp://127.0.0.1:1"))
    assert app.test_client().get("/_outbox/").status_code == 404
