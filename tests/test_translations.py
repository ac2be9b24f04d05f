"""The Chinese edition never falls out of step with the English text.

Every string that Sphinx extracts from the English pages must have a reviewed
(non-empty, non-fuzzy) translation in ``locale/zh_CN/LC_MESSAGES`` with its
markup intact, so an English change lands only with its translation
(CONTRIBUTING.md, "Translations").
"""

import importlib.util
import pathlib

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "translations_script", ROOT / "scripts" / "translations.py"
)
translations = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(translations)


@pytest.fixture(scope="module")
def pot_dir(tmp_path_factory):
    return translations.extract(tmp_path_factory.mktemp("gettext"))


def test_every_english_string_has_a_reviewed_chinese_translation(pot_dir):
    found = translations.problems(pot_dir)
    assert not found, (
        f"{len(found)} strings of the Chinese edition need work (run `python "
        "scripts/translations.py update`, translate, then `... check`):\n"
        + "\n".join(found[:40])
    )


def test_no_catalog_is_left_for_a_page_that_is_gone(pot_dir):
    pages = set(translations.templates(pot_dir))
    stale = [
        path
        for path in translations.CATALOGS.rglob("*.po")
        if path.relative_to(translations.CATALOGS).with_suffix("").as_posix()
        not in pages | translations.INTERFACE_CATALOGS
    ]
    assert not stale, f"catalogs of pages that no longer exist: {stale}"


def _write_template(folder: pathlib.Path, ids: list[str]) -> None:
    template = Catalog(project="test")
    for message in ids:
        template.add(message)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "page.pot").open("wb") as f:
        write_po(f, template)


def test_the_check_finds_missing_empty_fuzzy_and_broken_strings(tmp_path):
    pot, catalogs = tmp_path / "pot", tmp_path / "po"
    english = [
        "Train the {term}`generator`.",
        "The loss $L_D$ falls.",
        "Call `fit()`.",
        "See [the guide](setup.md).",
        "Unchanged.",
    ]
    _write_template(pot, english)
    translations.update(pot, catalogs)
    catalog = translations.read_catalog("page", catalogs)
    assert [m.string for m in catalog if m.id] == [""] * 5  # new strings start empty
    catalog["Train the {term}`generator`."].string = "训练{term}`生成器 <generator>`。"
    catalog["The loss $L_D$ falls."].string = "损失 L_D 下降。"  # maths dropped
    catalog["Call `fit()`."].string = "调用 fit()。"  # code dropped
    catalog[
        "See [the guide](setup.md)."
    ].string = "见[指南](other.md)。"  # target changed
    translations.write_catalog("page", catalog, catalogs)
    found = translations.problems(pot, catalogs)
    assert any("empty: 'Unchanged.'" in line for line in found)
    assert any("maths" in line for line in found)
    assert any("inline code" in line for line in found)
    assert any("link target" in line for line in found)
    assert not any("generator" in line for line in found)
    assert translations.markup_problems("1. The two networks", "1. 两个网络") == [
        "starts like a Markdown list, quote or heading (write 1\\. ...)"
    ]
    assert translations.markup_problems("1. The two networks", "1\\. 两个网络") == []

    # The English changes: the old translation is kept but marked fuzzy, and fails.
    catalog = translations.read_catalog("page", catalogs)
    catalog["Unchanged."].string = "不变。"
    translations.write_catalog("page", catalog, catalogs)
    _write_template(pot, ["Train the {term}`generator` twice.", "Unchanged."])
    translations.update(pot, catalogs)
    found = translations.problems(pot, catalogs)
    assert found == [
        "page: fuzzy (the English changed): 'Train the {term}`generator` twice.'"
    ]
    kept = translations.read_catalog("page", catalogs)
    assert kept["Train the {term}`generator` twice."].string.startswith("训练")
    assert kept["Unchanged."].string == "不变。"

    # A page without a catalog fails too.
    (catalogs / "page.po").unlink()
    assert translations.problems(pot, catalogs) == [
        "page: no catalog (run: python scripts/translations.py update)"
    ]


def test_a_dropped_translation_is_found_on_the_built_page(tmp_path):
    catalogs, site = tmp_path / "po", tmp_path / "html"
    catalog = Catalog(locale="zh_CN")
    catalog.add("1. The two networks and their training steps", "1\\. 本页的两个网络")
    catalog.add(
        "The generator maps noise to images, pixel by pixel.",
        "生成器把噪声映射为图像。",
    )
    translations.write_catalog("page", catalog, catalogs)
    site.mkdir()
    (site / "page.html").write_text(
        "<h2>1. The two networks and their training steps</h2>"
        "<p>生成器把噪声映射为图像。</p>"
        "<pre>The generator maps noise to images, pixel by pixel.</pre>",
        encoding="utf-8",
    )
    found = translations.shown_in_english(site, catalogs)
    english = "The two networks and their training steps"
    assert found == [f"page: shows the English {english!r}"]
