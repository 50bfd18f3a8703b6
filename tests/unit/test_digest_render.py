"""Rendering the weekly digest and the round prompts: content, escaping, speed, layout."""

from __future__ import annotations

import dataclasses
import re
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from community.addresses import ReplyToken, TokenKind, reply_address
from community.digests import DigestContent, DigestPost, DigestThread, RoundRow, RoundSummary
from community.models import Commitment, Community, Member, Round
from mail.outbound.digest import PLACEHOLDER, RenderedDigest, personalise, render_digest
from mail.outbound.render import render_html, render_text

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
ARTIFACTS = ROOT / "test-artifacts"
DOMAIN = "kith.example"
BASE = "https://circles.example"
SECRET = "test-secret"
MEMBER_ID = 7
PREFS = "https://circles.example/preferences/abc.def-ghi?x=1&y=2"
UNSUB = "https://circles.example/unsubscribe/abc.def-ghi?x=1&y=2"
NEXT_WEEK = (
    ("Commitment prompt", "Monday 9 March, 08:00"),
    ("Check-in", "Friday 13 March, 16:00"),
    ("Next digest", "Sunday 15 March, 17:00"),
)

SCRIPT = '<script>alert("x")</script>'
IMG = '<img src=x onerror="window.__pwned=1">'
EVE = "<b>Eve</b>"
ARABIC = "مرحبا بالجميع، هذا أسبوعي الأول في الدائرة وأنا سعيد جدا بوجودي هنا"
HEBREW = "שלום לכולם, השבוע סיימתי את הפרק הראשון"
LONG_WORD = "https://example.org/" + "a" * 280


def community(name: str = "Morning Circle") -> Community:
    return Community(
        name=name,
        slug="circle",
        description="",
        timezone="UTC",
        host_address="hana@example.com",
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
    )


def post(author: str, when: str, excerpt: str) -> DigestPost:
    return DigestPost(author=author, when=when, excerpt=excerpt)


def row(member_id: int, name: str, commitment: str, result: str, streak: int, reflection: str = ""):
    return RoundRow(member_id, name, commitment, result, reflection, streak)


def lively() -> DigestContent:
    threads = (
        DigestThread(
            17,
            "Anyone tried time-blocking with small kids at home?",
            new=True,
            unanswered=True,
            posts=(
                post(
                    "Bart",
                    "Thu 21:40",
                    "I keep planning deep-work blocks and then the day happens. Has anyone "
                    "found a rhythm that survives school runs and sick days?",
                ),
            ),
            more=0,
        ),
        DigestThread(
            21,
            "Stuck on my pricing page",
            new=True,
            unanswered=True,
            posts=(post("Chen", "Sat 10:05", "Three tiers or one? I've rewritten it four times."),),
            more=0,
        ),
        DigestThread(
            9,
            "Morning pages: week three",
            new=False,
            unanswered=False,
            posts=(
                post("Anne", "Mon 07:12", "Day 15 and it finally feels like a habit, not a chore."),
                post("Dana", "Tue 08:30", "Same here. Writing before my phone is the whole trick."),
                post("Bart", "Wed 06:58", "I moved mine to the evening and it stuck better."),
                post("Anne", "Fri 07:20", "Trying Bart's evening idea next week."),
            ),
            more=3,
        ),
        DigestThread(
            12,
            "Book club: Atomic Habits, chapter 4",
            new=True,
            unanswered=False,
            posts=(
                post("Hana", "Tue 19:00", "The 'make it obvious' chapter. What cue are you using?"),
                post("Eli", "Wed 12:45", "Shoes by the door. Embarrassingly effective."),
            ),
            more=0,
        ),
        DigestThread(
            14,
            "Wins of the week 🎉",
            new=False,
            unanswered=False,
            posts=(
                post("Dana", "Sat 16:20", "Shipped the newsletter! 412 subscribers on day one 🚀"),
                post("Chen", "Sun 09:10", "Congratulations, that's huge."),
            ),
            more=1,
        ),
    )
    rows = (
        row(
            1,
            "Anne",
            "Write morning pages five days out of seven",
            "done",
            5,
            "Easier than I feared.",
        ),
        row(2, "Dana", "Send the first newsletter", "done", 2, "Nervous, then thrilled."),
        row(
            3, "Bart", "Two deep-work blocks before noon", "partly", 1, "One of two, kids were ill."
        ),
        row(4, "Chen", "Finish the pricing page", "not_done", 0, "Overthought it. Again."),
        row(5, "Eli", "Walk 30 minutes a day", "unclear", 0, "Sort of?"),
        row(6, "Fran", "Read two chapters", "no_answer", 3),
        row(8, "Gus", "", "no_commitment", 0),
    )
    summary = RoundSummary(
        "2026-W10", "What is your one commitment for this week?", rows, 2, 1, 1, 2
    )
    return DigestContent(
        community_name="Morning Circle",
        slug="circle",
        week="2026-W10",
        period_label="1–8 March",
        threads=threads,
        round=summary,
        joined=("Dana", "Eli"),
        host_note="A warm welcome to Dana and Eli!\n\nNext week: bring one question for the group.",
        next_week=NEXT_WEEK,
        loop_paused=False,
        post_count=15,
        goes_out="Sunday 8 March, 17:00",
    )


