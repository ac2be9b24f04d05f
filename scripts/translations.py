"""Keep the Chinese edition's message catalogs in step with the English text.

The English pages and notebooks are the source.  Sphinx's gettext builder
extracts every translatable string (headings, paragraphs, list items, notebook
Markdown cells, captions); each page gets a catalog
``locale/zh_CN/LC_MESSAGES/<page>.po`` whose ``msgstr`` entries hold the Chinese.

    python scripts/translations.py update   # after changing English text
    python scripts/translations.py check    # what is missing, empty or fuzzy
    python scripts/translations.py stats    # how much is translated, per page
    python scripts/translations.py shown _build/html/zh_CN   # after a build

``update`` adds new strings with an empty translation, marks a string whose
English changed as *fuzzy* (keeping the old translation as a starting point),
and drops strings that are gone.  ``check`` exits non-zero until every string
has a reviewed translation; ``tests/test_translations.py`` runs the same check,
so an English change lands only with its translation (CONTRIBUTING.md,
"Translations").  ``shown`` finds translations that the build dropped.
"""

import argparse
import html
import io
import os
import pathlib
import re
import subprocess
import sys
import tempfile

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = pathlib.Path(__file__).resolve().parent.parent
LANGUAGE = "zh_CN"
CATALOGS = ROOT / "locale" / LANGUAGE / "LC_MESSAGES"
# Catalogs of interface labels (Sphinx's and the theme's, where their own Chinese
# catalogs lack one), not of a page: written by hand, checked for empty entries.
INTERFACE_CATALOGS = {"sphinx"}

# Markup that must come through translation unchanged: roles and directives
# ({term}`...`), inline code, maths and link targets.
ROLE = re.compile(r"\{[a-z:-]+\}`")
CODE = re.compile(r"(?<!\})`[^`]+`")
LINK_TARGET = re.compile(r"\]\(([^)\s]+)")
# A translation is parsed as Markdown on its own: "1. 两个网络" would become a list, and
# Sphinx then drops the translation of that heading without a warning.
BLOCK_START = re.compile(r"(\d+[.)]|[-*+]|>|#+)(\s|$)")


def extract(out: pathlib.Path) -> pathlib.Path:
    """Run the gettext build into ``out``; return the folder of ``.pot`` files."""
    env = dict(os.environ, AIGC_COURSE_LANGUAGE="en")
    command = [
        "jupyter-book",
        "build",
        str(ROOT),
        "--builder",
        "custom",
        "--custom-builder",
        "gettext",
        "--path-output",
        str(out),
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"the gettext build failed (exit {result.returncode})")
    return out / "_build" / "gettext"


def templates(pot_dir: pathlib.Path) -> dict[str, Catalog]:
    """Each page's template catalog, keyed by its path without the suffix."""
    found = {}
    for path in sorted(pot_dir.rglob("*.pot")):
        with path.open("rb") as f:
            found[path.relative_to(pot_dir).with_suffix("").as_posix()] = read_po(f)
    return found


def read_catalog(page: str, catalogs: pathlib.Path = CATALOGS) -> Catalog | None:
    path = catalogs / f"{page}.po"
    if not path.exists():
        return None
    with path.open("rb") as f:
        return read_po(f, locale=LANGUAGE)


HEADER = (
    "# Chinese (zh_CN) translation of AIGC Course (AIGC 从入门到实战), one page.\n"
    '# Translate the msgstr entries; see CONTRIBUTING.md, "Translations".'
)
_DATE_LINE = re.compile(rb'^"POT-Creation-Date: .*\n', re.M)


def write_catalog(
    page: str, catalog: Catalog, catalogs: pathlib.Path = CATALOGS
) -> None:
    path = catalogs / f"{page}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.header_comment = HEADER
    catalog.project, catalog.version = "AIGC Course", "1"
    catalog.msgid_bugs_address = ""
    catalog.last_translator = catalog.language_team = "AIGC Course contributors"
    buffer = io.BytesIO()
    # No line wrapping and no source locations: a catalog changes only where text does.
    write_po(buffer, catalog, width=0, omit_header=False, ignore_obsolete=True)
    new = buffer.getvalue()
    # nor when only the extraction date moved
    if path.exists() and _DATE_LINE.sub(b"", path.read_bytes()) == _DATE_LINE.sub(
        b"", new
    ):
        return
    path.write_bytes(new)


def update(pot_dir: pathlib.Path, catalogs: pathlib.Path = CATALOGS) -> None:
    pages = templates(pot_dir)
    for page, template in pages.items():
        catalog = read_catalog(page, catalogs)
        if catalog is None:
            catalog = Catalog(locale=LANGUAGE, project="AIGC Course", fuzzy=False)
        catalog.update(template, update_header_comment=False)
        catalog.fuzzy = False
        write_catalog(page, catalog, catalogs)
    for path in sorted(catalogs.rglob("*.po")):
        page = path.relative_to(catalogs).with_suffix("").as_posix()
        if page not in pages and page not in INTERFACE_CATALOGS:
            print(f"removed {path} (the page is gone)")
            path.unlink()
    print(f"updated {len(pages)} catalogs in {catalogs}")


