"""Check a built student edition of the book: no solution text in its pages, search
index or downloads (the notebooks behind each page, and those in the course's zip
archive).

    AIGC_COURSE_EDITION=student jupyter-book build . --path-output _build/student
    python tests/student_check.py _build/student/_build/html

The solution lines looked for are taken from the book's notebooks themselves (every line
of a solution long enough to be distinctive, and found nowhere else in the book or the
package source it shows), so a new solution is covered without a list to maintain.
Prints what it found and exits 1 if any; its name does not start with ``test_``, so
pytest does not collect it.
"""

from __future__ import annotations

import html
import pathlib
import re
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aigc_course.instructors.assign import student_edition  # noqa: E402
from aigc_course.instructors.notebooks import cell_source, read_notebook, solution_text  # noqa: E402

MIN_LENGTH = 30
# Markdown markup that the HTML renders differently (math, code spans, emphasis, links).
_MARKUP = re.compile(r"[$`*_{}\[\]|<>]")


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def notebooks() -> list[pathlib.Path]:
    return sorted(
        p
        for p in (ROOT / "book").rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    )


def solution_lines() -> dict[str, str]:
    """Distinctive solution lines -> the notebook they come from."""
    everything_else = []
    for path in notebooks():
        everything_else += [
            cell_source(c) for c in student_edition(read_notebook(path))["cells"]
        ]
    everything_else += [
        p.read_text(encoding="utf-8") for p in (ROOT / "book").rglob("*.md")
    ]
    # Pages show the package's own code (literalinclude), where a line can equal a
    # solution's.
    everything_else += [
        p.read_text(encoding="utf-8") for p in (ROOT / "aigc_course").rglob("*.py")
    ]
    elsewhere = _normal("\n".join(everything_else))
    found = {}
    for path in notebooks():
        for block in solution_text(read_notebook(path)):
            for line in block.splitlines():
                line = _normal(line)
                is_code = line.startswith(("return ", "def ")) or "=" in line
                if (
                    len(line) >= MIN_LENGTH
                    and (is_code or not _MARKUP.search(line))
                    and line not in elsewhere
                ):
                    found[line] = str(path.relative_to(ROOT))
    return found


def published_text(site: pathlib.Path) -> dict[str, str]:
    """Each published file of the site as normalised text (HTML without tags, entities
    decoded), and each notebook or page inside a zip archive of the site."""
    texts = {}
    for path in site.rglob("*"):
        if path.is_file() and path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    if name.endswith((".ipynb", ".md")):
                        texts[f"{path.relative_to(site)}:{name}"] = _normal(
                            archive.read(name).decode("utf-8", "replace")
                        )
            continue
        if (
            not path.is_file()
            or path.suffix not in (".html", ".js", ".ipynb", ".md", ".txt")
            or "_static" in path.parts
        ):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            text = html.unescape(re.sub(r"<[^>]+>", "", text))
        texts[str(path.relative_to(site))] = _normal(text)
    return texts


def main(site: str) -> int:
    site_path = pathlib.Path(site)
    if not (site_path / "index.html").exists():
        print(f"student_check: {site} holds no built book (index.html missing)")
        return 1
    lines = solution_lines()
    texts = published_text(site_path)
    leaks = [
        (line, source, name)
        for line, source in lines.items()
        for name, text in texts.items()
        if line in text
    ]
    for line, source, name in leaks[:20]:
        print(
            f"student_check: {name} contains a solution line of {source}: {line[:90]!r}"
        )
    print(f"student_check: {'FAIL' if leaks else 'ok'} ({len(lines)} solution lines "
          f"looked for in {len(texts)} files, "
          f"{len(leaks)} found)")  # fmt: skip
    return 1 if leaks or not lines else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/student_check.py BUILT_HTML_FOLDER")
    sys.exit(main(sys.argv[1]))
