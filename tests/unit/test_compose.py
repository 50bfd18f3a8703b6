"""Composing outbound mail: headers, both parts, links that work, escaping."""

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import pytest

from community import members, outbox
from community.communities import create_community
from community.settings import load_settings
from community.tokens import LinkPurpose, Signer
from mail.outbound.compose import MailContext, compose
from mail.outbound.send import RelayConfig

from ..helpers import uow

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def mail_for(db, tmp_path):
    settings = load_settings(
        {},
        data_dir=str(tmp_path),
        secret_key="k",
        domain="kith.example",
        base_url="https://circles.example",
    )
    signer = Signer("k")

    def make(purpose, community_name="Morning Circle", description=""):
        c = create_community(
            uow(db, NOW),
            slug="circle",
            name=community_name,
            description=description,
            host_address="hana@example.com",
        )
        m = members.request_join(
            uow(db, NOW, "kith.example"),
            c,
            "anne@example.com",
            display_name="Anne",
            mails_per_hour=3,
        )
        row = outbox.queue_mail(
            uow(db, NOW, "kith.example"),
            purpose=purpose,
            subject="t",
            recipient=m.address,
            community_id=c.id,
            member_id=m.id,
        )
        db.flush()
        raw = compose(MailContext(settings, signer, c, m, row, db), NOW)
        return BytesParser(policy=policy.default).parsebytes(raw), row, signer

    return make


def text_of(msg):
    return msg.get_body(("plain",)).get_content()


def html_of(msg):
    return msg.get_body(("html",)).get_content()


def test_confirmation_has_a_working_signed_link_and_no_unsubscribe(mail_for):
    msg, row, signer = mail_for(outbox.Purpose.CONFIRM_SIGNUP)
    assert msg["Message-ID"] == row.message_id
    assert msg["List-Unsubscribe"] is None  # they are not a member yet
    text = text_of(msg)
    [link] = [w for w in text.split() if "/confirm/" in w]
    assert link.startswith("https://circles.example/confirm/")
    payload = signer.load(LinkPurpose.CONFIRM, link.rsplit("/", 1)[1])
    assert payload["m"] == row.member_id
    assert link in html_of(msg)


def test_member_mail_carries_list_headers_and_one_click_unsubscribe(mail_for):
    msg, _row, signer = mail_for(outbox.Purpose.WELCOME)
    assert msg["From"].addresses[0].addr_spec == "circle@kith.example"
    assert msg["Reply-To"].addresses[0].addr_spec == "circle-host@kith.example"
    assert msg["List-Id"] == "Morning Circle <circle.kith.example>"
    assert msg["Auto-Submitted"] == "auto-generated"
    unsubscribe = msg["List-Unsubscribe"].split(",")[0].strip().strip("<>")  # https first
    assert unsubscribe.startswith("https://circles.example/unsubscribe/")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    signer.load(LinkPurpose.UNSUBSCRIBE, unsubscribe.rsplit("/", 1)[1])
    assert "/preferences/" in text_of(msg) and "circle@kith.example" in text_of(msg)


def test_hostile_community_name_is_escaped_in_html(mail_for):
    msg, _row, _signer = mail_for(outbox.Purpose.WELCOME, "<script>alert(1)</script> & Co")
    html = html_of(msg)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<script>alert(1)</script> & Co" in text_of(msg)  # plain text stays plain


@pytest.mark.parametrize(
    "url, expected",
    [
        ("smtp://relay.example", ("relay.example", 25, "plain", None, None)),
        (
            "smtp+starttls://u%40x:p%3Ass@relay.example:2587",
            ("relay.example", 2587, "starttls", "u@x", "p:ss"),
        ),
        ("smtps://relay.example", ("relay.example", 465, "tls", None, None)),
    ],
)
def test_relay_urls(url, expected):
    cfg = RelayConfig.from_url(url)
    assert (cfg.host, cfg.port, cfg.security, cfg.username, cfg.password) == expected


@pytest.mark.parametrize("url", ["http://relay.example", "smtp://", "relay.example:25"])
def test_bad_relay_urls_are_refused(url):
    with pytest.raises(ValueError):
        RelayConfig.from_url(url)
