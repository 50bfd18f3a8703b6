"""Reply extraction: the new text stays; quoted history, attributions and signatures go."""

from __future__ import annotations

import random
import string
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mail.inbound.replies import extract_reply

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "replies"
FIXTURE_NAMES = sorted(
    path.name.removesuffix(".txt")
    for path in FIXTURES.glob("*.txt")
    if not path.name.endswith(".expected.txt")
)


def read_fixture(name: str) -> tuple[str, str]:
    # Bytes, so a fixture's CRLF endings reach the extractor as written.
    email = (FIXTURES / f"{name}.txt").read_bytes().decode("utf-8")
    expected = (FIXTURES / f"{name}.expected.txt").read_text(encoding="utf-8")
    return email, expected.strip("\n")


def input_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def is_ordered_subset(output: str, source: str) -> bool:
    remaining = iter(input_lines(source))
    return all(any(line == candidate for candidate in remaining) for line in output.split("\n"))


# -- whole emails, one per client and situation ----------------------------------------


def test_fixtures_are_present():
    assert len(FIXTURE_NAMES) >= 30


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_email_keeps_only_what_the_sender_wrote(name):
    email, expected = read_fixture(name)
    assert extract_reply(email) == expected


# -- attribution lines ------------------------------------------------------------------

ATTRIBUTIONS = {
    "english_gmail": "On Tue, Mar 3, 2026 at 9:12 AM Anne Example <anne@example.com> wrote:",
    "english_apple": "On 3 Mar 2026, at 09:12, Anne Example <anne@example.com> wrote:",
    "english_thunderbird": "On 3/3/26 9:12 AM, Anne Example wrote:",
    "english_yahoo": (
        "On Tuesday, March 3, 2026, 09:12:01 AM GMT, Anne Example <anne@example.com> wrote:"
    ),
    "english_fastmail": "On Tue, Mar 3, 2026, at 09:12, Anne Example wrote:",
    "english_proton": (
        "On Tuesday, March 3rd, 2026 at 09:12, Anne Example <anne@example.com> wrote:"
    ),
    "english_outlook_mac": 'On 3/3/26, 9:12 AM, "Anne Example" <anne@example.com> wrote:',
    "english_name_and_address": "Anne Example <anne@example.com> wrote:",
    "english_eudora": "At 09:12 03/03/2026, you wrote:",
    "english_mutt": "* Anne Example <anne@example.com> [2026-03-03 09:12]:",
    "english_horde": "Quoting Anne Example <anne@example.com>:",
    "german_gmail": "Am Di., 3. März 2026 um 09:12 Uhr schrieb Anne Example <anne@example.com>:",
    "german_gmail_name_first": (
        "Anne Example <anne@example.com> schrieb am Di., 3. März 2026 um 09:12:"
    ),
    "german_thunderbird": "Am 03.03.2026 um 09:12 schrieb Anne Example:",
    "french_gmail": "Le mar. 3 mars 2026 à 09:12, Anne Example <anne@example.com> a écrit :",
    "french_thunderbird": "Le 03/03/2026 à 09:12, Anne Example a écrit :",
    "spanish_gmail": "El mar, 3 mar 2026 a las 9:12, Anne Example (<anne@example.com>) escribió:",
    "spanish_long_date": "El martes, 3 de marzo de 2026, Anne Example escribió:",
    "italian_gmail": (
        "Il giorno mar 3 mar 2026 alle ore 09:12 Anne Example <anne@example.com> ha scritto:"
    ),
    "italian_webmail": "Il 3 marzo 2026 alle 9.12 Anne Example <anne@example.com> ha scritto:",
    "dutch_gmail": "Op di 3 mrt 2026 om 09:12 schreef Anne Example <anne@example.com>:",
    "dutch_apple": (
        "Op 3 mrt. 2026 om 09:12 heeft Anne Example <anne@example.com> het volgende geschreven:"
    ),
    "portuguese_gmail": (
        "Em ter., 3 de mar. de 2026 às 09:12, Anne Example <anne@example.com> escreveu:"
    ),
    "swedish_gmail": "Den tis 3 mars 2026 kl 09:12 skrev Anne Example <anne@example.com>:",
    "norwegian_gmail": "tir. 3. mar. 2026 kl. 09:12 skrev Anne Example <anne@example.com>:",
    "danish_apple": "Den 3. mar. 2026 kl. 09.12 skrev Anne Example <anne@example.com>:",
    "polish_thunderbird": "W dniu 3.03.2026 o 09:12, Anne Example pisze:",
    "polish_gmail": "wt., 3 mar 2026 o 09:12 Anne Example <anne@example.com> napisał(a):",
    "russian_gmail": "вт, 3 мар. 2026 г. в 09:12, Anne Example <anne@example.com>:",
    "russian_apple": "3 марта 2026 г., в 9:12, Anne Example <anne@example.com> написал(а):",
    "russian_thunderbird": "03.03.2026 9:12, Anne Example пишет:",
    "ukrainian_gmail": "вт, 3 бер. 2026 р. о 09:12 Anne Example <anne@example.com> пише:",
    "ukrainian_thunderbird": "03.03.2026 9:12, Anne Example написав:",
    "chinese_gmail": "Anne Example <anne@example.com> 于2026年3月3日周二 09:12写道：",
    "chinese_apple": "在 2026年3月3日，09:12，Anne Example <anne@example.com> 写道：",
    "japanese_gmail": "2026年3月3日(火) 9:12 Anne Example <anne@example.com>:",
    "japanese_apple": "2026/03/03 9:12、Anne Example <anne@example.com>のメッセージ:",
    "japanese_thunderbird": "2026/03/03 9:12 Anne Example さんは書きました:",
    "czech_gmail": "út 3. 3. 2026 v 9:12 odesílatel Anne Example <anne@example.com> napsal:",
    "finnish_gmail": "ti 3. maalisk. 2026 klo 9.12 Anne Example (anne@example.com) kirjoitti:",
    "turkish_gmail": (
        "Anne Example <anne@example.com>, 3 Mar 2026 Sal, 09:12 tarihinde şunu yazdı:"
    ),
    "hungarian_gmail": (
        "Anne Example <anne@example.com> ezt írta (időpont: 2026. márc. 3., K, 9:12):"
    ),
    "korean_gmail": "2026년 3월 3일 (화) 오전 9:12, Anne Example <anne@example.com>님이 작성:",
}

