"""The weekly digest: rendered once per community and week, personalised per member."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import escape

from community.addresses import host_contact_address, list_address
from community.digests import DigestContent, DigestThread, RoundSummary
from community.links import community_url, thread_url
from community.models import Community

from .render import render_html, render_text

STEM = "digest"

# Placeholders are plain ASCII words, so Jinja's escaping and MJML leave them alone.
NAME = "KITHPHNAMEX"
PREFS = "KITHPHPREFSX"
UNSUB = "KITHPHUNSUBX"
PLACEHOLDER = re.compile(r"KITHPH(NAME|PREFS|UNSUB|REPLY(\d+))X")
_PREFIX = "KITHPH"
# A word joiner (U+2060) splits the prefix invisibly wherever members typed it themselves,
# so their words are never mistaken for a placeholder and swapped for a reader's links.
_DEFUSED = "KITH\u2060PH"

# Reply addresses go into a mailto: href unescaped, so only plain ones are let through:
# our own reply addresses (`slug+t-1f-2k-mac@domain`) and list addresses always match.
_ADDRESS = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9._+=-]{0,62}[A-Za-z0-9])?"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)

RESULT_LABELS = {
    "done": "✅ Done",
    "partly": "🟡 Partly",
    "not_done": "❌ Not yet",
    "unclear": "❔ Unclear",
    "no_answer": "… No answer yet",
    "no_commitment": "— No commitment",
}

_SUBJECT_IN_PREHEADER = 60
# Conversations shown in full in the HTML part; the rest get one line each. Gmail clips
# HTML past ~102 KB and hides what follows, the unsubscribe link included; a full
# conversation costs ~5 KB of markup, a one-line entry ~0.5 KB.
FEATURED_THREADS = 6


@dataclass(frozen=True)
class RenderedDigest:
    """One community's digest for one week, with placeholders where each reader differs."""

    subject: str
    html: str  # full HTML with placeholders
    text: str  # plain-text alternative with placeholders
    preheader: str
    fallback_reply: str = ""  # the list address: where replies go for unknown thread ids


def reply_placeholder(thread_id: int) -> str:
    return f"KITHPHREPLY{thread_id}X"


def render_digest(
    templates_path: Path,
    community: Community,
    content: DigestContent,
    *,
    base_url: str,
    domain: str,
    preview: bool = False,
) -> RenderedDigest:
    """Render both parts of the digest once; `personalise` then makes each member's copy.

    `preview` renders the host's copy: a "[Preview]" subject and a banner explaining how
    to add a note or skip the week.
    """
    content = _defused(content)
    safe_community = _Defused(community)
    subject = digest_subject(content, preview=preview)
    preheader = digest_preheader(content)
    to_list = list_address(community.slug, domain)
    context: dict[str, Any] = {
        "digest": content,
        "featured": content.threads[:FEATURED_THREADS],
        "also": content.threads[FEATURED_THREADS:],
        "community": safe_community,
        "subject": subject,
        "preheader": preheader,
        "community_url": community_url(base_url, community.slug),
        "list_address": to_list,
        "host_address": host_contact_address(community.slug, domain),
        "preferences_url": PREFS,
        "unsubscribe_url": UNSUB,
        "member_name": NAME,
        "preview": preview,
        "intro": digest_intro(content),
        "reply_href": _reply_href,
        "more_link": partial(more_link, base_url=base_url, slug=community.slug),
        "thread_url": lambda thread: thread_url(base_url, community.slug, thread.id),
        "reply_address": lambda thread: reply_placeholder(thread.id),
        "new_thread_href": f"mailto:{to_list}",
        "result_label": result_label,
        "streak_label": streak_label,
        "round_line": round_line,
        "streak_rule": streak_rule,
        "names": names,
        "plural": plural,
    }
    return RenderedDigest(
        subject=subject,
        html=render_html(templates_path, STEM, context),
        text=render_text(templates_path, STEM, context),
        preheader=preheader,
        fallback_reply=to_list,
    )


def personalise(
    rendered: RenderedDigest,
    *,
    name: str,
    preferences_url: str,
    unsubscribe_url: str,
    reply_addresses: Mapping[int, str],
) -> tuple[str, str]:
    """(html, text) for one member: placeholders replaced in one pass per part.

    `reply_addresses` maps thread ids to this member's signed reply address; a thread
    missing from it gets the list address instead, so a reply still reaches the group.
    Raises ValueError if a reply address that would be used is not a plain address.
    """
    name = name.strip() or "there"
    checked: dict[str, str] = {}

    def address(thread_id: str) -> str:
        found = checked.get(thread_id)
        if found is None:
            found = reply_addresses.get(int(thread_id))
            if found is None:
                found = rendered.fallback_reply
            if not _ADDRESS.fullmatch(found):
                raise ValueError(f"unsafe reply address for thread {thread_id}: {found!r}")
            checked[thread_id] = found
        return found

    html_values = {"NAME": str(escape(name)), "PREFS": str(escape(preferences_url))}
    html_values["UNSUB"] = str(escape(unsubscribe_url))
    text_values = {"NAME": name, "PREFS": preferences_url, "UNSUB": unsubscribe_url}

    def in_html(match: re.Match[str]) -> str:
        thread_id = match.group(2)
        return address(thread_id) if thread_id else html_values[match.group(1)]

    def in_text(match: re.Match[str]) -> str:
        thread_id = match.group(2)
        return address(thread_id) if thread_id else text_values[match.group(1)]

    return PLACEHOLDER.sub(in_html, rendered.html), PLACEHOLDER.sub(in_text, rendered.text)


# -- words ---------------------------------------------------------------------------


