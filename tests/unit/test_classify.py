"""classify_message: loops, bounces, auto-replies and posts, per fixture and per check."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.header import Header

import pytest

from community.incoming import MailKind
from mail.inbound import classify
from mail.inbound.classify import classify_message
from mail.inbound.languages import LANGUAGES, phrases
from mail.inbound.parse import parse_message
from tests.fixtures import load_email

OUR_DOMAIN = "kith.example"


def kind_of(name: str) -> MailKind:
    return parse_message(load_email(name), our_domain=OUR_DOMAIN).kind


def verdict_for(headers: str, body: str = "Hello.\n", our_domain: str = OUR_DOMAIN):
    raw = (headers.strip("\n") + "\n\n" + body).encode("utf-8")
    return classify_message(message_from_bytes(raw, policy=policy.default), our_domain=our_domain)


MEMBER = "From: Anne Example <anne@example.com>\nTo: circle@kith.example\n"


# -- the corpus --------------------------------------------------------------------------

EXPECTED_KINDS = {
    "gmail_web_reply": MailKind.POST,
    "gmail_mobile_reply": MailKind.POST,
    "outlook_desktop_reply": MailKind.POST,  # X-Auto-Response-Suppress alone proves nothing
    "outlook_web_html_only": MailKind.POST,
    "outlook_mobile_reply": MailKind.POST,
    "apple_mail_reply": MailKind.POST,
    "ios_mail_reply": MailKind.POST,
    "android_gmail_reply": MailKind.POST,
    "thunderbird_reply": MailKind.POST,
    "yahoo_reply": MailKind.POST,
    "protonmail_reply": MailKind.POST,
    "fastmail_reply": MailKind.POST,
    "with_attachments": MailKind.POST,
    "forwarded_rfc822_attachment": MailKind.POST,
    "html_only_with_script": MailKind.POST,
    "no_from_header": MailKind.REJECT,  # RFC 5322 requires a From
    "garbage_headers": MailKind.REJECT,  # its From holds no address
    "truncated_multipart": MailKind.POST,
    "hard_bounce_dsn": MailKind.BOUNCE,
    "soft_bounce_delayed_dsn": MailKind.BOUNCE,
    "qmail_bounce": MailKind.BOUNCE,
    "exim_bounce": MailKind.BOUNCE,
    "auto_reply_rfc3834": MailKind.AUTO_REPLY,
    "out_of_office_exchange": MailKind.AUTO_REPLY,
    "vacation_german_subject": MailKind.AUTO_REPLY,
    "loop_our_message_id": MailKind.LOOP,
    "loop_our_list_id": MailKind.LOOP,
}


@pytest.mark.parametrize(("name", "kind"), sorted(EXPECTED_KINDS.items()))
def test_fixture_kind(name, kind):
    assert kind_of(name) is kind


def test_hard_bounce_dsn_names_the_failed_recipient_as_permanent():
    mail = parse_message(load_email("hard_bounce_dsn"), our_domain=OUR_DOMAIN)
    assert mail.bounced_recipients == ("carol@example.net",)  # Original-Recipient, lower-cased
    assert mail.bounce_permanent is True
    assert "delivery status notification" in mail.reason


def test_delayed_dsn_is_a_transient_bounce():
    mail = parse_message(load_email("soft_bounce_delayed_dsn"), our_domain=OUR_DOMAIN)
    assert mail.bounced_recipients == ("dave@example.net",)
    assert mail.bounce_permanent is False


def test_qmail_bounce_via_flufl_bounce():
    mail = parse_message(load_email("qmail_bounce"), our_domain=OUR_DOMAIN)
    assert mail.bounced_recipients == ("erin@example.net",)
    assert mail.bounce_permanent is True
    assert "flufl.bounce" in mail.reason


def test_exim_bounce_recipient_is_lower_cased():
    mail = parse_message(load_email("exim_bounce"), our_domain=OUR_DOMAIN)
    assert mail.bounced_recipients == ("frank@example.net",)
    assert mail.bounce_permanent is True


def test_reasons_name_the_evidence():
    def reason(name: str) -> str:
        return parse_message(load_email(name), our_domain=OUR_DOMAIN).reason

    assert reason("auto_reply_rfc3834") == "Auto-Submitted: auto-replied (vacation)"
    assert "automatic reply" in reason("out_of_office_exchange").lower()
    assert "Abwesenheitsnotiz" in reason("vacation_german_subject")
    assert "message-id" in reason("loop_our_message_id").lower()
    assert "list-id" in reason("loop_our_list_id").lower()


def test_non_bounces_have_no_bounce_fields():
    mail = parse_message(load_email("gmail_web_reply"), our_domain=OUR_DOMAIN)
    assert (mail.bounced_recipients, mail.bounce_permanent) == ((), False)


# -- loops -----------------------------------------------------------------------------


def test_reply_to_our_message_is_not_a_loop():
    verdict = verdict_for(
        MEMBER + "Message-ID: <CAF123@mail.gmail.example>\n"
        "In-Reply-To: <1.2@kith.example>\nReferences: <1.2@kith.example>"
    )
    assert verdict.kind is MailKind.POST


def test_loop_is_checked_with_the_domain_we_are_given():
    headers = MEMBER + "Message-ID: <1.2@kith.example>"
    assert verdict_for(headers, our_domain="kith.example").kind is MailKind.LOOP
    assert verdict_for(headers, our_domain="other.example").kind is MailKind.POST
    assert verdict_for(headers, our_domain="").kind is MailKind.POST


def test_message_id_of_a_longer_domain_is_not_ours():
    verdict = verdict_for(MEMBER + "Message-ID: <1.2@mail.kith.example.org>")
    assert verdict.kind is MailKind.POST


@pytest.mark.parametrize("header", ["X-Loop: kith.example", "X-Kith-Loop: circle@kith.example"])
def test_loop_header_naming_us(header):
    assert verdict_for(MEMBER + header).kind is MailKind.LOOP


def test_x_loop_of_another_list_is_not_ours():
    assert verdict_for(MEMBER + "X-Loop: lists.kith.example.org").kind is MailKind.POST


def test_loop_wins_over_auto_reply():
    # Our own outgoing mail says Auto-Submitted: auto-generated; back here it is a loop.
    verdict = verdict_for(
        "From: circle@kith.example\nMessage-ID: <9@kith.example>\nAuto-Submitted: auto-generated"
    )
    assert verdict.kind is MailKind.LOOP


# -- bounces ---------------------------------------------------------------------------


def dsn(*recipient_blocks: str) -> str:
    blocks = "\n\n".join(recipient_blocks)
    return (
        "From: MAILER-DAEMON@mx.example.net\nTo: bounces+7@kith.example\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\n\n'
        "--r\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
        "--r\nContent-Type: message/delivery-status\n\n"
        f"Reporting-MTA: dns; mx.example.net\n\n{blocks}\n--r--\n"
    )


def verdict_of_raw(raw: str):
    msg = message_from_bytes(raw.encode(), policy=policy.default)
    return classify_message(msg, our_domain=OUR_DOMAIN)


def test_dsn_mixing_failed_and_delayed_reports_the_permanent_ones():
    verdict = verdict_of_raw(
        dsn(
            "Final-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.2.1",
            "Final-Recipient: rfc822; B@example.net\nAction: failed\nStatus: 5.1.1",
            "Final-Recipient: rfc822; c@example.net\nAction: delayed\nStatus: 4.4.7",
            "Final-Recipient: rfc822; d@example.net\nAction: delivered\nStatus: 2.0.0",
        )
    )
    assert verdict.kind is MailKind.BOUNCE
    assert verdict.bounced_recipients == ("a@example.net", "b@example.net")
    assert verdict.bounce_permanent is True


def test_dsn_failed_with_4xx_status_is_transient():
    verdict = verdict_of_raw(
        dsn("Final-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 4.4.7")
    )
    assert verdict.bounced_recipients == ("a@example.net",)
    assert verdict.bounce_permanent is False


def test_dsn_without_action_uses_the_status_class():
    verdict = verdict_of_raw(dsn("Final-Recipient: rfc822;<a@example.net>\nStatus: 5.0.0"))
    assert verdict.bounced_recipients == ("a@example.net",)
    assert verdict.bounce_permanent is True


def test_opensmtpd_action_error_counts_as_failed():
    verdict = verdict_of_raw(dsn("Final-Recipient: rfc822; a@example.net\nAction: error"))
    assert verdict.bounce_permanent is True


def test_forwarded_bounce_inside_an_attached_message_is_a_post():
    inner = dsn("Final-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.1.1")
    raw = (
        MEMBER + 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="outer"\n\n'
        "--outer\nContent-Type: text/plain\n\nWhy did this bounce?\n"
        f"--outer\nContent-Type: message/rfc822\n\n{inner}\n--outer--\n"
    )
    assert verdict_of_raw(raw).kind is MailKind.POST


def test_mailer_daemon_notice_without_recipients_is_still_a_bounce():
    verdict = verdict_for(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nReturn-Path: <>\n"
        "Subject: Undeliverable: hello",
        "Something went wrong, in a format nobody documented.\n",
    )
    assert verdict.kind is MailKind.BOUNCE
    assert verdict.bounced_recipients == ()


def test_person_writing_about_a_bounce_is_a_post():
    verdict = verdict_for(
        MEMBER + "Subject: My mail to Bart was returned as undeliverable",
        "Does anyone have Bart's new address?\n",
    )
    assert verdict.kind is MailKind.POST


# -- auto-replies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["auto-replied", "auto-generated", "auto-notified", "AUTO-REPLIED"]
)
def test_auto_submitted_other_than_no(value):
    assert verdict_for(MEMBER + f"Auto-Submitted: {value}").kind is MailKind.AUTO_REPLY


def test_auto_submitted_no_is_a_post():
    assert verdict_for(MEMBER + "Auto-Submitted: no").kind is MailKind.POST


@pytest.mark.parametrize(
    "header",
    [
        "X-Autoreply: yes",
        "X-Autorespond: Vacation",
        "X-Autogenerated: Reply",
        "X-Mailer: vacation 1.2.7",
        "Precedence: bulk",
        "Precedence: junk",
        "Precedence: auto_reply",
        "Precedence: list",
        "X-Auto-Response: yes",
    ],
)
def test_autoresponder_headers(header):
    assert verdict_for(MEMBER + header).kind is MailKind.AUTO_REPLY


@pytest.mark.parametrize(
    "header",
    [
        "X-Auto-Response-Suppress: All",
        "Return-Path: <>",
        "X-MS-Exchange-Inbox-Rules-Loop: anne@example.com",
    ],
)
def test_weak_hints_alone_are_not_enough(header):
    assert verdict_for(MEMBER + header).kind is MailKind.POST


def test_two_weak_hints_together_are():
    verdict = verdict_for(MEMBER + "Return-Path: <>\nSubject: Out of office")
    assert verdict.kind is MailKind.AUTO_REPLY
    assert "empty Return-Path" in verdict.reason


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Re: Weekly check-in",
        "Automatic reply: Weekly check-in",
        "Auto: Weekly check-in",
        "Autoreply: Weekly check-in",
        "Abwesenheitsnotiz: Wochenrückblick",
        "Automatische Antwort: Wochenrückblick",
        "Réponse automatique : Point hebdomadaire",
        "Absence: Point hebdomadaire",
        "Respuesta automática: Resumen semanal",
        "Fuori sede: Aggiornamento settimanale",
        "Risposta automatica: Aggiornamento settimanale",
        "Afwezig: Weekoverzicht",
        "Automatisch antwoord: Weekoverzicht",
        "Frånvaro: Veckouppdatering",
        "Autosvar: Veckouppdatering",
        "Автоответ: Еженедельный отчёт",
        "Nieobecność: Podsumowanie tygodnia",
        "自动回复: 每周总结",
    ],
)
def test_vacation_subjects_in_many_languages(subject):
    verdict = verdict_for(MEMBER + f"Subject: {subject}")
    assert verdict.kind is MailKind.AUTO_REPLY, subject


@pytest.mark.parametrize(
    "subject",
    [
        "Out of office next week, can someone host?",
        "Absence of evidence",
        "Re: Vacation plans",
        "Autumn walk",
    ],
)
def test_people_may_write_about_absence(subject):
    assert verdict_for(MEMBER + f"Subject: {subject}").kind is MailKind.POST


def test_read_receipt_is_not_a_post():
    verdict = verdict_for(
        MEMBER + "MIME-Version: 1.0\nContent-Type: multipart/report; "
        'report-type=disposition-notification; boundary="m"',
        "--m\nContent-Type: text/plain\n\nYour message was read.\n"
        "--m\nContent-Type: message/disposition-notification\n\n"
        "Final-Recipient: rfc822; anne@example.com\nDisposition: manual-action/MDN-sent-manually; "
        "displayed\n\n--m--\n",
    )
    assert verdict.kind is MailKind.AUTO_REPLY


def test_bounce_wins_over_auto_submitted():
    mail = parse_message(load_email("hard_bounce_dsn"), our_domain=OUR_DOMAIN)
    assert mail.kind is MailKind.BOUNCE  # it also says Auto-Submitted: auto-replied


# -- the pipeline ----------------------------------------------------------------------


def test_every_check_is_documented():
    for check in classify.CHECKS:
        assert check.__doc__, check.__name__


def test_a_failing_check_is_skipped_and_named(monkeypatch):
    def explodes(mail):
        raise ValueError("boom")

    explodes.__doc__ = "Always fails."
    monkeypatch.setattr(classify, "CHECKS", (explodes, *classify.CHECKS))
    verdict = verdict_for(MEMBER + "Auto-Submitted: auto-replied")
    assert verdict.kind is MailKind.AUTO_REPLY
    assert verdict.problems == ("explodes failed: ValueError",)


AUTO_REPLY_PREFIXES = sorted(
    {(language.name, phrase) for language in LANGUAGES for phrase in phrases(language.auto_reply)}
)


@pytest.mark.parametrize(("language", "phrase"), AUTO_REPLY_PREFIXES)
def test_every_languages_auto_reply_subject_prefix_is_an_auto_reply(language, phrase):
    # Exchange sends its out-of-office notes with no header that says so: the subject,
    # in the mailbox's language, is all there is.
    subject = Header(f"{phrase.capitalize()}: Goals for March", "utf-8").encode()
    verdict = verdict_for(MEMBER + f"Subject: {subject}", "I am away until Monday.\n")
    assert verdict.kind is MailKind.AUTO_REPLY, language


@pytest.mark.parametrize(("language", "phrase"), AUTO_REPLY_PREFIXES)
def test_the_same_words_inside_a_members_subject_are_a_post(language, phrase):
    subject = Header(f"Goals for March ({phrase} rules?)", "utf-8").encode()
    verdict = verdict_for(MEMBER + f"Subject: {subject}", "How do you set these up?\n")
    assert verdict.kind is MailKind.POST, language