WRAPPED_ATTRIBUTIONS = {
    "english_gmail_address_wrapped": (
        "On Tue, Mar 3, 2026 at 9:12 AM Anne Example <\nanne@example.com> wrote:"
    ),
    "english_yahoo_name_wrapped": (
        "On Tuesday, March 3, 2026, 09:12:01 AM GMT, Anne Example\n<anne@example.com> wrote:"
    ),
    "english_four_lines": (
        "On Tue, 3 Mar 2026 at 09:12 Anne Example\n<\nmailto:anne@example.com\n> wrote:"
    ),
    "french_three_lines": (
        "Le mar. 3 mars 2026 à 09:12, Anne Example\n<anne@example.com>\na écrit :"
    ),
    "german_bracket_wrapped": (
        "Am Di., 3. März 2026 um 09:12 Uhr schrieb Anne Example <anne@example.com\n>:"
    ),
    "german_date_wrapped": (
        "Anne Example <anne@example.com> schrieb am Di., 3. März\n2026 um 09:12 Uhr:"
    ),
    "dutch_verb_wrapped": (
        "Op 3 mrt. 2026 om 09:12 heeft Anne Example <anne@example.com> het\nvolgende geschreven:"
    ),
    "portuguese_address_wrapped": (
        "Em 3 de março de 2026 09:12, Anne Example <\nanne@example.com> escreveu:"
    ),
    "russian_address_wrapped": (
        "3 марта 2026 г. 9:12 пользователь Anne Example <\nanne@example.com> написал:"
    ),
}


