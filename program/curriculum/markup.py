"""Lesson text: Markdown written by clinic admins, rendered to HTML that is safe to show.

Admins are trusted to write lessons, not to run code in patients' browsers, so
the HTML Markdown produces is always passed through nh3 (the Rust ``ammonia``
sanitiser) with an allow-list: no ``<script>``/``<style>`` (their content is
dropped too), no ``on*`` event attributes, no ``style`` attributes (the CSP
forbids them anyway), and links only to http(s), mailto and tel URLs, so
``javascript:`` links lose their target. Images may come only from the app
itself: the lesson illustrations in ``/static/img/`` and images uploaded in the
admin (``/lesson-images/…``), which the Markdown names as ``![alt](image:ID)``;
any other ``src`` is removed. A recording uploaded for the lesson is named the same
way, ``![title](audio:ID)`` on a line of its own, and becomes a player with its
transcript in a ``<details>`` (``/recordings/…`` is the only source an ``<audio>``
keeps). No Django imports: tested on its own.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "a", "abbr", "audio", "b", "blockquote", "br", "code", "dd", "del", "details", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "hr", "i", "img", "li", "ol", "p", "pre", "s",
    "small", "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "audio": {"src", "controls", "preload"},
    "figure": {"class"},
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
# Where an <audio> may point: the uploaded recordings (program:recording).
AUDIO_PATH_PREFIXES = ("/recordings/",)
# ``image:12`` in a lesson's Markdown names uploaded image 12 of that lesson.
IMAGE_REFERENCE = re.compile(r"image:(\d+)")
# ``audio:3`` names the lesson's uploaded recording 3.
AUDIO_REFERENCE = re.compile(r"audio:(\d+)")


@dataclass(frozen=True)
class ImageRef:
    """An uploaded image as the HTML needs it."""

    url: str
    alt: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class AudioRef:
    """An uploaded recording as the HTML needs it (``label`` names the transcript)."""

    url: str
    title: str
    transcript: str
    label: str = "Transcript"


def _child(parent: Element, tag: str) -> Element:
    child = Element(tag)
    parent.append(child)
    return child


def _player(figure: Element, ref: AudioRef) -> None:
    """Make ``figure`` the recording's player: its title, the ``<audio>``, and the
    transcript folded in a ``<details>`` (a paragraph per blank-line-separated block)."""
    figure.clear()
    figure.tag = "figure"
    figure.set("class", "recording")
    caption = _child(figure, "figcaption")
    caption.text = ref.title
    audio = _child(figure, "audio")
    audio.set("controls", "")
    audio.set("preload", "metadata")
    audio.set("src", ref.url)
    details = _child(figure, "details")
    _child(details, "summary").text = ref.label
    for block in re.split(r"\n\s*\n", ref.transcript.strip()):
        if block.strip():
            _child(details, "p").text = block.strip()


class _ImageResolver(Treeprocessor):
    """Turns ``<img src="image:ID">`` into the uploaded image's URL, alt text and size,
    and a paragraph holding only ``<img src="audio:ID">`` into the recording's player."""

    def __init__(
        self,
        md: markdown.Markdown,
        images: Mapping[int, ImageRef],
        recordings: Mapping[int, AudioRef],
    ) -> None:
        super().__init__(md)
        self.images = images
        self.recordings = recordings

    def run(self, root: Element) -> None:
        for paragraph in list(root.iter("p")):
            if len(paragraph) != 1 or paragraph[0].tag != "img":
                continue
            img = paragraph[0]
            match = AUDIO_REFERENCE.fullmatch(img.get("src", "").strip())
            alone = not (paragraph.text or "").strip() and not (img.tail or "").strip()
            recording = self.recordings.get(int(match.group(1))) if match else None
            if recording is not None and alone:
                _player(paragraph, recording)
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
    def __init__(self, images: Mapping[int, ImageRef], recordings: Mapping[int, AudioRef]) -> None:
        super().__init__()
        self.images = images
        self.recordings = recordings

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        resolver = _ImageResolver(md, self.images, self.recordings)
        md.treeprocessors.register(resolver, "lesson_images", 0)


def image_ids(text: str) -> set[int]:
    """The uploaded images a lesson's Markdown refers to (``image:ID``)."""
    return {int(m.group(1)) for m in re.finditer(r"\]\(\s*" + IMAGE_REFERENCE.pattern, text)}


def audio_ids(text: str) -> set[int]:
    """The uploaded recordings a lesson's Markdown refers to (``audio:ID``)."""
    return {int(m.group(1)) for m in re.finditer(r"\]\(\s*" + AUDIO_REFERENCE.pattern, text)}


def _keep_own_images(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "src" and tag in ("img", "audio"):
        prefixes = IMAGE_PATH_PREFIXES if tag == "img" else AUDIO_PATH_PREFIXES
        path = value.strip()
        own = path.startswith(prefixes) and ".." not in path and "//" not in path
        return path if own else None
    if tag == "figure" and attribute == "class":
        return value if value == "recording" else None
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


def render_markdown(
    text: str,
    images: Mapping[int, ImageRef] | None = None,
    recordings: Mapping[int, AudioRef] | None = None,
) -> str:
    """Markdown → sanitised HTML. Headings start at h2: the page's h1 is the lesson title.

    ``images`` are the lesson's uploaded images by id, for ``![alt](image:ID)``; an
    empty alt takes the image's own alt text. ``recordings`` are its recordings, for
    ``![title](audio:ID)`` on a line of its own.
    """
    converter, resolver = _converter()
    resolver.images, resolver.recordings = images or {}, recordings or {}
    try:
        html = converter.reset().convert(text)
    finally:
        resolver.images, resolver.recordings = {}, {}
    return sanitise_html(html)


_per_thread = threading.local()


def _converter() -> tuple[markdown.Markdown, _ImageResolver]:
    """This thread's Markdown converter (reset before each text) and its image resolver.
    Building a converter (its extensions and their processors) cost more than converting
    a lesson's summary: 0.8 ms a summary with a new one, 0.3 ms reused (issue #20). One
    per thread: a converter keeps state while it converts."""
    kept = getattr(_per_thread, "converter", None)
    if kept is None:
        extension = _ImageExtension({}, {})
        converter = markdown.Markdown(
            extensions=[*MARKDOWN_EXTENSIONS, extension], output_format="html"
        )
        resolver = converter.treeprocessors["lesson_images"]
        if not isinstance(resolver, _ImageResolver):  # the extension registers it
            raise TypeError("the lesson_images tree processor is not the image resolver")
        kept = _per_thread.converter = (converter, resolver)
    return kept


def render_inline(text: str) -> str:
    """One paragraph of Markdown (a lesson's summary) as sanitised inline HTML, for a
    page that puts it in its own ``<p>``: **bold** and *italic* shown, never the stars."""
    html = render_markdown(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
