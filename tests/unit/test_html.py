"""HTML bodies: text as a reader sees it, and history cut where the client marked it."""

from __future__ import annotations

import pytest

from mail.inbound import html as html_module
from mail.inbound.html import html_to_text, strip_tags

NEW = "<div>Count me in.</div>"
OLD = "<div>Who is coming?</div>"


@pytest.mark.parametrize(
    ("markup", "rule"),
    [
        (
            f'<div class="gmail_quote"><div class="gmail_attr">On Tue, A wrote:</div>'
            f'<blockquote class="gmail_quote">{OLD}</blockquote></div>',
            "gmail_quote",
        ),
        (f'<div class="m_123gmail_quote">{OLD}</div>', "gmail_quote"),  # Gmail quoting Gmail
        (
            f'<div id="appendonsend"></div><hr><div id="divRplyFwdMsg">From: A</div>{OLD}',
            "appendonsend",
        ),
        (f'<div id="x_divRplyFwdMsg">From: A</div>{OLD}', "divRplyFwdMsg"),
        (f'<span id="OLK_SRC_BODY_SECTION">{OLD}</span>', "OLK_SRC_BODY_SECTION"),
        (
            f'<div id="mail-editor-reference-message-container">{OLD}</div>',
            "mail-editor-reference-message-container",
        ),
        (f'<div name="messageReplySection">{OLD}</div>', "messageReplySection"),
        (f'<blockquote type="cite">{OLD}</blockquote>', "blockquote_cite"),
        (
            f'<div class="moz-cite-prefix">On 3/3/26, A wrote:</div><blockquote type="cite">'
            f"{OLD}</blockquote>",
            "moz-cite-prefix",
        ),
        (
            f'<div class="moz-forward-container">-------- Forwarded Message -------- {OLD}</div>',
            "moz-forward-container",
        ),
        (f'<div id="yahoo_quoted_123" class="ydp1yahoo_quoted">{OLD}</div>', "yahoo_quoted"),
        (f'<div class="protonmail_quote">{OLD}</div>', "protonmail_quote"),
        (f'<div class="zmail_extra">{OLD}</div>', "zmail_extra"),
        (f'<div name="quote"><b>Von:</b> A{OLD}</div>', "gmx_quote"),
        (
            f'<hr id="zwchr" data-marker="__DIVIDER__"><div data-marker="__HEADERS__">From: A'
            f'</div><div data-marker="__QUOTED_TEXT__">{OLD}</div>',
            "zimbra_divider",
        ),
        (
            f'<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3pt 0 0 0">'
            f"<p><b>From:</b> Anne</p></div>{OLD}",
            "outlook_separator",
        ),
        (
            f'<div style="border-top:solid #B5C4DF 1.0pt"><p><b>Von:</b> Anne</p></div>{OLD}',
            "outlook_separator",
        ),
    ],
)
def test_client_marked_history_is_cut(markup, rule):
    converted = html_to_text(NEW + markup)
    assert converted.reply == "Count me in."
    assert f"html:{rule}" in [cut.rule for cut in converted.cuts]
    assert "Who is coming?" in converted.full


@pytest.mark.parametrize(
    ("markup", "rule"),
    [
        ('<div class="gmail_signature">Bart<br>Circle host</div>', "gmail_signature"),
        ('<div id="Signature">Bart</div>', "outlook_signature"),
        ('<pre class="moz-signature">-- \nBart</pre>', "moz-signature"),
        (
            '<div class="protonmail_signature_block">Sent with Proton Mail</div>',
            "protonmail_signature",
        ),
        (
            '<div id="ms-outlook-mobile-signature">Get Outlook for iOS</div>',
            "ms-outlook-mobile-signature",
        ),
        ('<div name="messageSignatureSection">Bart</div>', "messageSignatureSection"),
        ('<div id="Zm-_Id_-Sgn">Regards, Bart</div>', "zoho_signature"),
        ('<div data-signatureblock="true">Bart</div>', "windows_mail_signature"),
    ],
)
def test_client_marked_signature_is_cut(markup, rule):
    converted = html_to_text(NEW + markup)
    assert converted.reply == "Count me in."
    assert [cut.rule for cut in converted.cuts] == [f"html:{rule}"]