def test_attributions_cover_at_least_twelve_languages():
    languages = {key.split("_")[0] for key in ATTRIBUTIONS}
    assert len(languages) >= 12


@pytest.mark.parametrize("attribution", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
def test_attribution_and_the_quote_under_it_are_cut(attribution):
    email = f"Yes, count me in.\n\n{attribution}\n\n> Are you coming on Thursday?\n> Anne\n"
    assert extract_reply(email) == "Yes, count me in."


@pytest.mark.parametrize(
    "attribution", WRAPPED_ATTRIBUTIONS.values(), ids=WRAPPED_ATTRIBUTIONS.keys()
)
def test_attribution_wrapped_over_several_lines_is_cut_whole(attribution):
    email = f"Yes, count me in.\n\n{attribution}\n\n> Are you coming on Thursday?\n"
    assert extract_reply(email) == "Yes, count me in."


@pytest.mark.parametrize(
    "attribution", WRAPPED_ATTRIBUTIONS.values(), ids=WRAPPED_ATTRIBUTIONS.keys()
)
def test_wrapped_attribution_over_unquoted_history_cuts_it(attribution):
    email = f"Yes, count me in.\n{attribution}\nAre you coming on Thursday?\n"
    assert extract_reply(email) == "Yes, count me in."


def test_attribution_over_unquoted_history_cuts_everything_below():
    # Outlook mobile and Yahoo paste the earlier message without '>' markers.
    email = (
        "Yes.\n\nOn Tue, Mar 3, 2026 at 9:12 AM Anne Example <anne@example.com> wrote:\n"
        "Are you coming?\n\nAnne\n"
    )
    assert extract_reply(email) == "Yes."


def test_later_attributions_are_not_swallowed_by_an_earlier_line():
    email = (
        "Keeping this short.\n\nOn this day\n\nI wrote something\n\nwhich was long.\n\n"
        "On 3 Mar 2026, at 09:12, Anne Example wrote:\n\n> Did you?\n"
    )
    assert extract_reply(email) == (
        "Keeping this short.\n\nOn this day\n\nI wrote something\n\nwhich was long."
    )


def test_lone_attribution_above_the_sender_text_is_dropped():
    email = "On 3 Mar 2026 09:12, Anne Example <anne@example.com> wrote:\n\nHere is my answer.\n"
    assert extract_reply(email) == "Here is my answer."


# -- footers, banners and delimiters ------------------------------------------------

FOOTERS = [
    "Sent from my iPhone",
    "Sent from my iPad",
    "Sent from my Android phone with K-9 Mail. Please excuse my brevity.",
    "Sent from my Samsung Galaxy smartphone.",
    "Sent from my Pixel, forgive the typos",
    "Sent from Yahoo Mail on Android",
    "Sent from Mail for Windows",
    "Sent from Outlook",
    "Sent with Proton Mail secure email.",
    "Sent via mobile",
    "(Sent from a phone)",
    "Get Outlook for iOS<https://outlook.example.com/ios>",
    "Get Outlook for Android",
    "Outlook für iOS herunterladen",
    "Von meinem iPhone gesendet",
    "Gesendet von meinem Smartphone",
    "Envoyé de mon iPhone",
    "Envoyé depuis mon appareil Galaxy",
    "Enviado desde mi iPhone",
    "Enviado do meu celular",
    "Inviato da iPhone",
    "Inviato dal mio dispositivo Huawei",
    "Verzonden vanaf mijn iPhone",
    "Verstuurd vanaf mijn telefoon",
    "Skickat från min iPhone",
    "Sendt fra min iPad",
    "Wysłane z iPhone'a",
    "Отправлено с iPhone",
    "Надіслано з iPhone",
    "发自我的iPhone",
    "iPhoneから送信",
    "Lähetetty iPhonesta",
]


@pytest.mark.parametrize("footer", FOOTERS)
def test_mobile_footer_and_what_follows_are_cut(footer):
    email = f"On my way, five minutes late.\n\n{footer}\n\n> Where are you?\n"
    assert extract_reply(email) == "On my way, five minutes late."


BANNERS = [
    "-----Original Message-----",
    "-------- Original Message --------",
    "------- Original Message -------",
    "*-------- Original Message --------*",
    "---------- Forwarded message ---------",
    "----- Forwarded Message -----",
    "-----Ursprüngliche Nachricht-----",
    "-----Message d'origine-----",
    "-----Mensaje original-----",
    "-----Messaggio originale-----",
    "-----Oorspronkelijk bericht-----",
    "-----Wiadomość oryginalna-----",
    "-----Исходное сообщение-----",
    "-----Opprinnelig melding-----",
    "---------- Weitergeleitete Nachricht ---------",
    "Begin forwarded message:",
    "Anfang der weitergeleiteten Nachricht:",
    "Début du message réexpédié :",
]


@pytest.mark.parametrize("banner", BANNERS)
def test_original_message_banner_cuts_the_embedded_message(banner):
    email = f"See below.\n\n{banner}\nAnne wrote this a while ago.\n"
    assert extract_reply(email) == "See below."


@pytest.mark.parametrize("rule", ["-- ", "--", "____________", "------------", "======", "***"])
def test_rule_line_ends_the_new_text(rule):
    assert extract_reply(f"Notes attached.\n{rule}\nBart Example\n") == "Notes attached."


def test_double_dash_inside_a_sentence_is_text():
    email = "We meet at 7 -- or 8 if the room is busy.\n"
    assert extract_reply(email) == "We meet at 7 -- or 8 if the room is busy."


def test_name_and_title_without_delimiter_are_kept():
    email = "Thanks!\n\nBart Example\nCircle host\n"
    assert extract_reply(email) == "Thanks!\n\nBart Example\nCircle host"


# -- posting styles -----------------------------------------------------------------


def test_top_post_keeps_the_text_above_the_quote():
    email = "Agreed.\n\n> Shall we start at 7?\n"
    assert extract_reply(email) == "Agreed."


def test_bottom_post_drops_the_quoted_message_above_the_reply():
    email = (
        "On Tue, Mar 3, 2026 at 9:12 AM Anne Example <anne@example.com> wrote:\n"
        "> Shall we start at 7?\n\nAgreed, 7 it is.\n"
    )
    assert extract_reply(email) == "Agreed, 7 it is."


def test_bottom_post_under_quoted_apple_attribution_drops_the_quote():
    email = (
        "> On 3 Mar 2026, at 09:12, Anne Example <anne@example.com> wrote:\n>\n"
        "> Shall we start at 7?\n\nAgreed, 7 it is.\n"
    )
    assert extract_reply(email) == "Agreed, 7 it is."


def test_quote_without_attribution_followed_by_text_keeps_both():
    email = "> Shall we start at 7?\nAgreed, 7 it is.\n"
    assert extract_reply(email) == "> Shall we start at 7?\nAgreed, 7 it is."


def test_inline_reply_keeps_answered_quotes_and_drops_the_trailing_quote():
    email = (
        "Hi Anne,\n\n"
        "On Tue, Mar 3, 2026 at 9:12 AM Anne Example <anne@example.com> wrote:\n"
        "> Start at 7?\n\nYes.\n\n> Bring snacks?\n\nCrisps, as usual.\n\n> Thanks,\n> Anne\n"
    )
    assert extract_reply(email) == (
        "Hi Anne,\n\n> Start at 7?\n\nYes.\n\n> Bring snacks?\n\nCrisps, as usual."
    )


def test_inline_reply_drops_a_quoted_attribution_line_from_the_context():
    email = (
        "Hi,\n\n> On 3 Mar 2026, at 09:12, Anne Example <anne@example.com> wrote:\n>\n"
        "> Start at 7?\n\nYes.\n\n> Bring snacks?\n\nCrisps.\n"
    )
    assert extract_reply(email) == "Hi,\n\n> Start at 7?\n\nYes.\n\n> Bring snacks?\n\nCrisps."


def test_supercite_initials_count_as_quotes():
    email = "Thanks, that helps.\n\nAE> The venue opens at six.\nAE> Anne\n"
    assert extract_reply(email) == "Thanks, that helps."


def test_body_of_only_a_quote_keeps_the_quote():
    assert extract_reply("> Please bring a mug.\n") == "> Please bring a mug."


def test_body_of_only_an_earlier_message_is_empty():
    email = "> On 3 Mar 2026, at 09:12, Anne Example <anne@example.com> wrote:\n> Mugs!\n"
    assert extract_reply(email) == ""


# -- things that look like markers but are the sender's text ----------------------


@pytest.mark.parametrize(
    "email",
    [
        "In 2019 I wrote:\nthat the budget was fine.",
        "As Bart wrote:\n> keep it short\nI agree with him.",
        "On Monday we meet at 10.\nBring snacks.",
        "To: all members\nPlease read the agenda before Thursday.",
        "Date: Saturday 14 March\nFrom: 11am\nTo: 4pm\nSubject: picnic\nBring a blanket.",
        "Sent by courier on Monday, the books should arrive soon.",
        "Sent via email to the committee last week.\nNo answer yet.",
        "Outlook for Android keeps crashing on me.\nAny ideas?",
        "Von meinem Urlaub habe ich euch Fotos gesendet.\nViel Spaß!",
        "- first point\n- second point\n    - nested point",
    ],
    ids=[
        "sentence_ending_in_wrote",
        "named_quote_intro_without_date",
        "sentence_starting_with_on",
        "single_header_like_line",
        "event_hours_look_like_headers",
        "sentence_starting_with_sent",
        "sentence_about_sending_email",
        "sentence_about_outlook",
        "german_sentence_ending_in_gesendet",
        "dash_bullets",
    ],
)
def test_sender_text_that_resembles_a_marker_is_kept(email):
    assert extract_reply(email) == email


# -- input hygiene ---------------------------------------------------------------------


@pytest.mark.parametrize("email", ["", " ", "\n\n", "\r\n\t\r\n"])
def test_empty_or_blank_body_gives_empty_string(email):
    assert extract_reply(email) == ""


def test_crlf_line_endings_are_normalised():
    assert extract_reply("One\r\nTwo\r\n\r\n> quoted\r\n") == "One\nTwo"


def test_cr_only_line_endings_are_normalised():
    assert extract_reply("One\rTwo\r\r-- \rBart\r") == "One\nTwo"


def test_output_lines_have_no_trailing_whitespace_or_carriage_returns():
    out = extract_reply("Hello   \r\nthere\t\r\n")
    assert out == "Hello\nthere"


# -- properties ----------------------------------------------------------------------

# Control characters and the pieces of mail markers that the extractor looks at.
MAIL_PIECES = [
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "\x00",
    "\u2028",
    "\ud800",
    "ᐧ",
    "写道：",
    ">",
    "> ",
    "--",
    "-- ",
    "```",
    "____",
    "text",
    "Thanks!",
    "Sent from my iPhone",
    "-----Original Message-----",
    "Begin forwarded",
    "On 3 Mar 2026, Anne <anne@example.com> wrote:",
    "wrote:",
    "<",
    ">:",
    "mailto:",
    "From: Anne <anne@example.com>",
    "Sent: Tue",
    "To: Bart",
    "Subject: hi",
    "De :",
    "Von:",
    "Am 3. März 2026 schrieb Anne <anne@example.com>:",
    "2026-03-03 09:12 GMT+01:00",
    "C>",
    "*From:*",
    ":",
    "@",
    "é",
]


@settings(max_examples=300, deadline=None, database=None)
@given(st.text())
def test_any_text_gives_an_ordered_subset_of_its_lines(text):
    out = extract_reply(text)
    assert isinstance(out, str)
    assert not out or is_ordered_subset(out, text)


@settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(MAIL_PIECES), max_size=80).map("".join))
def test_mail_like_noise_gives_an_ordered_subset_of_its_lines(text):
    out = extract_reply(text)
    assert not out or is_ordered_subset(out, text)


