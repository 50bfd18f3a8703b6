"""Search over a community's posts, on the suite's database: FTS5 on SQLite, tsvector on
PostgreSQL (CI runs this file on both; every assertion holds on either)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from community import search, threads
from community.db import transaction
from community.models import Community, Member, Post, Thread

from ..helpers import uow

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def circle(make_community, sessions):
    make_community("circle", host_name="Hana Host")
    make_community("other", name="Other Circle", host_address="olga@example.org")

    def post(body, *, slug="circle", author="Carol Danvers", address="carol@example.com", at=0):
        with transaction(sessions) as session:
            community = session.query(Community).filter_by(slug=slug).one()
            unit = uow(session, T0 + timedelta(hours=at))
            thread = threads.start_thread(unit, community, f"About {body[:20]}", None)
            created = threads.add_post(
                unit,
                thread,
                author=None,
                author_name=author,
                author_address=address,
                body=body,
                full_text=body + "\n\n> quoted history",
                message_id=None,
                in_reply_to=None,
                inbound_id=None,
            )
            return created.id

    return post


def find(sessions, query, slug="circle", **kwargs):
    with transaction(sessions, read_only=True) as session:
        community = session.query(Community).filter_by(slug=slug).one()
        return search.search_posts(session, community, query, **kwargs)


def ids(results):
    return [h.post_id for h in results.hits]


def test_every_word_must_appear_case_insensitively(circle, sessions):
    both = circle("The timer trick helped me write every morning.")
    circle("A timer on the desk.")
    circle("Nothing about clocks here.")
    assert ids(find(sessions, "TIMER trick")) == [both]
    assert find(sessions, "sundial").hits == ()


def test_a_phrase_needs_its_words_in_order(circle, sessions):
    phrase = circle("I swear by the timer trick now.", at=1)
    apart = circle("The trick is a timer, and then the trick again.", at=2)
    assert ids(find(sessions, '"timer trick"')) == [phrase]
    assert set(ids(find(sessions, "timer trick"))) == {phrase, apart}


def test_relevance_first_then_the_newest(circle, sessions):
    once_old = circle("Walking helps. Then lunch, then work, then sleep.", at=1)
    often = circle("Walking, walking, walking: walking is what keeps me sane.", at=2)
    once_new = circle("Walking helps. Then lunch, then work, then sleep.", at=3)
    found = ids(find(sessions, "walking"))
    assert found[0] == often
    assert found[1:] == [once_new, once_old]  # same text, same score: newest first


def test_from_filters_by_name_word_or_address(circle, sessions):
    carol = circle("My goal this week: ship the draft.")
    circle("My goal this week: rest.", author="Bart Simpson", address="bart@example.org")
    dee = circle("My goal: draft again.", author="Dee Carolan", address="dee@example.net")
    assert set(ids(find(sessions, "goal from:carol"))) == {carol, dee}  # Carol…, …Carolan
    assert ids(find(sessions, "goal from:CAROL@")) == [carol]
    assert ids(find(sessions, "from:bart rest"))
    assert find(sessions, "from:nobody goal").hits == ()
    # Only an author: their posts, newest first, opening words as the snippet.
    only = find(sessions, "from:dee")
    assert ids(only) == [dee] and only.hits[0].snippet[0].text.startswith("My goal")


def test_snippet_marks_the_matched_words_and_keeps_markup_as_text(circle, sessions):
    hit_body = "Before <b>bold</b> & after: the <script>timer</script> trick works."
    circle(hit_body)
    (hit,) = find(sessions, "timer trick").hits
    marked = [s.text.lower() for s in hit.snippet if s.marked]
    assert marked and set(marked) <= {"timer", "trick"}
    whole = "".join(s.text for s in hit.snippet)
    assert search.START not in whole and search.STOP not in whole
    # Plain text for the page to escape (PostgreSQL's ts_headline leaves tags out).
    assert set(search.words_of(whole)) <= set(search.words_of(hit_body))


def test_only_the_communitys_own_posts(circle, sessions):
    mine = circle("Sourdough starter update.")
    circle("Sourdough starter update.", slug="other")
    assert ids(find(sessions, "sourdough")) == [mine]


def test_the_index_moves_in_the_same_transaction_as_the_post(circle, sessions):
    circle("Seed post.")
    session = sessions()
    try:
        community = session.query(Community).filter_by(slug="circle").one()
        unit = uow(session, T0)
        thread = threads.start_thread(unit, community, "New", None)
        post = threads.add_post(
            unit,
            thread,
            author=None,
            author_name="Anne",
            author_address="anne@example.com",
            body="Zucchini overload this summer.",
            full_text="Zucchini overload this summer.",
            message_id=None,
            in_reply_to=None,
            inbound_id=None,
        )
        seen = search.search_posts(session, community, "zucchini")
        assert [h.post_id for h in seen.hits] == [post.id]  # before any commit
        session.rollback()
    finally:
        session.close()
    assert find(sessions, "zucchini").hits == ()  # rolled back with the post


def test_deleted_posts_leave_the_index(circle, sessions):
    gone = circle("Marmalade recipe.")
    with transaction(sessions) as session:
        thread_id = session.get(Post, gone).thread_id
        session.execute(delete(Thread).where(Thread.id == thread_id))  # cascades to posts
    assert find(sessions, "marmalade").hits == ()


def test_pages_follow_one_another(circle, sessions):
    made = [circle(f"Habit note number {i}.", at=i) for i in range(5)]
    first = find(sessions, "habit", limit=2)
    second = find(sessions, "habit", limit=2, offset=2)
    third = find(sessions, "habit", limit=2, offset=4)
    assert first.more and second.more and not third.more
    assert ids(first) + ids(second) + ids(third) == made[::-1]


@pytest.mark.parametrize(
    "raw",
    ['"', '""', "***", "from:", "NEAR(a b)", "a OR b AND NOT c", "^x", "col:val", "'; DROP", "–"],
)
def test_odd_queries_never_fail(circle, sessions, raw):
    circle("a b c val x drop")
    results = find(sessions, raw)  # no syntax error reaches the reader
    assert isinstance(results.hits, tuple)


def test_search_does_not_depend_on_membership_rows(circle, sessions):
    """Posts stay findable after their author left (author_id is kept or nulled)."""
    kept = circle("Gratitude list.")
    with transaction(sessions) as session:
        assert session.query(Member).count() >= 2
    assert ids(find(sessions, "gratitude")) == [kept]


def test_addresses_urls_and_joined_words_are_found_by_their_parts(circle, sessions):
    """PostgreSQL's parser keeps 'carol@example.com' or 'e-mail' whole; FTS5 splits them.
    Both databases must answer alike."""
    post = circle("Mail carol@example.com or see https://example.org/timer-trick v1.2 <b>now</b>")
    for query in ("example", "carol", "timer trick", '"timer trick"', "org", "now", "v1"):
        assert ids(find(sessions, query)) == [post], query
