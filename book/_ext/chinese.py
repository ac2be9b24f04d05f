"""Mark the book's Chinese text as Chinese, so that browsers draw it as Chinese.

The pages are English (``language: en``) with Chinese terms in brackets.  A
browser that meets Han characters in an English page picks a CJK font by its
own rules, and Chromium on Linux often picks the Japanese one, whose glyphs
differ from Simplified Chinese.  Two things fix that:

* every run of CJK characters in a page's text and in the navigation is
  wrapped in ``<span lang="zh-CN">`` (docutils writes the class
  ``language-zh-CN`` as that attribute), which also tells screen readers to
  read it as Chinese;
* ``chinese.css`` puts Simplified Chinese fonts first among the CJK fonts of
  the theme's font stacks, for the little text that is not marked (the book's
  title above the navigation).

Code, maths and raw HTML are left as they are.  The words stay the same, so
the search index does not change.  The search itself splits Chinese words
(``html_search_language: zh`` in ``_config.yml``, with jieba); this extension
also keeps that fast on Sphinx 7 (see ``_speed_up_chinese_search``).
"""

import functools
import logging
import pathlib
import re

from docutils import nodes
from sphinx.transforms import SphinxTransform

LANGUAGE_CLASS = "language-zh-CN"
# CJK radicals, punctuation, ideographs and full-width forms (no kana or hangul).
CJK_RUN = re.compile(
    "[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+"
)
# Text inside these is code, maths or markup, not prose.
LEAVE_ALONE = (nodes.FixedTextElement, nodes.literal, nodes.math, nodes.Invisible)
TAG = re.compile(r"(<[^>]*>)")
MATH_TAG = re.compile(r"""<\w+[^>]*\bclass="[^"]*\bmath\b""")
STATIC = pathlib.Path(__file__).parent / "static"


def _is_prose(text: nodes.Text) -> bool:
    node = text.parent
    while node is not None:
        if isinstance(node, LEAVE_ALONE) or LANGUAGE_CLASS in node.get("classes", []):
            return False
        node = node.parent
    return True


def _split(text: str) -> list[nodes.Node]:
    """Text with each CJK run as an inline node marked zh-CN."""
    pieces, start = [], 0
    for run in CJK_RUN.finditer(text):
        if run.start() > start:
            pieces.append(nodes.Text(text[start : run.start()]))
        pieces.append(nodes.inline(run.group(), run.group(), classes=[LANGUAGE_CLASS]))
        start = run.end()
    if start < len(text):
        pieces.append(nodes.Text(text[start:]))
    return pieces


def _mark_doctree(doctree: nodes.Node) -> None:
    """Wrap CJK runs in prose in ``lang="zh-CN"`` spans."""
    for text in list(doctree.findall(nodes.Text)):
        if text.parent is not None and CJK_RUN.search(text) and _is_prose(text):
            text.parent.replace(text, _split(str(text)))


class MarkChinese(SphinxTransform):
    """Mark a page while it is read, before Sphinx stores its titles for the page
    outlines."""

    default_priority = 900

    def apply(self, **kwargs) -> None:
        _mark_doctree(self.document)


def _mark_resolved(app, doctree, docname) -> None:
    """Mark the text that links take from other pages' titles, added when links are
    resolved."""
    _mark_doctree(doctree)


def _mark_text(text: str) -> str:
    return CJK_RUN.sub(r'<span lang="zh-CN">\g<0></span>', text)


def _mark_html(html: str) -> str:
    """CJK runs in the text of a fragment of links, wrapped in zh-CN spans (tags and
    maths kept)."""
    out, in_math = [], 0
    for piece in TAG.split(html):
        if not piece.startswith("<"):
            out.append(piece if in_math else _mark_text(piece))
            continue
        if in_math:
            in_math += (
                -1 if piece.startswith("</") else 0 if piece.endswith("/>") else 1
            )
        elif MATH_TAG.match(piece):
            in_math = 1
        out.append(piece)
    return "".join(out)


def _mark_navigation(app, pagename, templatename, context, doctree) -> None:
    """Mark the navigation and the page's outline, which are built from the titles'
    plain text."""
    if "root_title" in context:  # sphinx-book-theme's link to the home page
        context["root_title"] = _mark_text(context["root_title"])
    # The navigation on the left and the page's outline on the right; other kinds stay
    # objects.
    for name, kind in [
        ("generate_toctree_html", "sidebar"),
        ("generate_toc_html", "html"),
    ]:
        if name in context:
            context[name] = _marking(context[name], kind)


def _marking(build, marked_kind: str):
    """`build` (a theme's function returning HTML) with Chinese marked in what it
    returns for `marked_kind`."""

    @functools.wraps(build)
    def marked(kind=marked_kind, *args, **kwargs):
        out = build(kind, *args, **kwargs)
        return _mark_html(str(out)) if kind == marked_kind and out else out

    return marked


def _add_static(app, config) -> None:
    config.html_static_path.append(str(STATIC))


class _TermSet(set):
    """A set that Sphinx 7's Chinese search can ``extend`` like the list it expects."""

    def extend(self, terms) -> None:
        self.update(terms)


def _speed_up_chinese_search() -> None:
    """Backport of Sphinx 8.1's fix (sphinx-doc/sphinx#12995) for
    ``html_search_language: zh``.

    Sphinx 7 keeps every Latin word of the book in a list and searches that list for
    each word it stems, which tripled the build time here; a set gives the same index.
    """
    from sphinx.search.zh import SearchChinese

    if isinstance(SearchChinese.latin_terms, list):
        SearchChinese.latin_terms = _TermSet(SearchChinese.latin_terms)
    # jieba splits the Chinese words; it logs its dictionary loading unless told not to
    try:
        import jieba

        jieba.setLogLevel(logging.WARNING)
    except ImportError:
        pass


def setup(app):
    _speed_up_chinese_search()
    app.add_transform(MarkChinese)
    app.connect("doctree-resolved", _mark_resolved)
    app.connect("config-inited", _add_static)
    # After the themes' own handlers, which put the navigation into the context.
    app.connect("html-page-context", _mark_navigation, priority=900)
    app.add_css_file("chinese.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