def _random_lines(seed: int, size: int) -> str:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + string.punctuation + " " * 10 + "\n"
    return "".join(rng.choice(alphabet) for _ in range(size))


MEGABYTE = 1_000_000
PATHOLOGICAL = {
    "spaces": " " * MEGABYTE,
    "angle_brackets": ">" * MEGABYTE,
    "quote_markers_with_spaces": "> " * (MEGABYTE // 2),
    "dashes": "-" * MEGABYTE,
    "at_signs": "@" * MEGABYTE,
    "digits": "7" * MEGABYTE,
    "colons": ":" * MEGABYTE,
    "random_single_line": _random_lines(1, MEGABYTE).replace("\n", " "),
    "random_lines": _random_lines(2, MEGABYTE),
    "address_like": ("1 <" + "a" * 200 + "@" * 200 + ">:") * 2000,
    "wrote_without_end": ("On 3 Mar 2026 " + "x " * 200 + "wrote") * 1000,
    "many_attributions": "On 3 Mar 2026, Anne <anne@example.com> wrote:\n" * 20000,
    "many_header_lines": "From: Anne\nTo: Bart\n" * 20000,
    "cjk": "写道：" * 300000,
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_input_finishes_quickly(text):
    started = time.perf_counter()
    out = extract_reply(text)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"took {elapsed:.2f}s"
    assert not out or is_ordered_subset(out, text)


# -- languages the tables do not know, and prose that resembles a footer -------------


@pytest.mark.parametrize(
    "attribution",
    [
        # Welsh, Basque and Albanian: no table has their verbs; the shape gives them away.
        "Ar Maw, 3 Maw 2026 am 09:12, Anne Example <anne@example.com> ysgrifennodd:",
        "Anne Example (<anne@example.com>) erabiltzaileak hau idatzi zuen (2026 mar. 3):",
        "Në mar., 3 mar. 2026 në 09:12 Anne Example <anne@example.com> shkroi:",
    ],
)
def test_attribution_in_an_unknown_language_above_a_quote_is_cut(attribution):
    email = f"Yes, count me in.\n\n{attribution}\n\n> Are you coming on Thursday?\n"
    assert extract_reply(email) == "Yes, count me in."


def test_a_colon_line_of_the_sender_above_a_quote_stays_without_a_date_or_address():
    email = "Here is what I think:\n\n> Are you coming on Thursday?\n\nYes.\n"
    assert extract_reply(email) == "Here is what I think:\n\n> Are you coming on Thursday?\n\nYes."


def test_header_block_in_an_unknown_language_is_cut():
    email = (
        "Ndiyo, nitakuja.\n\n________________________________\n"
        "Kutoka: Anne Example <anne@example.com>\nImetumwa: Jumanne, 3 Machi 2026 09:12\n"
        "Kwa: Juma Mfano <juma@example.co.tz>\nMada: Alhamisi\n\nUtakuja Alhamisi?\n"
    )
    assert extract_reply(email) == "Ndiyo, nitakuja."


def test_attribution_and_quote_on_one_line_are_cut():
    # Yahoo Mail for Android writes them that way in its text part.
    email = (
        "Lovely photos!\n\n  On Tue, 3 Mar 2026 at 9:12, Anne Example<anne@example.com> "
        "wrote:   Here are the photos from the walk.\n"
    )
    assert extract_reply(email) == "Lovely photos!"


@pytest.mark.parametrize(
    "line",
    [
        "Sent from my desk at the library, because the train wifi gave up again.",
        "Sent from my desk…",
        "Sent from my kitchen table.",
    ],
)
def test_a_sent_from_my_sentence_is_prose(line):
    email = f"{line}\nThe second chapter is finished.\n"
    assert extract_reply(email) == email.strip("\n")


@pytest.mark.parametrize(
    "footer",
    [
        "Sent from my iMachine",
        "Télécharger Outlook pour iOS",
        "Scarica Outlook per Android",
        "Sent from Mail<https://go.microsoft.com/fwlink/?LinkId=550986> for Windows",
        "Sent via the Samsung Galaxy S24 Ultra, an AT&T 5G smartphone",
        "iOS 版 Outlook<https://aka.ms/o0ukef> を入手",
        "iOS용 Outlook<https://aka.ms/o0ukef> 받기",
        "获取适用于 iOS 的 Outlook<https://aka.ms/o0ukef>",
        "Galaxy から送信されました",
        "Samsung Galaxy akıllı telefonumdan gönderildi.",
        "Elküldve az iPhone-omról",
        "Enviat des del meu iPhone",
    ],
)
def test_device_and_app_footers_end_the_new_text(footer):
    assert extract_reply(f"On my way.\n\n{footer}\n\n> Where are you?\n") == "On my way."


def test_a_bare_wrote_line_above_the_cut_history_goes_with_it():
    assert extract_reply("Yes.\n\nAnne Example wrote:\n> Are you coming?\n") == "Yes."
    assert extract_reply("Yes.\nAnne Example kirjoitti:\n\n> Tuletko?\n") == "Yes."


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # Gmail wraps a long attribution; neither half alone says where the quote begins.
        ("ti 1. jouluk. 2026 klo 9.14 Anne Example", "(anne@example.com) kirjoitti:"),
        ("út 1. 12. 2026 v 9:14 odesílatel Anne Example", "<anne@example.com> napsal:"),
        ("Op Di, 1 Des 2026 om 09:14 het Anne Example", "<anne@example.com> geskryf:"),
    ],
)
def test_a_wrapped_attribution_in_any_language_is_cut_whole(first, second):
    email = f"Sounds good.\n\nBart\n\n{first}\n{second}\n\n> Shall we move the call?\n"
    assert extract_reply(email) == "Sounds good.\n\nBart"


