"""Archive links: where a sign-in may lead."""

from community.links import archive_page, archive_sign_in_url


def test_a_sign_in_link_leads_only_to_pages_of_its_own_archive():
    assert archive_page("circle", "/c/circle/archive/t/12") == "/c/circle/archive/t/12"
    assert archive_page("circle", "/c/circle/archive") == "/c/circle/archive"
    for hostile in (
        "https://evil.example/c/circle/archive",
        "//evil.example/c/circle/archive",
        "/c/other/archive/t/1",
        "/c/circle/archive/../../admin",
        "/c/circle/archive/t/1?x=//evil",
        "/c/circle/archive\\t",
        "",
    ):
        assert archive_page("circle", hostile) is None, hostile
    url = archive_sign_in_url("https://k.example", "circle", "TOKEN", "/c/circle/archive/t/3")
    assert url == "https://k.example/c/circle/archive/in/TOKEN?next=/c/circle/archive/t/3"
    assert archive_sign_in_url("https://k.example", "circle", "T", "//evil") == (
        "https://k.example/c/circle/archive/in/T"
    )
