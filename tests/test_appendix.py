"""The appendix: a full bilingual glossary, all 13 common mistakes, references that
resolve."""

import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
APPENDIX = ROOT / "book" / "appendix"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _glossary_rows():
    rows = []
    for line in (APPENDIX / "glossary.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            rows.append(cells)
    assert rows and rows[0] == ["English", "中文", "Meaning"], rows[:1]
    return rows[1:]


def test_glossary_has_60_bilingual_terms():
    rows = _glossary_rows()
    assert len(rows) >= 60, f"only {len(rows)} terms"
    for row in rows:
        assert len(row) == 3 and all(row), (
            f"a row needs English, 中文 and a meaning: {row}"
        )
        english, chinese, _ = row
        assert re.search(r"[A-Za-z]", english), row
        assert CJK.search(chinese) or chinese in {"Transformer", "BERT"}, (
            f"no Chinese term: {row}"
        )
    names = [r[0].lower() for r in rows]
    assert len(names) == len(set(names)), "a term is listed twice"


def _notebook():
    return json.loads((APPENDIX / "common_mistakes.ipynb").read_text(encoding="utf-8"))


def test_common_mistakes_has_a_section_for_each_of_the_13_items():
    cells = _notebook()["cells"]
    headings = [
        line
        for c in cells
        if c["cell_type"] == "markdown"
        for line in "".join(c["source"]).splitlines()
        if line.startswith("## ")
    ]
    numbers = [int(m.group(1)) for h in headings if (m := re.match(r"## (\d+)\. ", h))]
    assert numbers == list(range(1, 14)), headings


def test_common_mistakes_checks_with_asserts_in_both_frameworks():
    code = "\n".join(
        "".join(c["source"]) for c in _notebook()["cells"] if c["cell_type"] == "code"
    )
    assert code.count("assert ") >= 13
    assert "import torch" in code and "import keras" in code
    first = "".join(_notebook()["cells"][1]["source"])
    assert first.index("import aigc_course") < first.index("import keras"), (
        "import aigc_course before keras"
    )
    assert "seed_everything(0)" in first


def _bib_entries():
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    entries = {}
    for match in re.finditer(r"@(\w+)\{([^,]+),(.*?)\n\}", text, re.S):
        fields = dict(re.findall(r"(\w+)\s*=\s*\{(.*)\}", match.group(3)))
        entries[match.group(2)] = fields
    return entries


def test_bibliography_entries_are_complete_and_cited_keys_exist():
    entries = _bib_entries()
    assert len(entries) >= 25
    for key, fields in entries.items():
        for field in ("author", "title", "year"):
            assert fields.get(field), f"{key} has no {field}"
        assert re.fullmatch(r"(19|20)\d\d", fields["year"]), (
            f"{key}: year {fields['year']!r}"
        )
    cited = set()
    for page in APPENDIX.glob("*.md"):
        for keys in re.findall(
            r"\{cite:?\w*\}`([^`]+)`", page.read_text(encoding="utf-8")
        ):
            cited.update(k.strip() for k in keys.split(","))
    missing = cited - set(entries)
    assert not missing, f"cited but not in references.bib: {sorted(missing)}"


def test_references_the_tutorials_get_wrong_are_right():
    entries = _bib_entries()
    vae = entries["kingma2013vae"]
    assert (
        "Auto-Encoding Variational" in vae["title"]
        and vae["author"].startswith("Kingma")
        and vae["year"] == "2013"
    )
    review = entries["blei2017variational"]
    assert review["title"] == "Variational Inference: A Review for Statisticians"
    assert review["author"].startswith("Blei") and "Kingma" not in review["author"]
    resnet = entries["he2015resnet"]
    assert resnet["title"] == "Deep Residual Learning for Image Recognition" and resnet[
        "author"
    ].startswith("He, Kaiming")


def test_appendix_embeds_no_external_asset():
    for page in APPENDIX.glob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"!\[[^\]]*\]\(\s*(https?:)?//", text), (
            f"{page.name} embeds a remote image"
        )
        assert not re.search(
            r"<(img|script|iframe)[^>]+(src)=['\"]?(https?:)?//", text, re.I
        ), page.name