def quiet() -> DigestContent:
    return DigestContent(
        community_name="Morning Circle",
        slug="circle",
        week="2026-W11",
        period_label="8 March – 15 March",
        threads=(),
        round=None,
        joined=(),
        host_note="",
        next_week=NEXT_WEEK[2:],
        loop_paused=True,
        post_count=0,
    )


def hostile() -> DigestContent:
    threads = (
        DigestThread(
            31,
            f'{SCRIPT} & "quotes"',
            new=True,
            unanswered=True,
            posts=(post(EVE, "Mon 09:00", f"{IMG} hello {SCRIPT} \"quoted\" & 'single'"),),
            more=0,
        ),
        DigestThread(
            32,
            f"{IMG} {ARABIC}",
            new=True,
            unanswered=False,
            posts=(
                post("سارة", "Tue 10:00", ARABIC),
                post("נועה", "Tue 11:00", HEBREW),
                post("Zoë 👩‍👩‍👧‍👦", "Wed 12:00", "🎉🔥💪🏽 " * 30),
                post(EVE, "Thu 13:00", LONG_WORD),
            ),
            more=12,
        ),
        DigestThread(
            33,
            "Mind the KITHPHUNSUBX and KITHPHREPLY31X tricks",
            new=False,
            unanswered=False,
            posts=(post("Mallory", "Fri 14:00", "Type KITHPHNAMEX or KITHPHPREFSX here."),),
            more=0,
        ),
    )
    rows = (
        row(1, EVE, f"</td></tr></table>{SCRIPT}", "done", 4, IMG),
        row(2, "سارة", ARABIC, "partly", 1, HEBREW),
        row(3, "Mallory", LONG_WORD, "not_done", 0, "x" * 600),
    )
    summary = RoundSummary("2026-W10", f"{SCRIPT} What will you do?", rows, 1, 1, 1, 0)
    return DigestContent(
        community_name='Tom & Jerry "<Club>"',
        slug="circle",
        week="2026-W10",
        period_label="1–8 March",
        threads=threads,
        round=summary,
        joined=(EVE, '"Mallory" <m@example.org>'),
        host_note=f'<a href="javascript:alert(1)">click</a>\n\n{SCRIPT}',
        next_week=NEXT_WEEK,
        loop_paused=False,
        post_count=20,
    )


CASES = {"lively": lively, "quiet": quiet, "hostile": hostile}


def render(case: str, preview: bool = False) -> RenderedDigest:
    content = CASES[case]()
    name = 'Tom & Jerry "<Club>"' if case == "hostile" else "Morning Circle"
    return render_digest(
        TEMPLATES, community(name), content, base_url=BASE, domain=DOMAIN, preview=preview
    )


def replies_for(content: DigestContent, member_id: int = MEMBER_ID) -> dict[int, str]:
    return {
        t.id: reply_address(SECRET, "circle", DOMAIN, ReplyToken(TokenKind.THREAD, member_id, t.id))
        for t in content.threads
    }


