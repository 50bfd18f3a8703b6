"""Signatures learned from a member's mail, and sign-offs with their name, are cut."""

from __future__ import annotations

import pytest

from mail.inbound.signatures import Signature, learn, strip_signature

NAMES = ["Carol Example"]
SIGNATURE = "Carol Example\nProduct Lead, Example Inc\n+1 555 0100"


def stripped(text: str, signature: str = "", names=NAMES) -> str:
    return strip_signature(text, signature, names)[0]


@pytest.mark.parametrize(
    "sign_off",
    [
        "Carol",
        "carol",
        "Carol Example",
        "Carol E.",
        "-Carol",
        "- Carol",
        "— C.",
        "-CE",
        "C.E.",
        "~Carol",
        "Carol x",
        "Carol :)",
        "Cheers, Carol",
        "Thanks! Carol",
        "Best,\nCarol",
        "Liebe Grüße\nCarol",
        "Bien à vous,\nCarol",
    ],
)
def test_sign_off_with_the_members_name_is_cut(sign_off):
    text = f"A short walk after lunch helps a lot.\n\n{sign_off}"
    assert stripped(text) == "A short walk after lunch helps a lot."


@pytest.mark.parametrize(
    "text",
    [
        "I agree with Carol",  # the name inside a sentence
        "Carol",  # a message that is only a name is what the member wrote
        "See you soon.\n\nOK",  # initials-like words need a dash or dots
        "Thanks to everyone.\n\nBart",  # someone else's name
        "See you soon.\n\nC",  # a lone letter without a dash
    ],
)
def test_text_that_is_not_a_sign_off_stays(text):
    assert stripped(text) == text


def test_a_name_led_last_paragraph_is_a_signature_before_it_is_learned():
    text = f"I tried a standing desk this week.\n\n{SIGNATURE}"
    assert stripped(text) == "I tried a standing desk this week."


def test_a_learned_signature_is_cut_with_its_delimiter():
    text = f"Day three.\n\n-- \n{SIGNATURE}"
    assert stripped(text, SIGNATURE, names=[]) == "Day three."


def test_a_learned_signature_is_cut_only_where_it_ends_the_text():
    text = f"{SIGNATURE}\n\nis what I put under my mail."
    assert stripped(text, SIGNATURE, names=[]) == text


def test_signature_is_learned_from_two_messages_that_end_alike():
    first = learn(Signature(), f"First post.\n\n{SIGNATURE}")
    assert first.signature == ""  # one message proves nothing
    second = learn(first, f"A second post.\nWith two lines.\n\n-- \n{SIGNATURE}")
    assert second.signature == SIGNATURE


def test_a_lone_repeated_courtesy_is_not_learned_as_a_signature():
    state = learn(learn(Signature(), "Sure.\n\nThanks!"), "Great.\n\nThanks!")
    assert state.signature == ""


def test_a_new_signature_replaces_the_old_one():
    state = Signature(signature=SIGNATURE, tail=f"x\n{SIGNATURE}")
    new = "Carol Example\nHead of Product, Example Inc"
    state = learn(learn(state, f"One.\n\n{new}"), f"Two.\n\n{new}")
    assert state.signature == new


def test_the_whole_message_is_never_learned_as_a_signature():
    state = learn(learn(Signature(), "Done.\nCarol"), "Done.\nCarol")
    assert state.signature == ""