def test_history_answered_below_is_kept_as_quotes_for_the_text_rules():
    converted = html_to_text(
        f"{NEW}<blockquote type='cite'>{OLD}</blockquote><div>Bring tea.</div>"
    )
    assert converted.cuts == ()
    assert converted.reply == "Count me in.\n\n> Who is coming?\n\nBring tea."


def test_answers_inside_gmails_quote_container_keep_it():
    converted = html_to_text(
        f'{NEW}<div class="gmail_quote"><blockquote class="gmail_quote">{OLD}</blockquote>'
        '<div>Me!</div><blockquote class="gmail_quote"><div>Anne</div></blockquote></div>'
    )
    assert converted.reply == "Count me in.\n\n> Who is coming?\n\nMe!"


def test_history_without_new_text_above_is_left_whole():
    # A forward without a note: the forwarded message is what the member sends.
    converted = html_to_text(f'<div class="gmail_quote">{OLD}</div>')
    assert converted.cuts == () and converted.reply == "Who is coming?"


def test_a_signature_marker_holding_everything_is_not_cut():
    converted = html_to_text('<div id="Signature">The whole reply.</div>')
    assert converted.reply == "The whole reply."


def test_rendering_follows_blocks_breaks_lists_and_links():
    converted = html_to_text(
        "<p>One<br>two</p><div>three</div><div><br></div><div>four</div>"
        "<ul><li>a</li><li>b<ol><li>c</li></ol></li></ul>"
        '<p><a href="https://example.com/x">link</a> and <a href="https://example.com/">'
        "https://example.com/</a></p><pre>  kept\n    spaces</pre>"
    )
    assert converted.full == (
        "One\ntwo\n\nthree\n\nfour\n\n* a\n* b\n  1. c\n\n"
        "link <https://example.com/x> and https://example.com/\n\n  kept\n    spaces"
    )


def test_outlook_zero_margin_paragraphs_are_lines_and_nbsp_paragraphs_blank_lines():
    converted = html_to_text(
        "<style>p.MsoNormal, li.MsoNormal {margin:0cm;}</style>"
        "<p class=MsoNormal>Hi,</p><p class=MsoNormal>&nbsp;</p><p class=MsoNormal>yes.</p>"
    )
    assert converted.full == "Hi,\n\nyes."


def test_hidden_and_invisible_content_is_not_text():
    converted = html_to_text(
        '<head><title>T</title><style>x{}</style></head><body><span style="display:none">'
        "preheader</span><script>s()</script><div hidden>h</div><!-- note -->Visible</body>"
    )
    assert converted.full == "Visible"


def test_huge_markup_is_read_by_stripping_tags(monkeypatch):
    monkeypatch.setattr(html_module, "MAX_DOM_CHARS", 1000)
    converted = html_to_text("<table>" + "<tr><td>cell</td></tr>" * 200 + "</table>")
    assert converted.problem and "tags stripped" in converted.problem
    assert converted.full.startswith("cell\ncell")


def test_slow_markup_gives_up_within_its_time_budget():
    rows = "".join(f"<tr><td>{i}</td><td>more</td></tr>" for i in range(20_000))
    converted = html_to_text(f"<p>Hi</p><table>{rows}</table>", budget=0.0)
    assert converted.problem and "over 0s" in converted.problem
    assert converted.full.startswith("Hi")


def test_strip_tags_survives_unclosed_script_and_style():
    assert strip_tags("<p>a</p><script>never closed " + "x" * 100_000) == "a"
    assert strip_tags("<style>p{}</style><b>b</b>&amp;c") == "b&c"
