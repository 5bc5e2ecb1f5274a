"""Lesson text: Markdown written by clinic admins, rendered to HTML that is safe to show.

Admins are trusted to write lessons, not to run code in patients' browsers, so
the HTML Markdown produces is always passed through nh3 (the Rust ``ammonia``
sanitiser) with an allow-list: no ``<script>``/``<style>`` (their content is
dropped too), no ``on*`` event attributes, no ``style`` attributes (the CSP
forbids them anyway), and links only to http(s), mailto and tel URLs, so
``javascript:`` links lose their target. Images may come only from the app
itself: the lesson illustrations in ``/static/img/`` and images uploaded in the
admin (``/lesson-images/…``), which the Markdown names as ``![alt](image:ID)``;
any other ``src`` is removed. No Django imports: tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

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
# Where an <img> may point: our static illustrations and our uploaded lesson images
# (program:lesson_image). Anything else (another site, data:, a guessed path) is dropped:
# the CSP would block other sites anyway, and a lesson must not track its readers.
IMAGE_PATH_PREFIXES = ("/static/img/", "/lesson-images/")
# ``image:12`` in a lesson's Markdown names uploaded image 12 of that lesson.
IMAGE_REFERENCE = re.compile(r"image:(\d+)")


@dataclass(frozen=True)
class ImageRef:
    """An uploaded image as the HTML needs it."""

    url: str
    alt: str
    width: int | None = None
    height: int | None = None


class _ImageResolver(Treeprocessor):
    """Turns ``<img src="image:ID">`` into the uploaded image's URL, alt text and size."""

    def __init__(self, md: markdown.Markdown, images: Mapping[int, ImageRef]) -> None:
        super().__init__(md)
        self.images = images

    def run(self, root: Element) -> None:
        for img in root.iter("img"):
            match = IMAGE_REFERENCE.fullmatch(img.get("src", "").strip())
            if not match:
                continue
            ref = self.images.get(int(match.group(1)))
            if ref is None:
                # Not an image of this lesson: no picture, but the words stay readable.
                img.attrib.pop("src", None)
                continue
            img.set("src", ref.url)
            if not img.get("alt", "").strip():
                img.set("alt", ref.alt)
            if ref.width and ref.height:
                # Reserves the space before the image arrives (no jumping text).
                img.set("width", str(ref.width))
                img.set("height", str(ref.height))


class _ImageExtension(Extension):
    def __init__(self, images: Mapping[int, ImageRef]) -> None:
        super().__init__()
        self.images = images

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_ImageResolver(md, self.images), "lesson_images", 0)


def image_ids(text: str) -> set[int]:
    """The uploaded images a lesson's Markdown refers to (``image:ID``)."""
    return {int(m.group(1)) for m in re.finditer(r"\]\(\s*" + IMAGE_REFERENCE.pattern, text)}


def _keep_own_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        path = value.strip()
        own = path.startswith(IMAGE_PATH_PREFIXES) and ".." not in path and "//" not in path
        return path if own else None
    return value


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
        attribute_filter=_keep_own_images,
    )


def render_markdown(text: str, images: Mapping[int, ImageRef] | None = None) -> str:
    """Markdown → sanitised HTML. Headings start at h2: the page's h1 is the lesson title.

    ``images`` are the lesson's uploaded images by id, for ``![alt](image:ID)``; an
    empty alt takes the image's own alt text.
    """
    extensions: list[str | Extension] = [*MARKDOWN_EXTENSIONS, _ImageExtension(images or {})]
    html = markdown.markdown(text, extensions=extensions, output_format="html")
    return sanitise_html(html)


def render_inline(text: str) -> str:
    """One paragraph of Markdown (a lesson's summary) as sanitised inline HTML, for a
    page that puts it in its own ``<p>``: **bold** and *italic* shown, never the stars."""
    html = render_markdown(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
