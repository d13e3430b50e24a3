"""Markdown for people's text and question text: rendered, then sanitised."""
from __future__ import annotations

import html

import markdown
import nh3
from markupsafe import Markup

_ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol",
                 "li", "a", "h3", "h4", "hr"}


def render_markdown(text: str | None) -> Markup:
    """Markdown to safe HTML. Raw HTML in the text is shown as text ("<script>" reads as
    "<script>"), and the result is sanitised as well, in case Markdown itself makes a link
    or tag that should not be there."""
    if not text:
        return Markup("")
    rendered = markdown.markdown(html.escape(text, quote=False), extensions=["sane_lists"],
                                 output_format="html")
    clean = nh3.clean(rendered, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
    return Markup(clean)
