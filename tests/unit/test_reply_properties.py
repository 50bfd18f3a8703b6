"""Property: new text plus our sent message, quoted by any client template, comes back
as exactly the new text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community.incoming import ReplyContext, SentText
from mail.inbound.parse import parse_message
from tests.quoting import CLIENTS, LANGUAGES_OF, Original, Written

# Mail Kith sends, as its text part reads (post copy, prompt, check-in, digest).
SENT = {
    "post": (
        'Anne Example replied in "Goals for March":\n\nI want to ship the beta by Friday,\n'
        "and then take a long walk on the weekend.\n\n---\nReply to this email to answer in "
        "this conversation.\nTo start a new one, write to circle@kith.example"
    ),
    "commitment_prompt": (
        "THIS WEEK'S ROUND\n\nWhat is your one commitment for this week?\n\nHi Bart,\n\nA new "
        "week, a fresh start. What's the one thing you want to get done\nbefore the check-in? "
        "Small and specific works best: something you'll\nbe able to answer with a yes or a "
        "no.\n\nJust reply to this email with your one commitment.\nReply again to change it."
    ),
    "checkin_prompt": (
        "CHECK-IN TIME\n\nDid you do it?\n\nHi Bart, this week you committed to:\n\n    Finish "
        "the grant draft\n\nHow did it go? Whatever the answer, the group is glad you tried.\n\n"
        "Or reply to this email with a line or two about how it went."
    ),
    "digest": (
        "Morning Circle weekly: 2 conversations, round results\n\nGoals for March\n  Anne "
        "Example, Tue 09:12: I want to ship the beta by Friday.\n  Cleo Example, Tue 11:40: "
        "Good luck, tell us how it goes.\n\nThis week's round\n  Anne: Ship the beta (done)\n"
        "  Bart: Finish the grant draft (partly)"
    ),
}
_VOCABULARY = (
    "the a we it this that and but so then next week plan book walk run call team room "
    "tea coffee bring draft chapter outline garden friday monday evening morning early late "
    "great good fine thanks yes no maybe sure happy sorry busy ready done finished started "
    "tomorrow today again really very quite two three five ten minutes hours page notes idea "
    "kommen gern danke merci oui bien gracias claro grazie certo jag kommer tak"
)
WORDS = _VOCABULARY.split()

line = st.lists(st.sampled_from(WORDS), min_size=2, max_size=10).map(
    lambda words: " ".join(words).capitalize() + "."
)
paragraph = st.lists(line, min_size=1, max_size=3).map(tuple)
written = st.lists(paragraph, min_size=1, max_size=3).map(
    lambda paragraphs: Written(tuple(paragraphs))
)
client = st.sampled_from(
    [(name, language) for name in sorted(CLIENTS) for language in LANGUAGES_OF[name]]
)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(written=written, client=client, purpose=st.sampled_from(sorted(SENT)))
def test_new_text_plus_our_quoted_mail_gives_exactly_the_new_text(written, client, purpose):
    name, language = client
    original = Original("Morning Circle", "circle@kith.example", SENT[purpose])
    raw, expected = CLIENTS[name](written, original, language)
    context = ReplyContext(sent=(SentText(purpose, SENT[purpose]),))
    mail = parse_message(raw, our_domain="kith.example", context=context)
    assert _lines(mail.reply) == _lines(expected)


@settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(written=written, client=client)
def test_without_context_the_client_rules_alone_give_the_new_text(written, client):
    name, language = client
    original = Original("Anne Example", "anne@example.com", "Shall we meet on Thursday?\n\nAnne")
    raw, expected = CLIENTS[name](written, original, language)
    assert _lines(parse_message(raw, our_domain="kith.example").reply) == _lines(expected)


def _lines(text: str) -> list[str]:
    return [row.rstrip() for row in text.strip("\n").split("\n")]
