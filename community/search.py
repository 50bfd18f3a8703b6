"""Searching a community's posts: one function over PostgreSQL full-text search and
SQLite FTS5 (migration 0010_archive keeps both indexes in step with `posts.body`).

A query is words (all must appear), "quoted phrases" (in that order) and `from:name`
filters (the author's address or a word of their name starts with it). Results are
ranked by relevance, then the newest first, and carry a snippet with the matched words
marked. Both indexes split words the same way and neither stems, so the same query
finds the same posts on either database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, column, func, literal_column, or_, select, table, text
from sqlalchemy.orm import Session

from .models import Community, Post, Thread

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
PAGE_SIZE = 20
SNIPPET_WORDS = 16
# Marks around matched words in snippets: control characters, which stored text never
# holds (threads.clean_text removes them), so they cannot be forged by a post.
START, STOP = "\x02", "\x03"
ELLIPSIS = "…"
FTS5 = table("posts_search", column("rowid"), column("rank"))
_TOKEN = re.compile(r'(?i)(from:)?(?:"([^"]*)"?|(\S+))')


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: what must match, and whose posts to look in."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    authors: tuple[str, ...] = ()  # lower-cased prefixes, any of them

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def is_empty(self) -> bool:
        return not (self.has_text or self.authors)

    @property
    def highlight(self) -> tuple[str, ...]:
        return self.words + tuple(w for p in self.phrases for w in p)


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool  # a matched word


@dataclass(frozen=True)
class Hit:
    post_id: int
    thread_id: int
    subject: str
    author_name: str
    created_at: datetime
    snippet: tuple[Segment, ...]


@dataclass(frozen=True)
class SearchResults:
    query: SearchQuery
    hits: tuple[Hit, ...]
    more: bool  # another page follows
    offset: int


def words_of(text: str) -> list[str]:
    """Words as both indexes see them: runs of letters and digits, lower-cased."""
    return [w.lower() for w in re.findall(r"[^\W_]+", text)]


def parse_query(raw: str) -> SearchQuery:
    """Read what a person typed. Never raises: what is not a word is ignored."""
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    authors: list[str] = []
    for match in _TOKEN.finditer(raw[:MAX_QUERY_CHARS]):
        is_from, quoted, bare = match.group(1), match.group(2), match.group(3)
        if is_from:
            name = (quoted if quoted is not None else bare or "").strip().lower()
            if name and len(authors) < MAX_TERMS:
                authors.append(name)
            continue
        found = words_of(quoted if quoted is not None else bare or "")
        if quoted is not None and len(found) > 1:
            phrases.append(tuple(found))
        else:
            words.extend(found)
    unique_words = tuple(dict.fromkeys(words))[:MAX_TERMS]
    unique_phrases = tuple(dict.fromkeys(phrases))[:MAX_TERMS]
    return SearchQuery(unique_words, unique_phrases, tuple(dict.fromkeys(authors)))


def search_posts(
    session: Session,
    community: Community,
    query: SearchQuery | str,
    *,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> SearchResults:
    """One page of the community's posts matching `query`, best first.

    Snippets are made for the page's posts only (ts_headline and snippet() read the
    whole text; a page needs twenty, not every match): on PostgreSQL by an outer query
    around the ranked page, on SQLite by a second query for the page's ids.
    """
    parsed = parse_query(query) if isinstance(query, str) else query
    if parsed.is_empty:
        return SearchResults(parsed, (), False, offset)
    dialect = session.get_bind().dialect.name
    ranked = _ranked(dialect, community, parsed).limit(limit + 1).offset(offset)
    snippets: dict[int, tuple[Segment, ...]]
    if dialect == "postgresql" and parsed.has_text:
        rows, snippets = _ranked_with_headlines(session, ranked, parsed)
    else:
        rows = list(session.execute(ranked).all())
        snippets = _snippets(session, dialect, parsed, [row.id for row in rows[:limit]])
    page = rows[:limit]
    hits = tuple(
        Hit(
            post_id=row.id,
            thread_id=row.thread_id,
            subject=row.subject,
            author_name=row.author_name,
            created_at=row.created_at,
            snippet=snippets.get(row.id) or _opening(row.body),
        )
        for row in page
    )
    return SearchResults(parsed, hits, len(rows) > limit, offset)


# -- the ranked page -------------------------------------------------------------------


# post id, thread id, author, created, body, thread subject
_Page = Select[int, int, str, datetime, str, str]


def _base(community: Community, parsed: SearchQuery) -> _Page:
    query = (
        select(
            Post.id,
            Post.thread_id,
            Post.author_name,
            Post.created_at,
            Post.body,
            Thread.subject,
        )
        .join(Thread, Thread.id == Post.thread_id)
        .where(Thread.community_id == community.id)
    )
    if parsed.authors:
        query = query.where(or_(*(_by_author(a) for a in parsed.authors)))
    return query


def _by_author(prefix: str) -> Any:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(
        func.lower(Post.author_address).like(f"{escaped}%", escape="\\"),
        func.lower(Post.author_name).like(f"{escaped}%", escape="\\"),
        func.lower(Post.author_name).like(f"% {escaped}%", escape="\\"),
    )


def _ranked(dialect: str, community: Community, parsed: SearchQuery) -> Any:
    query = _base(community, parsed)
    newest = (Post.created_at.desc(), Post.id.desc())
    if not parsed.has_text:
        return query.order_by(*newest)
    if dialect == "postgresql":
        tsquery = pg_tsquery(parsed)
        vector: Any = literal_column("posts.search_vector")
        rank = func.ts_rank(vector, tsquery)
        return (
            query.add_columns(rank.label("rank"))
            .where(vector.op("@@")(tsquery))
            .order_by(rank.desc(), *newest)
        )
    if dialect == "sqlite":
        # FTS5's `rank` is bm25(), smaller for better matches.
        return (
            query.join(FTS5, FTS5.c.rowid == Post.id)
            .where(text("posts_search MATCH :m").bindparams(m=fts5_match(parsed)))
            .order_by(FTS5.c.rank, *newest)
        )
    raise NotImplementedError(f"no full-text search on {dialect}")


def fts5_match(parsed: SearchQuery) -> str:
    """The FTS5 MATCH expression: every word and phrase as a quoted string (so no
    character a person types is FTS5 syntax), implicitly ANDed."""
    items = [*parsed.words, *(" ".join(p) for p in parsed.phrases)]
    return " ".join('"' + item.replace('"', '""') + '"' for item in items)


def pg_tsquery(parsed: SearchQuery) -> Any:
    """The tsquery: the words ANDed, each phrase as word <-> word, all ANDed.

    Built from plainto_tsquery and phraseto_tsquery, which read any text without
    syntax errors, with the 'simple' configuration the index was built with.
    """
    parts: list[Any] = []
    if parsed.words:
        parts.append(func.plainto_tsquery(_simple(), bindparam(None, " ".join(parsed.words))))
    for phrase in parsed.phrases:
        parts.append(func.phraseto_tsquery(_simple(), bindparam(None, " ".join(phrase))))
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.op("&&")(part)
    return combined


def _simple() -> Any:
    return literal_column("'simple'::regconfig")


# -- snippets ---------------------------------------------------------------------------


def _snippets(
    session: Session, dialect: str, parsed: SearchQuery, ids: list[int]
) -> dict[int, tuple[Segment, ...]]:
    if not ids or not parsed.has_text:
        return {}
    if dialect == "postgresql":
        query = select(
            Post.id,
            func.ts_headline(_simple(), Post.body, pg_tsquery(parsed), _headline_options()),
        ).where(Post.id.in_(ids))
        return {pid: split_marks(headline) for pid, headline in session.execute(query).all()}
    rows = session.execute(
        text(
            "SELECT rowid, snippet(posts_search, 0, :start, :stop, :dots, :words) "
            "FROM posts_search WHERE posts_search MATCH :m AND rowid IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        {
            "start": START,
            "stop": STOP,
            "dots": ELLIPSIS,
            "words": SNIPPET_WORDS,
            "m": fts5_match(parsed),
            "ids": ids,
        },
    ).all()
    return {pid: split_marks(snippet) for pid, snippet in rows}


def _headline_options() -> str:
    return (
        f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords=6, "
        f"MaxFragments=2, FragmentDelimiter={ELLIPSIS}"
    )


def _ranked_with_headlines(
    session: Session, ranked: Any, parsed: SearchQuery
) -> tuple[list[Any], dict[int, tuple[Segment, ...]]]:
    """The ranked page and its headlines in one statement: ts_headline runs in an outer
    query over the page's rows only, which keeps the inner order."""
    inner = ranked.subquery()
    headline = func.ts_headline(_simple(), inner.c.body, pg_tsquery(parsed), _headline_options())
    rows = session.execute(
        select(inner, headline.label("headline")).order_by(
            inner.c.rank.desc(), inner.c.created_at.desc(), inner.c.id.desc()
        )
    ).all()
    return list(rows), {row.id: split_marks(row.headline) for row in rows}


def split_marks(marked: str) -> tuple[Segment, ...]:
    """A snippet with START/STOP marks as segments, so pages escape the text and mark
    the words without ever trusting markup from the database."""
    segments: list[Segment] = []
    for i, piece in enumerate(re.split(f"[{START}{STOP}]", marked)):
        if piece:
            segments.append(Segment(piece, marked=i % 2 == 1))
    return tuple(segments)


def _opening(body: str) -> tuple[Segment, ...]:
    words = body.split()
    shown = " ".join(words[: SNIPPET_WORDS * 2])
    return (Segment(shown + (f" {ELLIPSIS}" if len(words) > SNIPPET_WORDS * 2 else ""), False),)
