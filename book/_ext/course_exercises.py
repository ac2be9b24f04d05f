"""The book's exercises: labels, difficulty, time and points shown; an index; a student
edition.

* ``exercise`` (and ``exercise-start``) accept ``:difficulty:`` (1-3), ``:minutes:`` and
  ``:points:`` besides sphinx-exercise's options; each exercise shows them, with its
  label, under its title ("★★☆ · about 15 min · 2 points · math-ex-jsd").
* ``{exercise-index}`` renders a table of every exercise of the book, with links.
* Gated solutions (``solution-start`` ... ``solution-end``) work with ``hide_solutions:
  true``:
  sphinx-exercise 1.2.1 drops the start marker and leaves the end marker, which no
  builder can write; here the start marker is kept, the solution merged, then removed
  with its code.
* The student edition: with ``AIGC_COURSE_EDITION=student`` in the environment, every
  notebook is read as its student edition
  (:func:`aigc_course.instructors.assign.student_edition`:
  solutions removed, code stubs left), solutions are hidden, and the downloadable
  notebooks (``_sources/``, and those in a zip archive of the course next to the pages)
  are the student editions too::

      AIGC_COURSE_EDITION=student jupyter-book build . --path-output _build/student

The syntax is described once, in :mod:`aigc_course.instructors.notebooks`.
"""

from __future__ import annotations

import json
import os
import pathlib
import zipfile

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from aigc_course.instructors.notebooks import checker_calls

EDITION_ENV_VAR = "AIGC_COURSE_EDITION"
EDITIONS = ("full", "student")
STATIC = pathlib.Path(__file__).parent / "static"
logger = logging.getLogger(__name__)


def edition() -> str:
    value = os.environ.get(EDITION_ENV_VAR, "") or "full"
    if value not in EDITIONS:
        raise ValueError(
            f"{EDITION_ENV_VAR} must be one of {', '.join(EDITIONS)} (or "
            f"unset), got {value!r}"
        )
    return value


def _difficulty(argument: str) -> int:
    value = directives.positive_int(argument)
    if value > 3:
        raise ValueError(f"difficulty must be 1, 2 or 3, got {argument!r}")
    return value


def _positive_number(argument: str) -> float:
    try:
        value = float(argument)
    except (TypeError, ValueError):
        value = float("nan")
    if not value > 0:
        raise ValueError(f"must be a positive number, got {argument!r}")
    return int(value) if value == int(value) else value


EXTRA_OPTIONS = {
    "difficulty": _difficulty,
    "minutes": _positive_number,
    "points": _positive_number,
}


def _meta_line(label: str, options: dict) -> nodes.paragraph:
    """ "★★☆ · about 15 min · 2 points · label" as a paragraph under the exercise's
    title."""
    para = nodes.paragraph(classes=["exercise-meta"])
    parts: list[nodes.Node] = []
    if "difficulty" in options:
        level = options["difficulty"]
        parts.append(
            nodes.inline(
                text="★" * level + "☆" * (3 - level), classes=["exercise-difficulty"]
            )
        )
    if "minutes" in options:
        parts.append(nodes.inline(text=f"about {options['minutes']:g} min"))
    if "points" in options:
        points = options["points"]
        parts.append(nodes.inline(text=f"{points:g} point{'s' if points != 1 else ''}"))
    parts.append(nodes.literal(text=label, classes=["exercise-label"]))
    for i, part in enumerate(parts):
        if i:
            para += nodes.Text(" · ")
        para += part
    return para


def _with_course_options(base):
    """``base`` (an exercise directive) that accepts and shows :data:`EXTRA_OPTIONS`."""

    class Directive(base):
        option_spec = {**base.option_spec, **EXTRA_OPTIONS}

        def run(self):
            result = super().run()
            label = self.options.get("label", "")
            for node in result:
                section = next(
                    (c for c in node.children if isinstance(c, nodes.section)), None
                )
                if section is not None and label:
                    section.insert(0, _meta_line(label, self.options))
            if label:
                registry = _registry(self.env)
                registry[label] = {
                    "docname": self.env.docname,
                    "order": len(
                        [
                            r
                            for r in registry.values()
                            if r["docname"] == self.env.docname
                        ]
                    ),
                    "difficulty": self.options.get("difficulty"),
                    "minutes": self.options.get("minutes"),
                    "points": self.options.get("points"),
                    "checkers": checker_calls("\n".join(self.content)),
                }
            return result

    Directive.__name__ = base.__name__
    return Directive


