"""The Chinese edition (中文版), built from the same source as the English one.

Sphinx's gettext machinery does the translation: ``scripts/translations.py``
extracts every paragraph, heading and notebook Markdown cell into one message
catalog per page (``locale/zh_CN/LC_MESSAGES/book/...po``), translators fill
them in, and a build with ``language: zh_CN`` renders the translated text with
the notebooks' stored outputs unchanged.  This extension:

* switches a build to Chinese when ``AIGC_COURSE_LANGUAGE=zh_CN`` is set, so the
  one ``_config.yml`` serves both editions (``scripts/build_book.py`` builds the
  English site in ``_build/html/`` and the Chinese one in ``_build/html/zh_CN/``);
* translates the few interface strings that the course's own extensions and
  ``_config.yml`` write (the title, the footer, the download button, the search
  field); labels of Sphinx and the theme that their Chinese catalogs lack are in
  ``locale/zh_CN/LC_MESSAGES/sphinx.po``;
* puts a button on every page that opens the same page in the other language.

Sphinx, the themes and sphinx-exercise translate their own labels ("Contents",
"Exercise", "Solution") from the catalogs they ship.
"""

import os
import pathlib

from sphinx import addnodes, locale
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.i18n import docname_to_domain

logger = logging.getLogger(__name__)

ENGLISH, CHINESE = "en", "zh_CN"
VARIABLE = "AIGC_COURSE_LANGUAGE"
# Where scripts/build_book.py puts the Chinese site, relative to the English one.
CHINESE_FOLDER = "zh_CN"

TITLE_ZH = "AIGC 从入门到实战"
# Interface text written by the course itself, not by Sphinx or the themes.
INTERFACE_ZH = {
    "Runs offline: every data set ships with an installed package or is generated "
    "by the code.": "离线运行：每个数据集要么随已安装的软件包提供，要么由代码生成。",
    "Download the whole course (.zip)": "下载整个课程（.zip）",
}


def language() -> str:
    """The edition being built: ``en`` (default) or ``zh_CN``."""
    value = os.environ.get(VARIABLE, ENGLISH) or ENGLISH
    if value not in (ENGLISH, CHINESE):
        raise ValueError(
            f"{VARIABLE} must be {ENGLISH!r} or {CHINESE!r}, got {value!r}"
        )
    return value


def _switch_language(app, config) -> None:
    if language() != CHINESE:
        return
    config.language = CHINESE
    config.html_title = TITLE_ZH
    config.project = TITLE_ZH
    # sphinx-togglebutton fixes its hint when it loads, in English
    config.togglebutton_hint = "点击显示"
    config.togglebutton_hint_hide = "点击隐藏"
    options = config.html_theme_options
    options["search_bar_text"] = "搜索本书……"
    footer = options.get("extra_footer")
    if footer:
        options["extra_footer"] = INTERFACE_ZH.get(footer, footer)
    # Sphinx loads its own interface catalog, and each extension (the themes,
    # sphinx-exercise) its own, for the language it read from _config.yml, before
    # this runs; load them again for Chinese.
    app._init_i18n()
    _reload_extension_catalogs(app)
    logger.info(f"translations: building the Chinese edition ({CHINESE})")


def _reload_extension_catalogs(app) -> None:
    folders = set()
    for extension in app.extensions.values():
        path = getattr(extension.module, "__file__", None)
        if path and pathlib.Path(path).name == "__init__.py":
            folders.add(pathlib.Path(path).parent)
    for folder in sorted(folders):
        for catalog in sorted(folder.rglob("LC_MESSAGES/*.mo")):
            language_folder = catalog.parent.parent
            if language_folder.name in (CHINESE, "zh"):
                locale.init([str(language_folder.parent)], CHINESE, catalog.stem)


class TranslateTocCaptions(SphinxTransform):
    """The part captions of ``_toc.yml`` ("Foundations"), from the root page's catalog.

    sphinx-external-toc adds its toctrees (priority 100) after Sphinx has translated
    the page (priority 20), so their captions would stay English.
    """

    default_priority = 101

    def apply(self, **kwargs) -> None:
        if self.config.language != CHINESE:
            return
        folders = [os.path.join(self.env.srcdir, d) for d in self.config.locale_dirs]
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        catalog, found = locale.init(folders, self.config.language, domain)
        if not found:
            return
        for toctree in self.document.findall(addnodes.toctree):
            if toctree.get("caption"):
                toctree["caption"] = catalog.gettext(toctree["caption"])


def _forget_message_documents(app, doctree) -> None:
    """Point translated nodes at their page.

    Sphinx parses each translation into a small document of its own and moves the
    result into the page, but the moved nodes still name that small document, whose
    settings hold the whole build environment; every translated page's pickle then
    carried a copy of it (162 MB of doctrees instead of 9 MB, and a Chinese build
    three times slower than the English one).
    """
    for node in doctree.findall():
        if getattr(node, "_document", None) not in (None, doctree):
            node.document = doctree


def other_language_url(pagename: str, current: str) -> str:
    """The relative address of ``pagename`` in the other edition's site."""
    up = "../" * pagename.count("/")
    if current == CHINESE:
        return f"../{up}{pagename}.html"
    return f"{up}{CHINESE_FOLDER}/{pagename}.html"


def _add_language_button(app, pagename, templatename, context, doctree) -> None:
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    current = app.config.language or ENGLISH
    if current == CHINESE:
        for button in buttons:
            tooltip = button.get("tooltip")
            if tooltip in INTERFACE_ZH:
                button["tooltip"] = INTERFACE_ZH[tooltip]
    buttons.append(
        {
            "type": "link",
            "url": other_language_url(pagename, current),
            "tooltip": "Read this page in English"
            if current == CHINESE
            else "阅读本页中文版 (Chinese edition)",
            "icon": "fas fa-language",
            "label": "language-button",
        }
    )


# The theme opens every top-bar link in a new tab; switching language should not.
SAME_TAB_JS = """document.addEventListener("DOMContentLoaded", () => {
  for (const a of document.querySelectorAll("a.btn-language-button")) {
    a.removeAttribute("target");
  }
});"""


def setup(app):
    # before the extensions that read translated labels when the config is ready
    app.connect("config-inited", _switch_language, priority=100)
    app.add_js_file(None, body=SAME_TAB_JS)
    app.add_transform(TranslateTocCaptions)
    app.connect("doctree-read", _forget_message_documents)
    # after the theme and take_home fill header_buttons
    app.connect("html-page-context", _add_language_button, priority=700)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