def test_the_senders_paragraph_above_a_wrapped_attribution_stays():
    email = (
        "I can only test this in two weeks\n"
        "Op 16 aug. 2014 05:13 schreef Anne <anne@example.com> het\n"
        "volgende geschreven:\n\n> Try the adblocker idea.\n"
    )
    assert extract_reply(email) == "I can only test this in two weeks"


def test_direction_marks_around_a_right_to_left_attribution_are_looked_through():
    attribution = (
        "\u202bدر تاریخ سه‌شنبه ۱ دسامبر ۲۰۲۶ ساعت ۹:۱۴ Anne Example <anne@example.com> نوشت:\u202c"
    )
    email = f"\u202bباشه، می‌آیم.\u202c\n\n{attribution}\n\n> Are you coming?\n"
    assert extract_reply(email) == "\u202bباشه، می‌آیم.\u202c"


def test_gmail_korean_forward_without_a_note_keeps_the_forwarded_text():
    email = (
        "---------- 전달된 메시지 ---------\n보낸사람: Venue <bookings@venue.example>\n"
        "Date: Mon, Nov 30, 2026 at 4:02 PM\nSubject: Room booking\nTo: <gus@example.org>\n\n\n"
        "The room is booked.\n"
    )
    assert extract_reply(email) == "The room is booked."