def digest_subject(content: DigestContent, *, preview: bool = False) -> str:
    """The subject line, e.g. "Morning Circle weekly: 5 conversations, round results"."""
    parts = []
    if content.threads:
        parts.append(plural(len(content.threads), "conversation"))
    if content.round is not None:
        parts.append("round results")
    if content.joined:
        parts.append(plural(len(content.joined), "new member"))
    if content.returned:
        parts.append(plural(len(content.returned), "member") + " back")
    if not parts:
        parts.append(
            "a quiet week and a note from the host" if content.host_note else "a quiet week"
        )
    subject = f"{content.community_name} weekly: {', '.join(parts)}"
    return f"[Preview] {subject}" if preview else subject


def digest_intro(content: DigestContent) -> str:
    """The sentence under the greeting: what the week held, and where a reply helps."""
    held = []
    if content.threads:
        posts = plural(content.post_count, "post")
        held.append(f"{posts} in {plural(len(content.threads), 'conversation')}")
    if content.round is not None:
        held.append("how everyone got on with their commitments")
    if content.joined:
        held.append(plural(len(content.joined), "new face"))
    if content.returned:
        held.append(plural(len(content.returned), "familiar face") + " back")
    if not held:
        return f"It's been a quiet week in {content.community_name}."
    intro = f"Here's your week in {content.community_name}: {names(held)}."
    waiting = sum(1 for t in content.threads if t.unanswered)
    if waiting == 1:
        intro += " One conversation is still waiting for a reply: maybe you can help."
    elif waiting:
        count = _sentence(_WORDS.get(waiting, str(waiting)))
        intro += f" {count} conversations are still waiting for a reply: maybe you can help."
    return intro


_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


def digest_preheader(content: DigestContent) -> str:
    """One line for the inbox list: what most needs a reader, then the counts."""
    waiting = [t for t in content.threads if t.unanswered]
    lead = ""
    if waiting:
        lead = f"Waiting for a reply: “{_shorten(waiting[0].subject)}”. "
    elif content.threads:
        lead = f"Talked about: “{_shorten(content.threads[0].subject)}”. "
    counts = []
    if content.threads:
        counts.append(plural(content.post_count, "post"))
        counts.append(plural(len(content.threads), "conversation"))
    if content.round is not None:
        answered = sum(1 for r in content.round.rows if r.result not in _SILENT)
        counts.append(f"{answered} of {len(content.round.rows)} checked in")
    if content.joined:
        counts.append(plural(len(content.joined), "new member"))
    if content.returned:
        counts.append(plural(len(content.returned), "member") + " back")
    if not counts:
        return "A quiet week in the circle, and what's coming up next."
    return lead + _sentence(", ".join(counts)) + "."


_SILENT = ("no_answer", "no_commitment")


def result_label(code: str) -> str:
    return RESULT_LABELS.get(code, code.replace("_", " ").capitalize())


def streak_label(streak: int) -> str:
    """Weeks in a row; two or more earn a flame."""
    return f"🔥 {streak}" if streak >= 2 else str(streak)


def streak_rule(summary: RoundSummary) -> str:
    """What a streak means, in one line under the round."""
    did = "did (or partly did)" if summary.partly_counts else "did"
    return (
        f"A streak counts the rounds in a row in which someone {did} what they committed to;"
        " a week on pause doesn't break it."
    )


def round_line(summary: RoundSummary) -> str:
    """The round in one line, e.g. "3 done, 1 partly, 2 no answer yet" (zeros left out)."""
    without = sum(1 for r in summary.rows if r.result == "no_commitment")
    parts = [
        (summary.done, "done"),
        (summary.partly, "partly"),
        (summary.not_done, "not yet"),
        (summary.no_answer, "no answer yet"),
        (without, "without a commitment"),
    ]
    line = ", ".join(f"{n} {what}" for n, what in parts if n)
    return line or "Nobody took part this week"


def names(people: tuple[str, ...] | list[str]) -> str:
    """A list of names as a person would write it: "Anne, Bart and Chen"."""
    if len(people) <= 1:
        return "".join(people)
    return ", ".join(people[:-1]) + " and " + people[-1]


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _SUBJECT_IN_PREHEADER:
        return text
    return text[: _SUBJECT_IN_PREHEADER - 1].rstrip() + "…"


@dataclass(frozen=True)
class MoreLink:
    """Where a reader finds the posts of a conversation the digest left out."""

    href: str  # for the HTML part
    text: str  # for the plain-text part: what to do, in words


def more_link(thread: DigestThread, *, base_url: str, slug: str) -> MoreLink:
    """The "+ N more" link: the thread's page in the members' archive (which asks a
    reader who is not signed in for their address and leads back there); this is the
    one place that decides."""
    url = thread_url(base_url, slug, thread.id)
    return MoreLink(url, f"read it in the archive, {url}")


def _reply_href(thread: DigestThread) -> str:
    subject = quote("Re: " + " ".join(thread.subject.split()), safe="")
    return f"mailto:{reply_placeholder(thread.id)}?subject={subject}"


# -- keeping members' words out of the placeholder namespace --------------------------


def _defused(value: Any) -> Any:
    """A copy of digest content in which no member-written text looks like a placeholder."""
    if isinstance(value, str):
        return value.replace(_PREFIX, _DEFUSED) if _PREFIX in value else value
    if isinstance(value, tuple):
        return tuple(_defused(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _defused(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


class _Defused:
    """The community as templates see it: its text attributes defused, the rest as is."""

    def __init__(self, community: Community) -> None:
        self._community = community

    def __getattr__(self, name: str) -> Any:
        return _defused(getattr(self._community, name))
