"""Lesson text: Markdown written by clinic admins, rendered to HTML that is safe to show.

Admins are trusted to write lessons, not to run code in patients' browsers, so
the HTML Markdown produces is always passed through nh3 (the Rust ``ammonia``
sanitiser) with an allow-list: no ``<script>``/``<style>`` (their content is
dropped too), no ``on*`` event attributes, no ``style`` attributes (the CSP
forbids them anyway), and links only to http(s), mailto and tel URLs, so
``javascript:`` links lose their target. No Django imports: tested on its own.
"""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "hr", "i", "img", "li", "ol", "p", "pre", "s",
    "small", "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
MARKDOWN_EXTENSIONS = ["extra", "sane_lists"]


def sanitise_html(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Markdown → sanitised HTML. Headings start at h2: the page's h1 is the lesson title."""
    html = markdown.markdown(text, extensions=MARKDOWN_EXTENSIONS, output_format="html")
    return sanitise_html(html)
