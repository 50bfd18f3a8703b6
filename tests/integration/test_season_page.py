"""The community page shows its season's dates and application period, and the cached
page follows every change of a season, whoever makes it."""

import time
from datetime import UTC, datetime, timedelta

from community import seasons
from community.communities import get_community
from community.db import transaction

from ..helpers import uow


def test_the_cached_page_shows_the_season_and_follows_its_changes(make_community, sessions, client):
    def shows(text: str) -> bool:
        """Soon: on PostgreSQL the change notice reaches the web process just after."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if text in client.get("/c/circle").get_data(as_text=True):
                return True
            time.sleep(0.01)
        return False

    make_community(slug="circle")
    page = client.get("/c/circle").get_data(as_text=True)
    assert 'id="season"' not in page  # cached now, without a season
    now = datetime.now(UTC)
    start = now.date() + timedelta(days=10)
    with transaction(sessions) as s:
        seasons.create(
            uow(s, now),
            get_community(s, "circle"),
            name="Spring <b>cohort</b>",
            starts_on=start,
            ends_on=start + timedelta(days=27),
            applications_from=now.date() + timedelta(days=1),
            applications_until=start - timedelta(days=1),
        )
    assert shows(f"runs from {start.day} {start:%B %Y}")
    page = client.get("/c/circle").get_data(as_text=True)
    assert "Spring &lt;b&gt;cohort&lt;/b&gt;" in page and "<b>cohort" not in page
    assert 'id="season-applications"' in page and "Applications are open from" in page
    with transaction(sessions) as s:  # the host ends it (the season row changes)
        c = get_community(s, "circle")
        running = seasons.all_seasons(s, c)[0]
        running.starts_on = now.date()
        s.flush()
        seasons.end_now(uow(s, now), c)
    assert shows('data-ended="yes"')
    assert "The next season will be announced here" in client.get("/c/circle").get_data(
        as_text=True
    )
