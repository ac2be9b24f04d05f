"""Code blocks wide enough for the package's 88-character lines.

``static/code.css`` sets the article's code at 13 px and narrows the page's contents
column, so that at 1280 px a line of 88 characters shows without sideways scrolling
(``tests/browser_check.py`` checks every code block of every page); printed output
wraps instead of scrolling.
"""

from __future__ import annotations

import pathlib

STATIC = pathlib.Path(__file__).parent / "static"


def _add_static(app, config) -> None:
    if str(STATIC) not in [str(p) for p in config.html_static_path]:
        config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("config-inited", _add_static)
    app.add_css_file("code.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