def _registry(env) -> dict:
    if not hasattr(env, "course_exercises"):
        env.course_exercises = {}
    return env.course_exercises


def _purge(app, env, docname) -> None:
    registry = _registry(env)
    for label in [k for k, v in registry.items() if v["docname"] == docname]:
        del registry[label]
    getattr(env, "course_exercise_index_pages", set()).discard(docname)


def _merge(app, env, docnames, other) -> None:
    _registry(env).update(_registry(other))
    pages = getattr(env, "course_exercise_index_pages", set())
    env.course_exercise_index_pages = pages | getattr(
        other, "course_exercise_index_pages", set()
    )


# --------------------------------------------------------------------------
# Gated solutions with hide_solutions
# --------------------------------------------------------------------------


def _solution_start_directive(base):
    class SolutionStart(base):
        """``solution-start`` that leaves its marker even when solutions are hidden.

        The marker lets sphinx-exercise merge the code cells up to ``solution-end`` into
        one solution node, which :class:`RemoveHiddenSolutions` then removes whole.
        """

        def run(self):
            config = self.env.app.config
            if not config.hide_solutions:
                return super().run()
            config.hide_solutions = False
            try:
                return super().run()
            finally:
                config.hide_solutions = True

    return SolutionStart


class RemoveHiddenSolutions(SphinxTransform):
    """With ``hide_solutions``, remove the merged gated solutions (after sphinx-exercise
    merges them)."""

    default_priority = 11  # MergeGatedSolutions runs at 10

    def apply(self):
        if not self.config.hide_solutions:
            return
        from sphinx_exercise.nodes import (
            solution_end_node,
            solution_node,
            solution_start_node,
        )

        for node in list(
            self.document.findall(
                lambda n: isinstance(
                    n, (solution_node, solution_start_node, solution_end_node)
                )
            )
        ):
            node.parent.remove(node)


# --------------------------------------------------------------------------
# The exercise index
# --------------------------------------------------------------------------


class exercise_index(nodes.General, nodes.Element):
    """Placeholder for the table, filled when every page has been read."""


class ExerciseIndexDirective(SphinxDirective):
    """``{exercise-index}``: a table of every exercise of the book."""

    has_content = False

    def run(self):
        pages = getattr(self.env, "course_exercise_index_pages", set())
        pages.add(self.env.docname)
        self.env.course_exercise_index_pages = pages
        return [exercise_index()]


def _xref(target: str, reftype: str, text: str = "") -> addnodes.pending_xref:
    node = addnodes.pending_xref(
        "",
        refdomain="std",
        reftype=reftype,
        reftarget=target,
        refexplicit=bool(text),
        refwarn=True,
    )
    node += nodes.inline(text=text or target, classes=["xref", "std", f"std-{reftype}"])
    return node


# The index's column titles in the Chinese edition.
INDEX_HEADERS_ZH = {
    "Exercise": "练习",
    "Page": "页面",
    "Label": "标签",
    "Difficulty": "难度",
    "Minutes": "分钟",
    "Points": "分值",
    "Checked by": "检查器",
}


class FillExerciseIndex(SphinxPostTransform):
    """Replace each placeholder by the table (before references are resolved)."""

    default_priority = 4

    def run(self):
        for placeholder in list(self.document.findall(exercise_index)):
            placeholder.replace_self(self.table())

    def table(self) -> nodes.table:
        registry = _registry(self.env)
        order = {doc: i for i, doc in enumerate(_toc_order(self.env))}
        rows = sorted(
            registry.items(),
            key=lambda kv: (order.get(kv[1]["docname"], 10**6), kv[1]["order"]),
        )
        chinese = self.config.language == "zh_CN"  # book/_ext/translations.py
        headers = [
            INDEX_HEADERS_ZH.get(h, h) if chinese else h
            for h in [
                "Exercise",
                "Page",
                "Label",
                "Difficulty",
                "Minutes",
                "Points",
                "Checked by",
            ]
        ]
        by_hand = "人工批改" if chinese else "by hand"
        table = nodes.table(classes=["exercise-index"])
        group = nodes.tgroup(cols=len(headers))
        table += group
        group += [nodes.colspec(colwidth=1) for _ in headers]
        head = nodes.thead()
        group += head
        head += self.row([nodes.Text(h) for h in headers])
        body = nodes.tbody()
        group += body
        for label, info in rows:
            level = info["difficulty"]
            body += self.row(
                [
                    _xref(label, "ref"),
                    _xref("/" + info["docname"], "doc"),
                    nodes.literal(text=label),
                    nodes.Text("★" * level + "☆" * (3 - level) if level else "?"),
                    nodes.Text(f"{info['minutes']:g}" if info["minutes"] else "?"),
                    nodes.Text(f"{info['points']:g}" if info["points"] else "?"),
                    nodes.literal(text=", ".join(info["checkers"]))
                    if info["checkers"]
                    else nodes.Text(by_hand),
                ]
            )
        return table

    @staticmethod
    def row(cells) -> nodes.row:
        row = nodes.row()
        for content in cells:
            entry = nodes.entry()
            para = nodes.paragraph()
            para += content
            entry += para
            row += entry
        return row


