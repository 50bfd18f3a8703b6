"""Our own mail first: the quoted copy of a message Kith sent is cut by its known text."""

from __future__ import annotations

import pytest

from community.incoming import ReplyContext, SentText
from mail.inbound.known import remove_known
from mail.inbound.replies import understand_reply

PROMPT = SentText(
    "commitment_prompt",
    "THIS WEEK'S ROUND\n\nWhat is your one commitment for this week?\n\nHi Bart,\n\n"
    "A new week, a fresh start. What's the one thing you want to get done\nbefore the "
    "check-in? Small and specific works best: something you'll\nbe able to answer with a "
    "yes or a no.\n\nJust reply to this email with your one commitment.\nReply again to "
    'change it.\n\n---\nTaking a break? Reply "pause" (or "pause until 12 April") and '
    "we'll\nleave you be.",
)
DIGEST = SentText(
    "digest",
    "Morning Circle weekly: 3 conversations\n\nGoals for March\nAnne, Tue 09:12: I want to "
    "ship the beta by Friday and take a long walk on Saturday.\nBart, Tue 10:02: Go for it, "
    "I will review the build on Thursday evening.\n\nBooks\nCleo, Wed 18:00: Dune, again, "
    "and a short novel about a lighthouse keeper.\n\nThis week's round\nAnne: Run three "
    "times (done)\nBart: Finish the grant draft (partly)",
)
NEW = "Finish the chapter outline by Thursday."


def cut(text: str, *sent: SentText) -> str:
    return remove_known(text, sent or (PROMPT,))[0]


def quoted(text: str, marker: str = "> ") -> str:
    return "\n".join(f"{marker}{line}" if line else marker.rstrip() for line in text.split("\n"))


@pytest.mark.parametrize("marker", ["> ", ">", "| ", "    ", "\t", ">> "])
def test_quoted_copy_is_cut_whatever_the_quote_marker(marker):
    attribution = "On Mon, 2 Mar 2026 at 08:00, Morning Circle <circle@kith.example> wrote:"
    email = f"{NEW}\n\n{attribution}\n{quoted(PROMPT.text, marker)}\n"
    assert cut(email) == NEW


def test_rewrapped_copy_is_cut():
    rewrapped = " ".join(PROMPT.text.split())  # one long line, as a client may reflow it
    email = f"{NEW}\n\nOn Monday, Morning Circle wrote:\n> {rewrapped}\n"
    assert cut(email) == NEW


def test_truncated_copy_is_cut():
    head = "\n".join(PROMPT.text.split("\n")[:8])
    attribution = "On 2 Mar 2026, at 08:00, Morning Circle <circle@kith.example> wrote:"
    email = f"{NEW}\n\n{attribution}\n\n{quoted(head)}\n"
    assert cut(email) == NEW


@pytest.mark.parametrize(
    "attribution",
    [
        "Am Mo., 2. März 2026 um 08:00 Uhr schrieb Morning Circle <circle@kith.example>:",
        "2026年3月2日(月) 8:00 Morning Circle <circle@kith.example>:",
        "Ar Llun, 2 Maw 2026 am 08:00, Morning Circle <circle@kith.example> ysgrifennodd:",
        "Morning Circle kirjoitti:",
        "---- On Mon, 02 Mar 2026 08:00 Morning Circle wrote ----",
    ],
)
def test_the_attribution_above_our_copy_goes_in_any_language(attribution):
    email = f"{NEW}\n\n{attribution}\n\n{quoted(PROMPT.text)}\n"
    assert cut(email) == NEW


def test_outlook_header_block_and_unquoted_copy_go():
    email = (
        f"{NEW}\n\n________________________________\nVon: Morning Circle <circle@kith.example>\n"
        "Gesendet: Montag, 2. März 2026 08:00\nAn: Bart Example <bart@example.org>\n"
        "Betreff: Morning Circle: What is your one commitment for this week?\n\n"
        f"{PROMPT.text}\n"
    )
    assert cut(email) == NEW


def test_a_sentence_right_above_the_attribution_stays():
    email = (
        f"{NEW}\nOn Mon, 2 Mar 2026 at 08:00, Morning Circle <circle@kith.example> wrote:\n"
        f"{quoted(PROMPT.text)}\n"
    )
    assert cut(email) == NEW


def test_partial_quote_of_a_digest_is_cut_and_the_answer_below_stays():
    email = (
        "> Bart, Tue 10:02: Go for it, I will review the build on Thursday\n"
        "> evening.\n\nCan I join the review? I have time after seven.\n"
    )
    assert cut(email, DIGEST) == "Can I join the review? I have time after seven."


def test_answers_between_quoted_parts_of_a_prompt_stay():
    email = (
        "> What is your one commitment for this week?\n\nThe chapter outline.\n\n"
        "> Small and specific works best: something you'll\n> be able to answer with a yes "
        "or a no.\n\nDone by Thursday, then.\n"
    )
    assert cut(email) == "The chapter outline.\n\nDone by Thursday, then."


def test_unquoted_words_of_ours_without_an_introduction_stay():
    # A member may repeat a digest's sentence in their own text.
    email = (
        "Anne wrote that she wants to ship the beta by Friday and take a long walk on "
        "Saturday. Good plan!\n"
    )
    assert cut(email, DIGEST) == email  # untouched


def test_text_we_never_sent_is_left_to_the_other_rules():
    email = f"{NEW}\n\nOn Mon, Anne <anne@example.com> wrote:\n> Something else entirely here.\n"
    assert cut(email) == email  # untouched


def test_html_drift_of_our_copy_is_cut_through_the_whole_pipeline():
    # A client converted our HTML to text on its own: other line breaks, bullets, spacing.
    drifted = PROMPT.text.replace("\n", " ").replace("  ", " ").replace("---", "* * *")
    email = f"{NEW}\n\nLe lun. 2 mars 2026 à 08:00, Morning Circle a écrit :\n\n> {drifted}\n"
    reply = understand_reply(email, None, ReplyContext(sent=(PROMPT,)))
    assert reply.text == NEW
    assert reply.cuts[0].rule == "known:commitment_prompt"


def test_our_signed_links_match_though_signed_again_a_second_later():
    # Kith composes its mail again to know it: every signed link then carries another
    # timestamp and signature than the copy the member quotes.
    footer = (
        "Manage your preferences:\nhttp://kith.test/preferences/{}\n\nUnsubscribe:\n"
        "http://kith.test/unsubscribe/{}\n\nSent by Kith for Morning Circle:\n"
        "http://kith.test/c/circle"
    )
    sent = SentText(
        "commitment_prompt",
        PROMPT.text
        + "\n\n-- \n"
        + footer.format(
            "eyJtIjoyLCJ2IjowfQ.axE0AA.Zv1FKEjU0VrpRl851FL2VNqupr8",
            "eyJtIjoyLCJ2IjowfQ.axE0AA.h1x6oRI4Xr1OXlHuajbYzyysWp0",
        ),
    )
    quoted_copy = (
        PROMPT.text
        + "\n\n-- \n"
        + footer.format(
            "eyJtIjoyLCJ2IjowfQ.axE0dA.RekIsRTgrTwkYYmNLpUZ0ae-_Lo",
            "eyJtIjoyLCJ2IjowfQ.axE0dA.-E5THX8cP36lukdeheS1Hz9Xb9Y",
        )
    )
    email = f"{NEW}\n\nMorning Circle kirjoitti:\n\n{quoted_copy}\n"
    assert cut(email, sent) == NEW