def markup_problems(english: str, chinese: str) -> list[str]:
    """Markup present in the English string that the translation changed."""
    problems = []
    for name, pattern in (("role", ROLE), ("link target", LINK_TARGET)):
        if sorted(pattern.findall(english)) != sorted(pattern.findall(chinese)):
            problems.append(f"{name}s differ")
    if len(CODE.findall(english)) != len(CODE.findall(chinese)):
        problems.append("inline code count differs")
    if english.count("$") != chinese.count("$"):
        problems.append("maths ($) count differs")
    if BLOCK_START.match(chinese):
        problems.append(
            "starts like a Markdown list, quote or heading (write 1\\. ...)"
        )
    return problems


def problems(pot_dir: pathlib.Path, catalogs: pathlib.Path = CATALOGS) -> list[str]:
    """Every string without a reviewed translation, and every broken one."""
    found = []
    for name in sorted(INTERFACE_CATALOGS):
        catalog = read_catalog(name, catalogs)
        for message in catalog or []:
            if message.id and (not message.string or message.fuzzy):
                found.append(f"{name}: empty or fuzzy: {message.id!r}")
    for page, template in templates(pot_dir).items():
        catalog = read_catalog(page, catalogs)
        if catalog is None:
            found.append(
                f"{page}: no catalog (run: python scripts/translations.py update)"
            )
            continue
        if catalog.fuzzy:
            found.append(f"{page}: the catalog header is marked fuzzy")
        for message in template:
            if not message.id:
                continue
            entry = catalog.get(message.id, message.context)
            short = message.id[:70].replace("\n", " ")
            if entry is None:
                found.append(f"{page}: missing: {short!r}")
            elif not entry.string:
                found.append(f"{page}: empty: {short!r}")
            elif entry.fuzzy:
                found.append(f"{page}: fuzzy (the English changed): {short!r}")
            else:
                for problem in markup_problems(message.id, entry.string):
                    found.append(f"{page}: {problem}: {short!r}")
    return found


def _visible_text(page: pathlib.Path) -> str:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"<(script|style|pre)\b.*?</\1>", " ", text, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def shown_in_english(
    html_dir: pathlib.Path, catalogs: pathlib.Path = CATALOGS
) -> list[str]:
    """Translated messages whose English still shows on the built Chinese page.

    Sphinx drops a translation without a warning when the Chinese does not parse
    into the same kind of node (a heading whose translation reads as a list, say);
    the English sentence then stays on the Chinese page.
    """
    found = []
    for path in sorted(catalogs.rglob("*.po")):
        page = path.relative_to(catalogs).with_suffix("").as_posix()
        if page in INTERFACE_CATALOGS:
            continue
        built = html_dir / f"{page}.html"
        if not built.exists():
            found.append(f"{page}: not built in {html_dir}")
            continue
        text = _visible_text(built)
        for message in read_catalog(page, catalogs):
            if not message.id or not message.string:
                continue
            # the longest run of plain English words: markup is rendered differently
            runs = re.findall(r"[A-Za-z][A-Za-z ,']{30,}", message.id)
            if not runs:
                continue
            run = re.sub(r"\s+", " ", max(runs, key=len).strip())
            if run in text and run not in message.string:
                found.append(f"{page}: shows the English {run[:60]!r}")
    return found


def stats(pot_dir: pathlib.Path) -> None:
    total_done = total = 0
    for page, template in templates(pot_dir).items():
        catalog = read_catalog(page)
        ids = [m for m in template if m.id]
        done = 0
        for message in ids:
            entry = catalog.get(message.id, message.context) if catalog else None
            done += bool(entry and entry.string and not entry.fuzzy)
        words = sum(len(m.id.split()) for m in ids)
        print(f"{done:4d}/{len(ids):4d} strings  {words:6d} words  {page}")
        total_done, total = total_done + done, total + len(ids)
    print(f"{total_done}/{total} strings translated")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["update", "check", "stats", "shown"])
    parser.add_argument(
        "html",
        nargs="?",
        type=pathlib.Path,
        help="shown: the built Chinese site (e.g. _build/html/zh_CN)",
    )
    parser.add_argument(
        "--pot",
        type=pathlib.Path,
        help="use these .pot files instead of extracting them again",
    )
    args = parser.parse_args(argv)
    if args.command == "shown":
        if args.html is None or not (args.html / "index.html").exists():
            parser.error("shown needs the built Chinese site, e.g. _build/html/zh_CN")
        found = shown_in_english(args.html)
        for line in found:
            print(line)
        print(f"{len(found)} translated messages show in English on {args.html}")
        return 1 if found else 0
    with tempfile.TemporaryDirectory() as tmp:
        pot_dir = args.pot or extract(pathlib.Path(tmp))
        if args.command == "update":
            update(pot_dir)
        elif args.command == "stats":
            stats(pot_dir)
        else:
            found = problems(pot_dir)
            for line in found:
                print(line)
            if found:
                print(f"{len(found)} strings need a translation or a review")
                return 1
            print("every string has a reviewed translation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