def personalised(case: str, name: str = "Anne", preview: bool = False) -> tuple[str, str]:
    return personalise(
        render(case, preview),
        name=name,
        preferences_url=PREFS,
        unsubscribe_url=UNSUB,
        reply_addresses=replies_for(CASES[case]()),
    )


def flat(text: str) -> str:
    return " ".join(text.split())


class Tags(HTMLParser):
    """Every tag and attribute in a document, for structural assertions."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def visible(html: str) -> str:
    return flat(" ".join(parse(html).text))


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    tags.close()
    return tags


# -- placeholders and personalisation ------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_placeholder_is_replaced_after_personalise(case):
    rendered = render(case)
    assert "KITHPHNAMEX" in rendered.html and "KITHPHUNSUBX" in rendered.text
    html, text = personalised(case)
    assert "KITHPH" not in html
    assert "KITHPH" not in text
    assert PREFS in text and UNSUB in text
    assert PREFS.replace("&", "&amp;") in html and UNSUB.replace("&", "&amp;") in html


def test_member_name_is_escaped_in_html_and_raw_in_text():
    html, text = personalised("lively", name=EVE)
    assert "Hi &lt;b&gt;Eve&lt;/b&gt;," in html
    assert EVE not in html
    assert f"Hi {EVE}," in text


def test_empty_name_gets_a_friendly_greeting():
    html, text = personalised("lively", name="  ")
    assert "Hi there," in text and "Hi there," in html


def test_reply_links_carry_the_members_address_and_an_encoded_subject():
    content = lively()
    addresses = replies_for(content)
    html, text = personalised("lively")
    hrefs = dict(re.findall(r'href="mailto:([^"?]+)\?subject=([^"]*)"', html))
    for thread in content.threads:
        mine = addresses[thread.id]
        assert mine.startswith("circle+t-")
        assert hrefs[mine] == quote(f"Re: {thread.subject}", safe="")
        assert unquote(hrefs[mine]) == f"Re: {thread.subject}"
        assert f"Reply: {mine}" in text


def test_a_thread_without_a_reply_address_falls_back_to_the_list():
    content = lively()
    addresses = replies_for(content)
    del addresses[21]
    html, text = personalise(
        render("lively"),
        name="Anne",
        preferences_url=PREFS,
        unsubscribe_url=UNSUB,
        reply_addresses=addresses,
    )
    assert (
        'href="mailto:circle@kith.example?subject=Re%3A%20Stuck%20on%20my%20pricing%20page"' in html
    )
    assert "Reply: circle@kith.example" in text


@pytest.mark.parametrize(
    "bad",
    [
        'x" onmouseover="alert(1)@kith.example',
        "circle+t@kith.example?cc=all@example.org",
        "not an address",
        "<circle@kith.example>",
        "",
    ],
)
def test_personalise_refuses_an_unsafe_reply_address(bad):
    addresses = replies_for(lively())
    addresses[17] = bad
    with pytest.raises(ValueError):
        personalise(
            render("lively"),
            name="Anne",
            preferences_url=PREFS,
            unsubscribe_url=UNSUB,
            reply_addresses=addresses,
        )


def test_words_that_look_like_placeholders_are_left_as_written():
    _, text = personalised("hostile")
    assert UNSUB not in text.split("-- \n")[0]  # only the footer carries the link
    assert "KITH\u2060PHUNSUBX" in text and "KITH\u2060PHNAMEX" in text
    assert text.count(UNSUB) == 1


def test_personalise_is_quick():
    rendered = render("lively")
    addresses = replies_for(lively())
    started = time.perf_counter()
    for n in range(2000):
        personalise(
            rendered,
            name=f"Member {n}",
            preferences_url=PREFS,
            unsubscribe_url=UNSUB,
            reply_addresses=addresses,
        )
    assert time.perf_counter() - started < 2.0


def test_placeholder_pattern_is_the_documented_one():
    assert PLACEHOLDER.pattern == r"KITHPH(NAME|PREFS|UNSUB|REPLY(\d+))X"


# -- escaping ------------------------------------------------------------------------


def test_hostile_content_never_reaches_the_html_unescaped():
    html, _ = personalised("hostile", name=EVE)
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<img" not in lowered
    assert "<b>eve</b>" not in lowered
    assert 'href="javascript' not in lowered
    assert "&lt;script&gt;" in html and "&lt;b&gt;Eve&lt;/b&gt;" in html
    doc = parse(html)
    for tag, attrs in doc.tags:
        assert tag not in {"script", "img", "iframe", "object", "embed"}
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        href = attrs.get("href")
        if href is not None:
            assert href.startswith(("https://", "mailto:")), href
    text = "".join(doc.text)
    assert SCRIPT in text and IMG in text  # shown to readers as the words they typed
    assert ARABIC in text and HEBREW in text


def test_hostile_text_part_keeps_the_words_as_written():
    _, text = personalised("hostile", name=EVE)
    assert SCRIPT in flat(text)
    assert ARABIC in flat(text)
    assert LONG_WORD in text  # never wrapped: a broken link is no link


def test_subject_and_preheader_are_plain_text():
    rendered = render("hostile")
    assert (
        rendered.subject
        == 'Tom & Jerry "<Club>" weekly: 3 conversations, round results, 2 new members'
    )
    assert "\n" not in rendered.preheader
    title = re.search(r"<title>(.*?)</title>", rendered.html, re.S)
    assert title and "&lt;Club&gt;" in title.group(1)


# -- content -------------------------------------------------------------------------


def test_lively_subject_and_preheader_say_what_is_inside():
    rendered = render("lively")
    assert (
        rendered.subject == "Morning Circle weekly: 5 conversations, round results, 2 new members"
    )
    assert rendered.preheader.startswith(
        "Waiting for a reply: “Anyone tried time-blocking with small kids at home?”."
    )
    assert "15 posts" in rendered.preheader and "5 of 7 checked in" in rendered.preheader


def test_preview_is_labelled_and_explains_how_to_add_a_note_or_skip():
    rendered = render("lively", preview=True)
    assert rendered.subject.startswith("[Preview] Morning Circle weekly:")
    for part in (flat(rendered.text), visible(rendered.html)):
        assert "preview of the digest going out on Sunday 8 March, 17:00" in part
        assert "skip" in part
    assert "preview" not in render("lively").text.lower()


def test_text_part_has_every_thread_the_round_and_what_comes_next():
    content = lively()
    _, text = personalised("lively")
    words = flat(text)
    for thread in content.threads:
        assert thread.subject in words
        for p in thread.posts:
            assert p.excerpt in words
    assert "(waiting for a reply)" in text
    assert "+ 3 more posts in this conversation" in text
    assert "2 done, 1 partly, 1 not yet, 2 no answer yet, 1 without a commitment" in text
    assert "* Anne: ✅ Done (streak 🔥 5)" in text
    assert "* Bart: 🟡 Partly (streak 1)" in text
    assert "* Chen: ❌ Not yet (streak 0)" in text
    assert "❔ Unclear" in text and "… No answer yet" in text and "— No commitment" in text
    assert "Say hello to Dana and Eli" in words
    assert "A warm welcome to Dana and Eli!" in text
    assert "* Check-in: Friday 13 March, 16:00" in text
    assert "circle@kith.example" in text


def test_the_hidden_posts_line_sits_under_the_opening_post_and_asks_for_the_thread():
    html, text = personalised("lively")
    opening, *latest = lively().threads[2].posts
    line = "+ 3 more posts in this conversation"
    page = visible(html)
    assert page.index(opening.excerpt) < page.index(line) < page.index(latest[0].excerpt)
    links = [a["href"] for tag, a in parse(html).tags if tag == "a"]
    (href,) = [h for h in links if "whole%20conversation%3A%20Morning%20pages" in h]
    assert href.startswith("mailto:circle-host@kith.example?subject=")
    assert "Morning pages: week three" in unquote(href.split("subject=", 1)[1])
    words = flat(text)
    assert words.index(opening.excerpt) < words.index(line) < words.index(latest[0].excerpt)
    assert f"{line}: ask circle-host@kith.example for the whole conversation" in words


@pytest.mark.parametrize("partly_counts", [False, True])
def test_the_round_says_in_one_line_what_a_streak_is(partly_counts):
    content = lively()
    content = dataclasses.replace(
        content, round=dataclasses.replace(content.round, partly_counts=partly_counts)
    )
    rendered = render_digest(TEMPLATES, community(), content, base_url=BASE, domain=DOMAIN)
    did = "did (or partly did)" if partly_counts else "did"
    rule = f"A streak counts the rounds in a row in which someone {did} what they committed to"
    for part in (flat(rendered.text), visible(rendered.html)):
        assert f"{rule}; a week on pause doesn't break it." in part
        assert part.count("A streak counts") == 1


@pytest.mark.parametrize(
    ("first", "last", "label"),
    [
        ((2026, 12, 1), (2026, 12, 6), "1–6 December"),
        ((2026, 11, 28), (2026, 12, 4), "28 November – 4 December"),
        ((2026, 12, 29), (2027, 1, 4), "29 December 2026 – 4 January 2027"),
        ((2026, 12, 6), (2026, 12, 6), "6 December"),
    ],
)
def test_the_digests_period_reads_as_a_natural_range(first, last, label):
    from datetime import date

    from community.digests import date_range

    assert date_range(date(*first), date(*last)) == label


def test_text_lines_stay_short_except_unbreakable_words():
    for case in CASES:
        _, text = personalised(case)
        for line in text.splitlines():
            if len(line) > 78:
                assert "@" in line or "://" in line or max(map(len, line.split())) > 40, line


def test_html_has_the_sections_and_the_round_labels():
    html, _ = personalised("lively")
    for words in (
        "1–8 March",
        "A note from your host",
        "Conversations",
        "Waiting for a reply",
        "Be the first to reply",
        "This week's round",
        "🔥 5",
        "❌ Not yet",
        "New faces",
        "Coming up",
        "Start a new conversation",
        'href="mailto:circle@kith.example"',
    ):
        assert words in html, words
    # Gmail clips messages over 102 KB, hiding the footer with the unsubscribe link.
    assert len(html.encode()) < 100_000


def test_a_huge_week_stays_under_gmails_clipping_limit():
    """Past ~102 KB Gmail hides the rest of the HTML, unsubscribe link included."""
    busy = DigestThread(
        0, "A busy conversation " * 4, True, False, (post("Someone", "Tue", "word " * 64),) * 4, 9
    )
    threads = tuple(dataclasses.replace(busy, id=100 + n) for n in range(40))
    long_row = row(0, "Member", "commit " * 60, "partly", 3, "reflect " * 60)
    rows = tuple(dataclasses.replace(long_row, member_id=n) for n in range(30))
    content = dataclasses.replace(
        lively(), threads=threads, round=dataclasses.replace(lively().round, rows=rows)
    )
    rendered = render_digest(TEMPLATES, community(), content, base_url=BASE, domain=DOMAIN)
    html, text = personalise(
        rendered,
        name="Anne",
        preferences_url=PREFS,
        unsubscribe_url=UNSUB,
        reply_addresses=replies_for(content),
    )
    assert len(html.encode()) < 100_000
    assert "More conversations this week" in html
    for thread in threads:  # every conversation can still be answered from either part
        mine = replies_for(content)[thread.id]
        assert f"mailto:{mine}?subject=" in html and f"Reply: {mine}" in text


def test_quiet_week_is_short_warm_and_not_empty():
    rendered = render("quiet")
    assert rendered.subject == "Morning Circle weekly: a quiet week"
    html, text = personalised("quiet")
    words = flat(text)
    assert "quiet week" in words and "Start" not in words.split("Coming up")[0]
    assert "Write to circle@kith.example" in words
    assert "COMING UP" in text and "Next digest: Sunday 15 March, 17:00" in text
    assert "round is paused" in words
    assert "CONVERSATIONS" not in text and "THIS WEEK'S ROUND" not in text
    assert "Start a conversation" in html
    assert len(text) < len(personalised("lively")[1]) / 2
    body = text.split("-- \n")[0]
    assert 300 < len(body) < 1200


def test_quiet_week_with_a_host_note_says_so():
    content = quiet()
    content = DigestContent(**{**content.__dict__, "host_note": "Back from holiday!"})
    rendered = render_digest(TEMPLATES, community(), content, base_url=BASE, domain=DOMAIN)
    assert rendered.subject == "Morning Circle weekly: a quiet week and a note from the host"
    assert "Back from holiday!" in rendered.text and "Back from holiday!" in rendered.html


# -- the round prompts ----------------------------------------------------------------


def prompt_context(**extra) -> dict:
    member = Member(display_name=EVE, address="eve@example.com")
    rnd = Round(
        week="2026-W11",
        commitment_question="What is your one commitment for this week?",
        checkin_question="Did you do it?",
    )
    return {
        "community": community(),
        "member": member,
        "round": rnd,
        "subject": "t",
        "community_url": f"{BASE}/c/circle",
        "list_address": "circle@kith.example",
        "host_address": "circle-host@kith.example",
        "preferences_url": PREFS,
        "unsubscribe_url": UNSUB,
        **extra,
    }


@pytest.mark.parametrize("stem", ["commitment_prompt", "commitment_reminder"])
def test_commitment_mails_ask_for_a_reply_and_explain_pausing(stem):
    context = prompt_context(previous=SCRIPT, checkin_when="Friday 13 March, 16:00")
    text = render_text(TEMPLATES, stem, context)
    html = render_html(TEMPLATES, stem, context)
    for part in (flat(text), flat(html)):
        assert "What is your one commitment for this week?" in part
        assert "reply to this email with your one commitment" in part.lower()
        assert "Reply again to change it." in part
        assert "Friday 13 March, 16:00" in part
    assert f"Hi {EVE}," in text and SCRIPT in text
    assert "<script" not in html and "&lt;b&gt;Eve&lt;/b&gt;" in html
    assert 'Reply "pause" (or "pause until 12 April")' in flat(text)
    assert PREFS.replace("&", "&amp;") in html and PREFS in text
    no_previous = render_text(TEMPLATES, stem, {**context, "previous": ""})
    assert "Last week you committed to" not in no_previous


@pytest.mark.parametrize("stem", ["checkin_prompt", "checkin_reminder"])
def test_checkin_mails_quote_the_commitment_and_offer_three_answers(stem):
    urls = {
        f"{name}_url": f"{BASE}/checkin/tok?a={name}&b=1" for name in ("done", "partly", "not_done")
    }
    context = prompt_context(commitment=Commitment(text=f"Ship it {SCRIPT}"), **urls)
    text = render_text(TEMPLATES, stem, context)
    html = render_html(TEMPLATES, stem, context)
    for url in urls.values():
        assert url in text
        assert url.replace("&", "&amp;") in html
    assert f"Ship it {SCRIPT}" in text and "<script" not in html
    for label in ("Done", "Partly", "Not yet"):
        assert label in html and label in text
    assert "reply to this email with a line or two about how it went" in flat(text).lower()
    assert "confirm" in flat(html)
    if stem == "checkin_prompt":
        assert "Did you do it?" in text and "Did you do it?" in html


@pytest.mark.parametrize("stem", ["checkin_prompt", "checkin_reminder"])
def test_checkin_mails_still_read_well_without_a_commitment(stem):
    urls = {f"{name}_url": f"{BASE}/checkin/{name}" for name in ("done", "partly", "not_done")}
    context = prompt_context(commitment=None, **urls)
    text = render_text(TEMPLATES, stem, context)
    html = render_html(TEMPLATES, stem, context)
    assert "committed to" not in text and "committed to" not in html
    assert f"{BASE}/checkin/done" in text and f"{BASE}/checkin/done" in html


# -- in a real browser ---------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 600])
@pytest.mark.parametrize("case", ["lively", "hostile", "quiet"])
def test_digest_fits_phone_and_desktop_widths(browser, case, width):
    html, _ = personalised(case, name=EVE if case == "hostile" else "Anne")
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.set_content(html)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"digest-{case}-{width}.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width + 1, f"{case} overflows at {width}px: {scroll_width}px"
        assert page.evaluate("window.__pwned === undefined")
    finally:
        page.close()
