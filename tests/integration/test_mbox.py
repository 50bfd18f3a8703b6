"""Archive exports as mbox files, read back by the standard library's mbox parser and a
strict message parser: one message per post, separators in text never split one."""

from __future__ import annotations

import mailbox
import re
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser

import pytest

from community import mbox, threads
from community.db import transaction
from community.models import Community

from ..helpers import run_kith, uow

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STRICT = policy.default.clone(raise_on_defect=True)


@pytest.fixture
def stored_posts(make_community, sessions):
    """Posts made without inbound mail (as a host's or an approved post can be): the
    export rebuilds their messages from what was stored."""
    make_community("circle")
    bodies = [
        "First line.\nFrom here on, a line that looks like an mbox separator.\n>From quoted",
        "Zweiter Beitrag: Grüße aus Köln.",
    ]
    made = []
    with transaction(sessions) as s:
        community = s.query(Community).filter_by(slug="circle").one()
        thread = threads.start_thread(uow(s, T0), community, "Ünïcode subject", None)
        for i, body in enumerate(bodies):
            post = threads.add_post(
                uow(s, T0 + timedelta(hours=i)),
                thread,
                author=None,
                author_name="Anne Ärger",
                author_address="anne@example.com",
                body=body,
                full_text=body,
                message_id=None,
                in_reply_to=None,
                inbound_id=None,
            )
            made.append((post.message_id, body))
        community_id = community.id
    return community_id, made


def test_rebuilt_messages_read_back_one_per_post(stored_posts, sessions, tmp_path):
    community_id, made = stored_posts
    with transaction(sessions, read_only=True) as s:
        data = b"".join(mbox.export_mbox(s, community_id))
    path = tmp_path / "out.mbox"
    path.write_bytes(data)
    box = list(mailbox.mbox(str(path)))
    assert [m["Message-ID"] for m in box] == [mid for mid, _ in made]
    assert data.count(b"\nFrom here on") == 0 and b"\n>From here on" in data
    assert b"\n>>From quoted" in data  # mboxrd: quoted once more
    for message, (_, body) in zip(box, made, strict=True):
        strict = BytesParser(policy=STRICT).parsebytes(message.as_bytes())
        assert str(strict["From"]) == "Anne Ärger <anne@example.com>"
        assert "Ünïcode subject" in str(strict["Subject"])
        # An mboxrd reader takes one ">" off each quoted separator line.
        text = re.sub(r"^>(>*From )", r"\1", strict.get_content(), flags=re.M)
        assert text.rstrip("\n") == body
    assert str(BytesParser(policy=STRICT).parsebytes(box[1].as_bytes())["Subject"]).startswith(
        "Re: "
    )


def test_cli_writes_to_standard_output_too(stored_posts, settings, tmp_path):
    done = run_kith(settings, "archive", "export", "circle", "-o", "-", real_process=True)
    assert done.returncode == 0, done.stderr
    assert "2 posts written." in done.stderr
    path = tmp_path / "stdout.mbox"
    path.write_text(done.stdout)
    assert len(mailbox.mbox(str(path))) == 2
