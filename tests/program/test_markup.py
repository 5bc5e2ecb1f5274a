"""Lesson Markdown is rendered to HTML an admin cannot run code with (program.curriculum.markup)."""

from __future__ import annotations

import pytest

from program.curriculum.markup import ImageRef, image_ids, render_markdown


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ("Hello <script>alert('x')</script>", ["<script", "alert("]),
        ("<style>body{display:none}</style>Text", ["<style", "display:none"]),
        ('<a href="/x" onclick="steal()">link</a>', ["onclick", "steal()"]),
        ('<img src="/static/img/moon.svg" onerror="steal()">', ["onerror", "steal()"]),
        ('<p onmouseover="steal()">Hi</p>', ["onmouseover"]),
        ("[click](javascript:alert(1))", ["javascript:"]),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', ["javascript:", "JaVaScRiPt"]),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', ["data:", "<script"]),
        ('<iframe src="https://evil.example"></iframe>', ["<iframe"]),
        ('<p style="position:fixed">x</p>', ["style="]),
        ('<form action="https://evil.example"><input name="p"></form>', ["<form", "<input"]),
    ],
)
def test_dangerous_html_is_removed(markdown: str, forbidden: list[str]) -> None:
    html = render_markdown(markdown)
    for fragment in forbidden:
        assert fragment.lower() not in html.lower(), html


def test_ordinary_markdown_survives() -> None:
    html = render_markdown(
        "## Heading\n\nSome **bold** and *italic* text with [a link](https://example.org).\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n![Moon](/static/img/moon.svg)\n"
    )
    assert "<h2>Heading</h2>" in html
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer"' in html
    assert "<ul>" in html and "<ol>" in html
    assert '<img alt="Moon" src="/static/img/moon.svg">' in html


def test_mailto_and_tel_links_are_kept() -> None:
    html = render_markdown("[call](tel:116123) or [mail](mailto:clinic@example.org)")
    assert 'href="tel:116123"' in html and 'href="mailto:clinic@example.org"' in html


def test_an_image_reference_becomes_the_lesson_images_url_with_its_alt_text_and_size() -> None:
    images = {7: ImageRef(url="/lesson-images/7/abc.png", alt="A chart", width=400, height=300)}
    html = render_markdown("![](image:7)\n\n![Own words](image:7)", images)
    assert '<img alt="A chart" height="300" src="/lesson-images/7/abc.png" width="400">' in html
    assert 'alt="Own words"' in html


@pytest.mark.parametrize(
    "markdown",
    [
        "![tracker](https://evil.example/pixel.png)",
        "![x](//evil.example/pixel.png)",
        "![x](data:image/png;base64,AAAA)",
        "![x](/lesson-images/../admin/)",
        "![x](/media/anything.png)",
        "![not this lesson's](image:99)",
        '<img src="https://evil.example/pixel.png">',
    ],
)
def test_images_from_anywhere_else_lose_their_source(markdown: str) -> None:
    html = render_markdown(markdown, {7: ImageRef(url="/lesson-images/7/abc.png", alt="A")})
    assert "src=" not in html, html


def test_image_ids_finds_the_references_in_markdown() -> None:
    assert image_ids("![a](image:3) text image:4 ![b]( image:12 )") == {3, 12}


def test_one_text_leaves_nothing_behind_for_the_next() -> None:
    """The converter is kept and reset between texts (issue #20): a lesson's images,
    footnotes and abbreviations never show up in the next text converted."""
    first = render_markdown(
        "A note[^1] on ![](image:7) and HTML.\n\n[^1]: The first text's footnote.\n\n"
        "*[HTML]: Hyper Text Markup Language",
        {7: ImageRef(url="/lesson-images/7/abc.png", alt="A chart")},
    )
    assert "footnote" in first and "/lesson-images/7/abc.png" in first
    second = render_markdown("Plain words on ![](image:7) and HTML.")
    assert "footnote" not in second and "abc.png" not in second
    assert "Hyper Text" not in second
    assert second == render_markdown("Plain words on ![](image:7) and HTML.")


def test_each_thread_converts_with_its_own_converter() -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"Text **{n}** with ![](image:{n})" for n in range(40)]

    def convert(n: int) -> str:
        return render_markdown(texts[n], {n: ImageRef(url=f"/lesson-images/{n}/x.png", alt="")})

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(convert, range(40)))
    for n, html in enumerate(results):
        assert f"<strong>{n}</strong>" in html and f"/lesson-images/{n}/x.png" in html, html
