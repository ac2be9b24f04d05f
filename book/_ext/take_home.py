"""The whole course as one archive, made at build time, and the repository button from
one setting.

A reader of the HTML alone (a mirror, a copy on a USB stick) can set up the
course without a clone: every page's top bar has a button that downloads
``aigc-course.zip`` (the package, the notebooks with their outputs, the tests,
the Chinese translations, ``requirements.txt`` and the README), written next to
``index.html`` when the build finishes.  The archive is the same bytes for the
same sources: files in sorted order, fixed timestamps.

The repository's address is one value, ``repository: url:`` in ``_config.yml``.
Empty means the site has no repository button; an address turns the button on.
"""

from __future__ import annotations

import pathlib
import zipfile

from sphinx.util import logging

logger = logging.getLogger(__name__)

ARCHIVE = "aigc-course.zip"
TOP = "aigc-course"  # the folder the archive unpacks into
FILES = (
    "README.md",
    "LICENSE",
    "CONTRIBUTING.md",
    "requirements.txt",
    "environment.yml",
    "pyproject.toml",
    "_config.yml",
    "_toc.yml",
    "conftest.py",
    ".ci/run",
)
FOLDERS = ("aigc_course", "book", "tests", "scripts", "benchmarks", "locale")
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", "results", "_build"}
SKIP_SUFFIXES = (".pyc", ".weights.h5", ".keras", ".pt", ".mo")
EXECUTABLE = {".ci/run"}


def course_files(root: pathlib.Path) -> list[str]:
    """The archive's files, relative to ``root``, in sorted order."""
    found = [name for name in FILES if (root / name).is_file()]
    for folder in FOLDERS:
        for path in (root / folder).rglob("*"):
            rel = path.relative_to(root)
            if (
                path.is_file()
                and not SKIP_PARTS & set(rel.parts)
                and not path.name.endswith(SKIP_SUFFIXES)
            ):
                found.append(rel.as_posix())
    return sorted(found)


def write_archive(root: pathlib.Path, out: pathlib.Path) -> int:
    """Write the course under ``root`` to the zip file ``out``; returns the number of
    files."""
    names = course_files(root)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in names:
            # fixed: reproducible bytes
            info = zipfile.ZipInfo(f"{TOP}/{name}", date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name in EXECUTABLE else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (root / name).read_bytes())
    tmp.replace(out)
    return len(names)


def _repository_button(app, config) -> None:
    options = config.html_theme_options
    options["use_repository_button"] = bool(options.get("repository_url"))


def _add_button(app, pagename, templatename, context, doctree) -> None:
    """A top-bar button to the archive on every page (sphinx-book-theme reads
    ``header_buttons``)."""
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    buttons.append(
        {
            "type": "link",
            "url": context["pathto"](ARCHIVE, 1),
            "tooltip": "Download the whole course (.zip)",
            "icon": "fas fa-file-zipper",
            "label": "download-course-button",
        }
    )


def _write(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        root = pathlib.Path(app.srcdir)
        count = write_archive(root, pathlib.Path(app.outdir) / ARCHIVE)
        logger.info(f"take_home: {ARCHIVE} with {count} files")


def setup(app):
    app.connect("config-inited", _repository_button)
    # after the theme fills header_buttons
    app.connect("html-page-context", _add_button, priority=600)
    app.connect("build-finished", _write)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
