"""Links on the incident page are kept only when safe (http, https, mailto), and text is escaped."""

from __future__ import annotations

from firebreak.web.detail import linkify, prose, safe_url, step_html


def test_only_safe_schemes_are_links() -> None:
    assert safe_url("https://grafana.example.com/d/x") and safe_url("mailto:oncall@example.com")
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "http://", "ftp://x"):
        assert not safe_url(bad), bad


def test_urls_in_annotation_text_become_links_and_the_rest_is_escaped() -> None:
    html = str(linkify("see https://status.example.com/x. <b>now</b> javascript:alert(1)"))
    assert '<a href="https://status.example.com/x" rel="noopener noreferrer"' in html
    assert "x</a>. &lt;b&gt;now&lt;/b&gt;" in html
    assert "javascript:alert(1)" in html and 'href="javascript' not in html


def test_step_links_stay_links_unless_unsafe() -> None:
    links = [
        {"text": "the status page", "url": "https://status.example.com/admin"},
        {"text": "this", "url": "javascript:alert(1)"},
    ]
    html = str(step_html("Post on the status page; do not click this <now>", links))
    assert '<a href="https://status.example.com/admin"' in html and ">the status page</a>" in html
    assert "javascript" not in html and "click this &lt;now&gt;" in html


def test_prose_joins_the_lines_of_a_paragraph() -> None:
    assert str(prose("one\ntwo\n\nthree")) == "<p>one two</p><p>three</p>"
