"""The book: every page listed, every notebook executed and clean, no download, no
external asset."""

import bisect
import html.parser
import json
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(
    p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
TOC_FILES = re.findall(
    r"(?:file|root):\s*([^\s#]+)", (ROOT / "_toc.yml").read_text(encoding="utf-8")
)

# Code that fetches data or weights at run time.
DOWNLOAD = re.compile(
    r"urlretrieve|urlopen\(|requests\.(get|post)\(|download\s*=\s*True|\.load_data\(|"
    r"from_pretrained\(\s*['\"](?!\.|/)|hf_hub_download|fetch_openml|tfds\.load|load_dataset\("
)


def test_toc_lists_existing_pages():
    for entry in TOC_FILES:
        matches = [ROOT / f"{entry}{ext}" for ext in (".md", ".ipynb")]
        assert any(p.exists() for p in matches), (
            f"_toc.yml lists {entry}, which has no .md or .ipynb"
        )


def test_every_notebook_is_in_the_toc():
    listed = {str(pathlib.PurePosixPath(e).with_suffix("")) for e in TOC_FILES}
    for nb in NOTEBOOKS:
        assert str(nb.relative_to(ROOT).with_suffix("")) in listed, (
            f"{nb.relative_to(ROOT)} is not in _toc.yml"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_notebook_executed_top_to_bottom_without_errors(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code" and "".join(c["source"]).strip()
    ]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"not one clean run from a fresh kernel: {counts}"
    )
    for cell in code:
        for out in cell["outputs"]:
            assert out["output_type"] != "error", (
                f"stored error: {out.get('ename')}: {out.get('evalue')}"
            )
            text = "".join(out.get("text", ""))
            assert "Traceback (most recent call last)" not in text
            assert "IProgress not found" not in text, (
                "tqdm without widgets: use the plain text bar"
            )
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"


# nbval's cell tags that the book uses; "nbval-skip" would hide a cell from the tests.
NBVAL_TAGS = {"nbval-ignore-output", "raises-exception"}


def _is_compared_exactly(cell) -> bool:
    """A code cell whose text output nbval compares as it is: untagged and printing
    something."""
    if set(cell["metadata"].get("tags", [])) & {"nbval-ignore-output", "nbval-skip"}:
        return False
    for out in cell["outputs"]:
        text = "".join(out.get("text", "")) or "".join(
            out.get("data", {}).get("text/plain", "")
        )
        if text.strip() and not re.fullmatch(
            r"(<Figure size [^>]*>\s*)+", text.strip()
        ):
            return True
    return False


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_testing_markers_are_cell_tags_not_code(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert "NBVAL_" not in "".join(cell["source"]), (
            f"cell {index}: readers see `# NBVAL_...` comments; use the cell tag "
            "nbval-ignore-output instead"
        )
        tags = {
            t
            for t in cell["metadata"].get("tags", [])
            if t.startswith(("nbval", "raises"))
        }
        assert tags <= NBVAL_TAGS, (
            f"cell {index}: tags {sorted(tags - NBVAL_TAGS)}; "
            f"allowed: {sorted(NBVAL_TAGS)}"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_every_notebook_has_an_exactly_compared_cell(path):
    """Outputs that are the same on every machine (shapes, counts, formula checks) stay
    compared as they are."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert any(_is_compared_exactly(c) for c in code), (
        "no cell's text output is compared exactly"
    )


def test_the_exact_comparison_rule_sees_tags():
    printed = {
        "metadata": {},
        "outputs": [{"output_type": "stream", "text": ["(1433, 28, 28)\n"]}],
    }
    figure = {
        "metadata": {},
        "outputs": [
            {
                "output_type": "execute_result",
                "data": {"text/plain": ["<Figure size 900x300 with 2 Axes>"]},
            }
        ],
    }
    ignored = {
        "metadata": {"tags": ["nbval-ignore-output"]},
        "outputs": printed["outputs"],
    }
    assert _is_compared_exactly(printed)
    assert not _is_compared_exactly(figure) and not _is_compared_exactly(ignored)


INCLUDE = re.compile(
    r"```\{literalinclude\} "
    r"\.\./\.\./aigc_course/(torch|keras)/(\w+\.py)\n:pyobject: "
    r"([\w.]+)"
)


def _defines(path: pathlib.Path, dotted: str) -> bool:
    import ast

    nodes = ast.parse(path.read_text(encoding="utf-8")).body
    for part in dotted.split("."):
        found = [
            n
            for n in nodes
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part
        ]
        if not found:
            return False
        nodes = getattr(found[0], "body", [])
    return True


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_package_code_on_a_page_shows_both_frameworks(path):
    """A PyTorch listing whose Keras twin exists sits in a tab set with it (``forward``
    is Keras' ``call``)."""
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        text = "".join(cell["source"]) if cell["cell_type"] == "markdown" else ""
        includes = set(INCLUDE.findall(text))
        for framework, file, obj in includes:
            twin = obj.replace(".forward", ".call")
            if framework == "torch" and _defines(
                ROOT / "aigc_course" / "keras" / file, twin
            ):
                assert ("keras", file, twin) in includes, (
                    f"{file}:{obj} is shown for PyTorch only"
                )
                assert "{tab-set}" in text and ":sync-group: framework" in text, (
                    f"{file}:{obj} is not in tabs"
                )


def _code_sources():
    for src in sorted((ROOT / "aigc_course").rglob("*.py")):
        yield src.relative_to(ROOT), src.read_text(encoding="utf-8").splitlines()
    for nb in NOTEBOOKS:
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        lines = [
            line
            for c in cells
            if c["cell_type"] == "code"
            for line in "".join(c["source"]).splitlines()
        ]
        yield nb.relative_to(ROOT), lines


def test_no_download_in_package_or_notebooks():
    found = [
        f"{name}:{n}: {line.strip()}"
        for name, lines in _code_sources()
        for n, line in enumerate(lines, 1)
        if DOWNLOAD.search(line) and "noqa: offline" not in line
    ]
    assert not found, "code that downloads at run time:\n" + "\n".join(found)


# ---------------------------------------------------------------------------
# The built HTML loads nothing from the internet
# ---------------------------------------------------------------------------

_ASSET_ATTRS = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "audio": "src",
    "video": "src",
    "embed": "src",
    "object": "data",
}
_EXTERNAL = re.compile(r"^(https?:)?//", re.I)
_CSS_URL = re.compile(
    r"(?:url\(\s*['\"]?|@import\s+['\"])((?:https?:)?//[^'\")\s]+)", re.I
)


class _AssetFinder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.external, self._in_script = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = attrs.get(_ASSET_ATTRS.get(tag, ""), None)
        if tag == "link" and attrs.get("rel", "") not in (
            "canonical",
            "alternate",
            "author",
            "license",
            "search",
            "next",
            "prev",
        ):
            url = attrs.get("href")  # stylesheets, icons, preloads, fonts
        if url and _EXTERNAL.match(url):
            self.external.append(f"<{tag}> {url}")
        self.external += [
            f"style url {u}" for u in _CSS_URL.findall(attrs.get("style", "") or "")
        ]
        self._in_script = tag == "script" and not attrs.get("src")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:  # inline scripts that would fetch code from a CDN
            self.external += [
                f"inline script {u}"
                for u in re.findall(
                    r"(?:https?:)?//[\w.-]+\.\w+/[^\s'\"]*\.(?:js|css)", data
                )
            ]


def external_assets(html_dir: pathlib.Path) -> list[str]:
    """Every asset a page of the built book would fetch from outside it."""
    problems = []
    for page in html_dir.rglob("*.html"):
        finder = _AssetFinder()
        finder.feed(page.read_text(encoding="utf-8", errors="replace"))
        problems += [f"{page.relative_to(html_dir)}: {p}" for p in finder.external]
    for css in html_dir.rglob("*.css"):
        problems += [
            f"{css.relative_to(html_dir)}: {u}"
            for u in _CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace"))
        ]
    return problems


def test_asset_scanner_catches_cdn_urls(tmp_path):
    (tmp_path / "a.html").write_text(
        '<html><head><script src="https://cdn.example.org/x.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.org/f.css"></head>'
        '<body><a href="https://example.org">a link is fine</a><img src="local.png">'
        "<script>const URL = "
        '"https://unpkg.com/thebe@0.8.2/lib/index.js"</script></body></html>'
    )
    (tmp_path / "s.css").write_text(
        "@import 'https://fonts.example.org/x.css'; a { background: url(img.png) }"
    )
    found = external_assets(tmp_path)
    assert len(found) == 4, found
    assert not any('example.org"' in f or "a link" in f for f in found)


class _ImageFinder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.images = []  # (src, alt or None)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            attrs = dict(attrs)
            self.images.append((attrs.get("src") or "", attrs.get("alt")))


# What a tool writes when no one wrote an alt text: a file name, a path or a hash.
_FILE_NAME = re.compile(
    r"^\S*\.(png|jpe?g|gif|svg|webp)$|^[0-9a-f]{16,}$|^\S*/\S*$", re.I
)


def images_without_alt(html_dir: pathlib.Path) -> list[str]:
    """Every <img> of the built book whose alt text is missing, empty or a file
    name."""
    problems = []
    for page in sorted(html_dir.rglob("*.html")):
        finder = _ImageFinder()
        finder.feed(page.read_text(encoding="utf-8", errors="replace"))
        for src, alt in finder.images:
            text = (alt or "").strip()
            name = src.rsplit("/", 1)[-1]
            if not text or _FILE_NAME.match(text) or text in (src, name):
                problems.append(
                    f"{page.relative_to(html_dir)}: {src[-60:]} alt={alt!r}"
                )
    return problems


def test_alt_text_rule_rejects_file_names(tmp_path):
    (tmp_path / "a.html").write_text(
        '<img src="_images/0a1b2c3d4e5f60718293a4b5c6d7e8f9.png" '
        'alt="_images/0a1b2c3d4e5f60718293a4b5c6d7e8f9.png">'
        '<img src="x/digits.png" alt="digits.png"><img src="y.png" alt="">'
        '<img src="z.png"><img src="h.png" alt="0a1b2c3d4e5f60718293a4b5c6d7e8f9">'
        '<img src="ok.png" alt="A grid of 32 handwritten digits.">'
    )
    found = images_without_alt(tmp_path)
    assert len(found) == 5, found
    assert not any("ok.png" in f for f in found)


GLOSSARY = BOOK / "appendix" / "glossary.md"
CJK = re.compile(r"[\u4e00-\u9fff]")
# (English term, chapter folder) pairs exempt from the rule below: in these chapters the
# word first appears in a sense other than the glossary's, where its Chinese term would
# be wrong.
ALLOWED = {
    # an estimator's bias (偏差), not bias in data or models (偏见)
    ("bias", "04_math"),
    ("bias", "05_finetuning"),  # a layer's bias vector (偏置)
    # a probability density (概率密度), not the density metric
    ("density", "01_concepts"),
    # an anomaly detector (07_risks gives 生成内容检测器 anyway)
    ("detector", "06_applications"),
    ("generator", "05_finetuning"),  # a random-number generator
    # the masked pixels of an image, not a hole in a latent space
    ("hole", "05_finetuning"),
    ("hole", "06_applications"),  # the missing square that inpainting fills
}


def _glossary_pairs():
    """(English, Chinese) for every glossary row with a Chinese term; qualifiers in
    brackets dropped."""
    pairs = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or len(cells) != 3 or cells[0] == "English":
            continue
        # "density (metric)" -> "density"
        english = re.sub(r"\s*\([^)]*\)", "", cells[0]).strip()
        chinese = re.sub(
            r"（[^）]*）", "", cells[1]
        ).strip()  # "词元（token）" -> "词元"
        # "BERT（基于 Transformer 的双向编码器表示）": the bracket is the Chinese
        if not CJK.search(chinese):
            inner = re.findall(r"（([^）]*)）", cells[1])
            chinese = next((part for part in inner if CJK.search(part)), "")
        # "Transformer" is kept in English in Chinese texts: nothing to check
        if chinese:
            pairs.append((english, chinese))
    return pairs


_FENCE = re.compile(r"^(```+|~~~+)(.*?)\n(.*?)^\1[ \t]*$", re.S | re.M)


def _prose(markdown: str) -> str:
    """The words a reader sees: no code blocks, inline code, maths, link targets or
    directive options."""

    def fence(m):  # a MyST directive's body is prose; a code block is not
        if not m.group(2).strip().startswith("{"):
            return ""
        return "\n".join(
            line for line in m.group(3).splitlines() if not line.startswith(":")
        )

    text = _FENCE.sub(fence, markdown)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$|`[^`\n]*`", " ", text)
    text = re.sub(r"\]\([^)\s]*\)", "]", text)
    return re.sub(r"^:+.*$|^:[\w-]+:.*$", "", text, flags=re.M)


def _chapter_cells():
    """{chapter folder: [(page:cell, prose), ...]} for book/NN_*/, pages in _toc.yml
    order."""
    chapters = {}
    for entry in TOC_FILES:
        parts = pathlib.PurePosixPath(entry).parts
        if len(parts) != 3 or not re.match(r"\d\d_", parts[1]):
            continue
        page = next(
            p for p in (ROOT / f"{entry}.md", ROOT / f"{entry}.ipynb") if p.exists()
        )
        cells = chapters.setdefault(parts[1], [])
        if page.suffix == ".md":
            cells.append((page.name, _prose(page.read_text(encoding="utf-8"))))
        else:
            for i, cell in enumerate(
                json.loads(page.read_text(encoding="utf-8"))["cells"]
            ):
                if cell["cell_type"] == "markdown":
                    cells.append(
                        (f"{page.name}, cell {i}", _prose("".join(cell["source"])))
                    )
    return chapters


def _term_pattern(english: str) -> re.Pattern:
    """The term as a whole word in lower-case text: plural, hyphen or space, -ise or
    -ize all allowed."""
    pattern = (
        re.escape(english.lower()).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?")
    )
    pattern = re.sub(r"is(e|ation|ing)", r"i[sz]\1", pattern)
    # "Not preceded by a letter or hyphen", written after the first letter so that the
    # pattern starts with a literal, which `re` finds quickly (a leading look-behind is
    # 20x slower).
    return re.compile(pattern[0] + r"(?<![\w-].)" + pattern[1:] + r"(?:s|es)?(?![\w-])")


def test_each_chapter_gives_the_glossary_chinese_term_at_first_use():
    """Where a glossary term first appears in a chapter, its Chinese term follows in
    brackets.

    It may be in the same bracket ("(GAN, 生成对抗网络)") or a new one
    ("attention (注意力机制)"),
    within 60 characters, at the chapter's first appearance or a later one in the same
    cell.
    """
    chapters = {}
    # one string per chapter: one search per term
    for chapter, cells in _chapter_cells().items():
        starts = [0]
        for _, text in cells:
            starts.append(starts[-1] + len(text) + 1)
        joined = "\0".join(text for _, text in cells).lower()
        chapters[chapter] = ([where for where, _ in cells], starts, joined)
    pairs = _glossary_pairs()
    missing, exempted = [], set()
    for english, chinese in pairs:
        term = _term_pattern(english)
        # An occurrence inside a longer glossary term ("posterior" in "approximate
        # posterior") belongs to that term: blank those out (same length, so positions
        # stay valid).
        longer = [
            _term_pattern(e)
            for e, _ in pairs
            if e != english and term.search(e.lower())
        ]
        # a line may break inside it
        zh = re.escape(chinese.lower()).replace(r"\ ", r"\s+")
        given = re.compile(rf"[(（][^()（）]*?{zh}|^[^()（）]*?{zh}[^()（）]*[)）]")
        for chapter, (names, starts, joined) in chapters.items():
            for other in longer:
                joined = other.sub(lambda m: " " * len(m.group()), joined)
            first = term.search(joined)
            if first is None:
                continue
            if (english, chapter) in ALLOWED:
                exempted.add((english, chapter))
                continue
            index = bisect.bisect_right(starts, first.start()) - 1
            # the cell of the first appearance
            text = joined[starts[index] : starts[index + 1] - 1]
            found = list(term.finditer(text))
            if not any(given.search(text[m.end() : m.end() + 60]) for m in found):
                context = " ".join(
                    text[max(0, found[0].start() - 30) : found[0].end() + 40].split()
                )
                missing.append(
                    f"{chapter}/{names[index]}: {english} ({chinese}): ...{context}..."
                )
    assert not missing, (
        "first use in a chapter without its Chinese term:\n" + "\n".join(missing)
    )
    assert exempted == ALLOWED, (
        f"ALLOWED entries whose term no longer appears: {ALLOWED - exempted}"
    )


def test_the_glossary_rule_reads_terms_and_brackets():
    """The parts of the rule above, on small inputs whose answer is known."""
    pairs = dict(_glossary_pairs())
    assert (
        pairs["token"] == "词元"
        and pairs["density"] == "密度"
        and "transformer" not in pairs
    )
    assert pairs["BERT"] == "基于 Transformer 的双向编码器表示"
    assert (
        _term_pattern("batch normalisation").search("batchnorm is batch normalizations")
        is not None
    )
    assert _term_pattern("attention").search("self-attention") is None
    assert _term_pattern("attention").search("attention") is not None
    assert _term_pattern("token").search("tokenizer") is None
    assert (
        _prose("a `token` and $x$ and\n```python\ntoken = 1\n```\n").count("token") == 0
    )


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    exe = shutil.which("jupyter-book") or str(
        pathlib.Path(sys.executable).with_name("jupyter-book")
    )
    result = subprocess.run(
        [
            exe,
            "build",
            str(ROOT),
            "--path-output",
            str(out),
            "-W",
            "-n",
            "--keep-going",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (
        "book build failed:\n" + result.stdout[-4000:] + result.stderr[-4000:]
    )
    return out / "_build" / "html"


def test_book_builds_without_warnings_and_has_every_page(built_book):
    assert (built_book / "index.html").exists()
    for entry in TOC_FILES:
        assert (built_book / f"{entry}.html").exists(), f"{entry}.html was not built"


def test_every_image_of_the_built_book_has_an_alt_text(built_book):
    found = images_without_alt(built_book)
    assert not found, (
        "images whose alt text is missing or a file name (give the figure's cell "
        "metadata mystnb: image: alt):\n" + "\n".join(found[:20])
    )


def test_built_book_needs_no_external_asset(built_book):
    found = external_assets(built_book)
    assert not found, "the built book loads assets from outside:\n" + "\n".join(
        found[:20]
    )
    mathjax = built_book / "_static" / "mathjax" / "tex-chtml.js"
    assert mathjax.exists(), (
        "MathJax must be served from _static (sphinx-mathjax-offline)"
    )


if __name__ == "__main__":
    # .ci/run: python tests/test_book.py _build/html
    html_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")
    if not (html_dir / "index.html").exists():
        sys.exit(f"{html_dir} holds no built book (index.html missing)")
    found = external_assets(html_dir)
    for line in found:
        print("external asset:", line)
    no_alt = images_without_alt(html_dir)
    for line in no_alt:
        print("image without alt text:", line)
    failed = found or no_alt
    print(
        f"{html_dir}: {'FAIL' if failed else 'ok'}, {len(found)} external asset(s), "
        f"{len(no_alt)} image(s) without alt text"
    )
    sys.exit(1 if failed else 0)
