"""parse_message against the .eml corpus: headers, charsets, body choice, attachments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from community.incoming import Attachment, IncomingMail, MailKind
from mail.inbound import parse as parse_module
from mail.inbound.html import html_to_text
from mail.inbound.parse import parse_message
from mail.inbound.text import (
    decode_bytes,
    decode_header_words,
    resolve_charset,
    unflow,
)
from tests.fixtures import EMAILS, load_email

OUR_DOMAIN = "kith.example"
OUR_MESSAGE_ID = "<20260303091200.4821.kith@kith.example>"


def parse(name: str) -> IncomingMail:
    return parse_message(load_email(name), our_domain=OUR_DOMAIN)


# -- every client's reply ------------------------------------------------------------------

CLIENT_REPLIES = {
    "gmail_web_reply": (
        "Great idea! I'll bring the agenda and the timer.\n\nSee you Thursday,\nAnne"
    ),
    "gmail_mobile_reply": "Running late today, start without me \U0001f64f",
    "outlook_desktop_reply": (
        "Thanks, Tuesday works for me. I\u2019ll send my notes beforehand.\n\nBart"
    ),
    "outlook_web_html_only": (
        "I can host the next session. My room fits eight people.\n\n"
        "Directions are on my page <https://example.com/directions>."
    ),
    "outlook_mobile_reply": "Sounds good, I'll be there.",
    "apple_mail_reply": (
        "I finished the first chapter and started the second. "
        "Next week: the outline for chapter three."
    ),
    "ios_mail_reply": (
        "Can\u2019t make it this week, I\u2019m away for work. Next Thursday for sure."
    ),
    "android_gmail_reply": (
        "Here is my update: ran three times, slept better, skipped sugar on weekdays."
    ),
    "thunderbird_reply": (
        "I agree with Anne. Let's keep the calls to forty-five minutes and use the last five "
        "for next week's goals. Björn suggested the same thing last month, so it seems we "
        "are all on the same page."
    ),
    "yahoo_reply": "Count me in for Thursday. I will bring the sign-up sheet.\nIvan",
    "protonmail_reply": "Done with the draft, I will share it tomorrow morning.",
    "fastmail_reply": "Quick update: the venue confirmed, and the price stays the same.\n\nKim",
}


@pytest.mark.parametrize("name", sorted(CLIENT_REPLIES))
def test_client_reply_is_a_post_answering_our_message(name):
    mail = parse(name)
    assert mail.kind is MailKind.POST
    assert mail.in_reply_to == OUR_MESSAGE_ID
    assert mail.message_id and mail.message_id.startswith("<") and mail.message_id.endswith(">")
    assert "@" in mail.from_address and mail.from_address == mail.from_address.lower()
    assert mail.subject.lower().startswith("re:")
    assert mail.date is not None and mail.date.tzinfo is not None
    assert mail.attachments == ()
    assert mail.defects == ()


@pytest.mark.parametrize("name", sorted(CLIENT_REPLIES))
def test_client_reply_keeps_only_the_new_text(name):
    assert parse(name).reply == CLIENT_REPLIES[name]


@pytest.mark.parametrize("name", sorted(CLIENT_REPLIES))
def test_full_text_keeps_the_quoted_history(name):
    mail = parse(name)
    assert mail.full_text.startswith(CLIENT_REPLIES[name].split("\n")[0][:30])
    assert len(mail.full_text) > len(mail.reply)


def test_gmail_web_reply_headers():
    mail = parse("gmail_web_reply")
    assert mail.message_id == "<CAH7kPq+3tV9xYw_0gJc2mB8aQe@mail.gmail.example>"
    assert mail.references == (OUR_MESSAGE_ID,)
    assert mail.from_address == "anne@example.com"  # sent as Anne@Example.com
    assert mail.from_name == "Anne Example"
    assert mail.subject == "Re: What will you finish this week?"
    assert mail.date == datetime(2026, 3, 3, 9, 41, 7, tzinfo=UTC)
    assert mail.list_id is None
    assert "> What is the one thing you want to finish" in mail.full_text


def test_gmail_prefers_the_plain_text_alternative():
    mail = parse("gmail_web_reply")
    assert "<div" not in mail.full_text
    assert "On Tue, 3 Mar 2026 at 09:12, Morning Circle" in mail.full_text


def test_outlook_desktop_windows_1252_plain_part():
    mail = parse("outlook_desktop_reply")
    assert "I\u2019ll send my notes" in mail.full_text
    assert "Sent: Tuesday, March 3, 2026 9:12 AM" in mail.full_text
    assert mail.date == datetime(2026, 3, 3, 11, 20, 31, tzinfo=UTC)  # "-0000" is UTC


def test_outlook_web_html_only_full_text_keeps_the_quoted_block():
    mail = parse("outlook_web_html_only")
    assert "From: Morning Circle <circle@kith.example>" in mail.full_text
    assert "We need a room for the session on the 12th." in mail.full_text
    assert "We need a room" not in mail.reply
    assert "P {margin-top:0" not in mail.full_text  # the <style> block


def test_thunderbird_format_flowed_is_joined():
    mail = parse("thunderbird_reply")
    assert "use the last five for next week's goals" in mail.full_text
    assert "> Should we shorten the weekly call? Some of you asked for a shorter format." in (
        mail.full_text
    )
    assert "\n-- \nHeidi" in mail.full_text  # the signature separator is not a soft break


# -- charsets --------------------------------------------------------------------------


def test_latin1_declaration_over_utf8_bytes_reads_utf8():
    mail = parse("latin1_declared_utf8_body")
    assert mail.full_text.startswith("Grüße aus München!")
    assert "Kaffee mit – und Kuchen für alle" in mail.full_text
    assert mail.subject == "Grüße aus München"  # raw 8-bit UTF-8 header
    assert any("UTF-8" in defect for defect in mail.defects)


def test_missing_charset_with_8bit_bytes_reads_windows_1252():
    mail = parse("missing_charset_8bit")
    assert mail.full_text.startswith("Café au lait à 8h, ça vous va ?")
    assert "près de la fenêtre" in mail.full_text
    assert mail.subject == "Petit-déjeuner"


def test_windows_1252_smart_quotes_and_euro_sign():
    mail = parse("windows1252_smart_quotes")
    assert mail.full_text == (
        "\u201cDone is better than perfect\u201d \u2013 that\u2019s my motto this week. "
        "I paid \u20ac12 for the room\u2026 worth it."
    )
    assert mail.subject == "\u201cDone is better than perfect\u201d"


def test_koi8r_body_and_encoded_words():
    mail = parse("koi8r_russian")
    assert mail.full_text.startswith("Привет всем!")
    assert "Встреча переносится на четверг" in mail.full_text
    assert mail.subject == "Перенос встречи"
    assert mail.from_name == "Ольга"


def test_gb2312_label_reads_gbk_characters():
    mail = parse("gb2312_chinese")
    assert "明天的会议改到下午三点" in mail.full_text
    assert mail.full_text.endswith("王喆")  # 喆 is GBK, not GB2312
    assert mail.subject == "明天的会议"
    assert mail.from_name == "王喆"


def test_shift_jis_with_microsoft_extensions():
    mail = parse("shift_jis_japanese")
    assert "① 来週の会議は木曜日です。" in mail.full_text  # ① exists only in cp932
    assert mail.subject == "来週の会議"
    assert mail.from_name == "佐藤"  # ISO-2022-JP encoded word


def test_raw_utf8_headers():
    mail = parse("raw_utf8_headers")
    assert mail.subject == "Re: Café ☕ on Friday?"
    assert mail.from_name == "Zoë Example"
    assert mail.from_address == "zoe@example.com"
    assert mail.full_text == "Ja, gerne! Zoë is in for coffee ☕ on Friday."


def test_bad_encoded_words_are_decoded_leniently():
    mail = parse("bad_encoded_word_subject")
    # A space inside a Q word, missing base64 padding, a character split across two words,
    # an unknown charset, and an unterminated word left as written.
    assert mail.subject == "Café au lait meeting ☕ résumé =?utf-8?Q?broken"
    assert mail.from_name == "Renée Example"


def test_base64_body():
    mail = parse("base64_body")
    assert mail.full_text.startswith("My goals for March:\n\n1. Finish the grant application.")
    assert "Read two books – one in Spanish." in mail.full_text


# -- structure -------------------------------------------------------------------------


def test_attachments_are_recorded_not_kept():
    mail = parse("with_attachments")
    assert mail.attachments == (
        Attachment("agenda.pdf", "application/pdf", 218),
        Attachment("tableau blanc été.png", "image/png", 73),
    )
    assert mail.full_text == (
        "Attached: the agenda for Thursday and a photo of last week's whiteboard."
    )
    assert "%PDF" not in mail.full_text


def test_forwarded_message_is_an_attachment_not_the_senders_text():
    mail = parse("forwarded_rfc822_attachment")
    assert mail.full_text == (
        "Forwarding the workshop notes; the second half fits our theme for April."
    )
    assert "Bart typed" not in mail.full_text
    assert "Bart typed" not in mail.reply
    [attached] = mail.attachments
    assert attached.filename == "Notes from the workshop.eml"
    assert attached.content_type == "message/rfc822"
    assert attached.size > 200
    assert mail.from_address == "quinn@example.org"  # not the forwarded message's sender


def test_html_only_text_is_readable_without_script_content():
    mail = parse("html_only_with_script")
    text = mail.full_text
    assert text.startswith("Reading list\n\nThree books I would recommend to the circle:")
    assert "* The first one, about habits\n* The second one, about focus" in text
    assert "my blog <https://example.com/reviews>" in text
    assert "https://example.com/shop" in text
    assert "<https://example.com/shop>" not in text  # the link text already is the URL
    for hidden in (
        "do-not-show-this",
        "injected-text",
        "font-family",
        "Enable JavaScript",
        "Newsletter template title",
    ):
        assert hidden not in text
    assert "Any reading tips for the spring?" in text
    assert "Any reading tips" not in mail.reply
    assert mail.reply.endswith("Rosa")


def test_truncated_multipart_keeps_the_text_and_notes_the_damage():
    mail = parse("truncated_multipart")
    assert mail.full_text == "Here are the photos from Saturday's walk."
    assert [a.filename for a in mail.attachments] == ["walk.jpg"]
    assert "CloseBoundaryNotFoundDefect" in mail.defects


def test_missing_from_gives_empty_sender():
    mail = parse("no_from_header")
    assert (mail.from_address, mail.from_name) == ("", "")
    assert mail.full_text == "A message with no sender at all still has text worth keeping."
    assert "no From header" in mail.defects


def test_garbage_headers_degrade_without_raising():  # and without a usable sender
    mail = parse("garbage_headers")
    assert mail.from_address == ""
    assert mail.message_id == "not an id at all"  # malformed: kept, stripped
    assert mail.in_reply_to is None
    assert mail.references == ("<a@b>", "<c@d>")
    assert mail.date is None
    assert mail.subject == "=?utf-8?B?!!!not-base64!!!?= and =?=?=?="
    assert mail.full_text.endswith("nonsense: café.")
    assert mail.kind is MailKind.REJECT
    assert {"From has no usable address", "malformed Message-ID", "unreadable Date"} <= set(
        mail.defects
    )


@pytest.mark.parametrize("path", sorted(EMAILS.glob("*.eml")), ids=lambda p: p.stem)
def test_every_fixture_parses(path):
    mail = parse_message(path.read_bytes(), our_domain=OUR_DOMAIN)
    assert isinstance(mail.kind, MailKind)
    assert mail.reason
    assert "\r" not in mail.full_text


# -- edge cases built in the test ------------------------------------------------------


def message(headers: str, body: str = "Hello.\n") -> bytes:
    return (headers.strip("\n") + "\n\n" + body).encode("utf-8")


def test_empty_input_is_rejected():
    mail = parse_message(b"", our_domain=OUR_DOMAIN)
    assert mail.kind is MailKind.REJECT
    assert (mail.message_id, mail.from_address, mail.full_text) == (None, "", "")


def test_message_id_and_references_keep_angle_brackets_in_order():
    mail = parse_message(
        message(
            "From: anne@example.com\nMessage-ID:   <abc@example.com>  \n"
            "In-Reply-To: <two@x> (Anne's message of Tuesday) <three@x>\n"
            "References: <one@x>\n <two@x>\tjunk <one@x>"
        ),
        our_domain=OUR_DOMAIN,
    )
    assert mail.message_id == "<abc@example.com>"
    assert mail.in_reply_to == "<two@x>"
    assert mail.references == ("<one@x>", "<two@x>")


def test_in_reply_to_without_brackets_is_kept_when_it_is_an_id():
    mail = parse_message(
        message("From: a@example.com\nIn-Reply-To: bare-id@example.com"), our_domain="k.example"
    )
    assert mail.in_reply_to == "bare-id@example.com"


def test_from_with_comma_in_quoted_name():
    mail = parse_message(message('From: "Example, Anne" <ANNE@example.com>'), our_domain=OUR_DOMAIN)
    assert (mail.from_address, mail.from_name) == ("anne@example.com", "Example, Anne")


def test_from_without_address_is_empty():
    mail = parse_message(message("From: Anne Example"), our_domain=OUR_DOMAIN)
    assert mail.from_address == ""
    assert "From has no usable address" in mail.defects


def test_folded_subject_is_unfolded():
    mail = parse_message(
        message("From: a@example.com\nSubject: A long subject\n  that was folded\n\tby a client"),
        our_domain=OUR_DOMAIN,
    )
    assert mail.subject == "A long subject that was folded by a client"


def test_date_with_zone_offset():
    mail = parse_message(
        message("From: a@example.com\nDate: Tue, 3 Mar 2026 09:12:00 +0530"), our_domain="k.x"
    )
    assert mail.date == datetime(2026, 3, 3, 9, 12, tzinfo=timezone(timedelta(hours=5, minutes=30)))


def test_list_id_is_the_bracketed_id():
    mail = parse_message(
        message("From: a@example.com\nList-Id: Book club <books.example.org>"),
        our_domain=OUR_DOMAIN,
    )
    assert mail.list_id == "<books.example.org>"


def test_body_text_is_capped(monkeypatch):
    monkeypatch.setattr(parse_module, "MAX_TEXT_CHARS", 1000)
    mail = parse_message(message("From: a@example.com", "word " * 1000), our_domain=OUR_DOMAIN)
    assert len(mail.full_text) == 1000
    assert "body text cut at 1000 characters" in mail.defects


def test_empty_plain_alternative_falls_back_to_html():
    raw = message(
        'From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="b"',
        "--b\nContent-Type: text/plain\n\n\n--b\nContent-Type: text/html\n\n<p>Only here</p>\n"
        "--b--\n",
    )
    assert parse_message(raw, our_domain=OUR_DOMAIN).full_text == "Only here"


def test_inline_text_parts_around_an_image_are_joined():
    # Apple Mail puts text, an inline picture and more text in one multipart/mixed.
    raw = message(
        'From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"',
        "--b\nContent-Type: text/plain\n\nBefore the photo.\n"
        "--b\nContent-Type: image/png\nContent-Disposition: inline; filename=photo.png\n"
        "Content-Transfer-Encoding: base64\n\naGVsbG8=\n"
        "--b\nContent-Type: text/plain\n\nAfter the photo.\n--b--\n",
    )
    mail = parse_message(raw, our_domain=OUR_DOMAIN)
    assert mail.full_text == "Before the photo.\n\nAfter the photo."
    assert mail.attachments == (Attachment("photo.png", "image/png", 5),)


def test_attachment_filename_windows_path_is_reduced_to_the_name():
    raw = message(
        'From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"',
        "--b\nContent-Type: text/plain\n\nSee attached.\n"
        "--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; "
        'filename="C:\\\\Users\\\\anne\\\\plan.docx"\n\nxyz\n--b--\n',
    )
    [attachment] = parse_message(raw, our_domain=OUR_DOMAIN).attachments
    assert attachment.filename == "plan.docx"


@pytest.mark.parametrize(
    "disposition",
    [
        b'filename="=?utf-8?B?csOpc3Vtw6kucGRm?="',  # Outlook, Gmail: RFC 2047 inside
        'filename="résumé.pdf"'.encode(),  # raw UTF-8
        b"filename*=iso-8859-1''r%E9sum%E9.pdf",  # RFC 2231
    ],
)
def test_attachment_filenames_in_every_encoding(disposition):
    raw = (
        b'From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nSee attached.\n--b\nContent-Type: application/pdf\n"
        b"Content-Disposition: attachment; " + disposition + b"\n"
        b"Content-Transfer-Encoding: base64\n\naGVsbG8=\n--b--\n"
    )
    mail = parse_message(raw, our_domain=OUR_DOMAIN)
    assert mail.attachments == (Attachment("résumé.pdf", "application/pdf", 5),)


def test_deep_nesting_is_cut_off_not_recursed_forever():
    depth = 60
    opening = "".join(
        f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n' for i in range(depth)
    )
    closing = "".join(f"--b{i}--\n" for i in reversed(range(depth + 1)))
    raw = message(
        'From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b0"',
        opening + f"--b{depth}\nContent-Type: text/plain\n\ndeep\n" + closing,
    )
    mail = parse_message(raw, our_domain=OUR_DOMAIN)
    assert any("too large or deep" in defect for defect in mail.defects)


def test_reply_extractor_failure_keeps_the_full_text(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(parse_module, "understand_reply", broken)
    mail = parse("gmail_web_reply")
    assert mail.reply == mail.full_text
    assert "reply extraction failed: RuntimeError" in mail.defects


def test_a_parser_bug_still_returns_the_text(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(parse_module, "read_headers", broken)
    mail = parse_message(message("From: a@example.com", "Still here.\n"), our_domain="k.x")
    assert "Still here." in mail.full_text
    assert "parser failed: RuntimeError" in mail.defects


# -- text helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("UTF8", "utf-8"),
        ('"utf-8"', "utf-8"),
        ("unicode-1-1-utf-8", "utf-8"),
        ("iso-8859-1", "cp1252"),
        ("us-ascii", None),
        ("x-unknown", None),
        ("unknown-8bit", None),
        ("no-such-charset", None),
        ("base64", None),  # a Python codec, not a text encoding
        ("gb2312", "gb18030"),
        ("Shift_JIS", "cp932"),
        ("windows1251", "cp1251"),
        ("koi8r", "koi8-r"),
        ("utf-8*en", "utf-8"),
        (None, None),
    ],
)
def test_resolve_charset(label, codec):
    assert resolve_charset(label) == codec


def test_decode_bytes_declared_utf8_but_latin():
    decoded = decode_bytes("Grüße, schöne Äpfel".encode("cp1252"), "utf-8")
    assert decoded.text == "Grüße, schöne Äpfel"
    assert decoded.problem


def test_decode_bytes_never_raises_on_nonsense():
    assert decode_bytes(bytes(range(256)), "undefined").text


def test_decode_bytes_iso_2022_jp_is_not_mistaken_for_ascii():
    assert decode_bytes("こんにちは".encode("iso-2022-jp"), "ISO-2022-JP").text == "こんにちは"


def test_decode_header_words_joins_split_multibyte_characters():
    assert decode_header_words("=?UTF-8?B?4pg=?= =?UTF-8?B?lQ==?=") == "☕"


def test_decode_header_words_keeps_space_between_word_and_text():
    assert decode_header_words("Re: =?iso-8859-1?q?caf=E9?= time") == "Re: café time"


def test_unflow_delsp():
    assert unflow("Hello wor \nld", delsp=True) == "Hello world"
    assert unflow("Hello \nworld", delsp=False) == "Hello world"
    assert unflow(" From the stuffed line", delsp=False) == "From the stuffed line"


def test_html_to_text_removes_quote_blocks_only_from_the_reply():
    converted = html_to_text(
        "<p>New text</p><blockquote type='cite'>old text</blockquote>"
        "<div class='gmail_quote'>older text</div>"
    )
    assert converted.full == "New text\n\n> old text\n\nolder text"
    assert converted.reply == "New text"


def test_html_to_text_survives_unparsable_markup():
    assert html_to_text("   ").full == ""
    assert html_to_text("<?xml version='1.0' encoding='utf-8'?><p>x</p>").full == "x"