def _toc_order(env) -> list[str]:
    """Documents in reading order (the table of contents), starting at the root."""
    seen, order = set(), []

    def visit(doc):
        if doc in seen:
            return
        seen.add(doc)
        order.append(doc)
        for child in env.toctree_includes.get(doc, []):
            visit(child)

    visit(env.config.root_doc)
    return order


def _always_rewrite_index(app, env, added, changed, removed):
    # The index lists every page's exercises: rebuild it whenever anything is rebuilt.
    return sorted(getattr(env, "course_exercise_index_pages", set()))


# --------------------------------------------------------------------------
# The student edition
# --------------------------------------------------------------------------


def _student_config(app, config) -> None:
    if str(STATIC) not in [str(p) for p in config.html_static_path]:
        config.html_static_path.append(str(STATIC))
    if edition() == "student":
        config.hide_solutions = True


def _student_source(app, docname, source) -> None:
    """Read each notebook as its student edition."""
    if edition() != "student" or not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    from aigc_course.instructors.assign import student_edition

    source[0] = json.dumps(
        student_edition(json.loads(source[0])), indent=1, ensure_ascii=False
    )


def _student_downloads(app, exception) -> None:
    """Replace every downloadable copy of a notebook with its student edition.

    The copies in ``_sources/`` (each page's download button) and those in any zip
    archive of the course written next to the pages (``book/_ext/take_home.py``'s
    ``aigc-course.zip``).
    """
    if exception is not None or edition() != "student" or app.builder.format != "html":
        return
    from aigc_course.instructors.assign import student_edition
    from aigc_course.instructors.notebooks import read_notebook, write_notebook

    for docname in app.env.found_docs:
        path = pathlib.Path(app.env.doc2path(docname))
        if path.suffix != ".ipynb":
            continue
        copied = pathlib.Path(app.outdir) / "_sources" / (docname + path.suffix)
        for name in (
            copied,
            copied.with_name(copied.name + app.config.html_sourcelink_suffix),
        ):
            if name.exists():
                write_notebook(student_edition(read_notebook(path)), name)
    for archive in pathlib.Path(app.outdir).glob("*.zip"):
        _student_archive(archive, student_edition)


def _student_archive(archive: pathlib.Path, student_edition) -> None:
    """Rewrite ``archive`` with every notebook in it replaced by its student edition
    (entries kept in order), and without the Chinese catalogs, which translate the
    solutions' text."""
    tmp = archive.with_name(archive.name + ".tmp")
    with (
        zipfile.ZipFile(archive) as old,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new,
    ):
        for info in old.infolist():
            if info.filename.split("/")[1:2] == ["locale"]:
                continue
            data = old.read(info)
            if info.filename.endswith(".ipynb"):
                nb = student_edition(json.loads(data))
                data = (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode(
                    "utf-8"
                )
            new.writestr(info, data)
    tmp.replace(archive)


def setup(app):
    app.setup_extension("sphinx_exercise")
    from sphinx_exercise.directive import (
        ExerciseDirective,
        ExerciseStartDirective,
        SolutionStartDirective,
    )

    app.add_directive(
        "exercise", _with_course_options(ExerciseDirective), override=True
    )
    app.add_directive(
        "exercise-start", _with_course_options(ExerciseStartDirective), override=True
    )
    app.add_directive(
        "solution-start",
        _solution_start_directive(SolutionStartDirective),
        override=True,
    )
    app.add_directive("exercise-index", ExerciseIndexDirective)
    app.add_node(exercise_index)
    app.add_transform(RemoveHiddenSolutions)
    app.add_post_transform(FillExerciseIndex)
    app.connect("config-inited", _student_config)
    app.connect("source-read", _student_source)
    # after archives of the course are written
    app.connect("build-finished", _student_downloads, priority=900)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _always_rewrite_index)
    app.add_css_file("exercises.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
