"""Open every page of the built book in a real browser and check what a reader sees.

    python tests/browser_check.py _build/html

Serves the HTML from 127.0.0.1 and drives the system Chromium with Playwright
(no browser download).  On every page: the maths is typeset by MathJax, every
image and sound loads, the console shows no error, Chinese text is marked as
Chinese, no code block needs sideways scrolling at 1280 px (see
``SCROLL_EXCEPTIONS``), and nothing is requested from outside the machine.  On
chosen pages: Chinese is drawn with a Simplified Chinese font, a hidden solution
opens, the top bar's button downloads the whole course, the sidebars open and
close on a desktop and on a phone, and search finds English and Chinese words.
Screenshots go to ``_build/screenshots/``.  Prints one line per check and ends
with ``N passed, M failed``; exits non-zero on any failure.

The name does not start with ``test_``, so pytest does not collect it; CI runs
it after the book build (.ci/run).
"""

from __future__ import annotations

import functools
import http.server
import os
import pathlib
import re
import shutil
import sys
import threading
import time
import urllib.parse

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 400, "height": 860}
# Code blocks allowed to scroll sideways at 1280 px: (page, start of the longest line),
# each with the reason.  Everything else fits: code lines are at most 88 characters.
SCROLL_EXCEPTIONS: list[tuple[str, str]] = []
TIMEOUT_MS = 15_000
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# Pages for screenshots: (name, page, element to scroll to or None for the top).
SCREENSHOTS = [
    ("index", "book/intro.html", None),
    ("mlp-gan", "book/02_gan/01_mlp_gan.html", ".cell_output img"),
    ("vae", "book/03_vae/02_vae.html", ".cell_output img"),
    ("math", "book/04_math/02_vae_math.html", "div.math"),
    ("audio", "book/06_applications/04_audio_generation.html", "audio"),
    ("glossary", "book/appendix/glossary.html", "table thead"),
]
NAVIGATION_PAGE = "book/03_vae/02_vae.html"
SEARCH_WORDS = ["VAE", "sampling", "生成", "对抗"]
# The Chinese edition's search (jieba splits the translated text into words).
SEARCH_WORDS_ZH = ["生成", "对抗", "扩散", "VAE"]
# Where scripts/build_book.py puts the Chinese site, and a page to switch language on.
CHINESE_SITE = "zh_CN/"
LANGUAGE_PAGE = "book/02_gan/01_mlp_gan.html"
SEARCH_FINISHED_JS = """() => {
  const title = document.querySelector("#search-results h2");
  return title && title.textContent === Documentation.gettext("Search Results");
}"""
WATCHDOG_S = 600
# Font Awesome's script swaps an icon's <i> for an <svg>; an icon it does not know
# becomes its "missing" placeholder (a <g class="missing">), or stays an empty <i>
# without the script.
ICON_DRAWN_JS = """(a) => {
  const svg = a.querySelector("svg");
  if (svg) {
    return svg.getBoundingClientRect().width > 0 && !svg.querySelector(".missing");
  }
  const i = a.querySelector("i");
  const glyph = i ? getComputedStyle(i, "::before").content : "none";
  return !["none", "normal", '""'].includes(glyph);
}"""
# Fonts for Japanese, Korean or Traditional Chinese (their Han glyphs differ from
# Simplified ones).
HAN = re.compile("[\u4e00-\u9fff]")
OTHER_CJK_FONT = re.compile(r"\b(JP|KR|TC|HK|Japanese|Korean)\b|Gothic|Mincho", re.I)
REFRESH = re.compile(r'<meta http-equiv="refresh" content="\d+;\s*url=([^"]+)"', re.I)

# Runs in the page once it has loaded: waits for MathJax, images and sounds,
# then reports what is wrong.  Returns a dict of lists (empty when all is well).
PAGE_REPORT_JS = r"""
async () => {
  const CODE_BLOCKS = "div.highlight pre, .cell_input pre, .cell_output pre";
  const within = (promise, ms) =>
    Promise.race([promise, new Promise(r => setTimeout(r, ms))]);
  const report = {math: [], images: [], audio: [], chinese: []};

  // MathJax: every .math element typeset, no TeX error, no raw TeX left in the text.
  const maths = [...document.querySelectorAll(".math")];
  if (maths.length) {
    if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
      report.math.push("MathJax did not load");
    } else {
      await within(MathJax.startup.promise, 20000);
      const raw = maths.filter(m => !m.querySelector("mjx-container"));
      if (raw.length) {
        report.math.push(`${raw.length} of ${maths.length} formulas not typeset, ` +
                         `first: ${raw[0].textContent.slice(0, 60)}`);
      }
      const errors = document.querySelectorAll("mjx-merror");
      if (errors.length) {
        report.math.push(`${errors.length} TeX errors, ` +
                         `first: ${errors[0].textContent.slice(0, 60)}`);
      }
    }
  }
  const skip = "script, style, pre, code, textarea, mjx-container, .highlight";
  const tex = /\$\$|\\(frac|begin|mathbb|mathcal|mathrm|sum|left|right)\b/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const match = node.textContent.match(tex);
    if (match) {
      const at = node.textContent.indexOf(match[0]);
      const around = node.textContent.slice(Math.max(0, at - 30), at + 30).trim();
      report.math.push(`raw TeX in the text: ...${around}...`);
      break;
    }
  }

  // Images: lazy ones are asked for now; each must decode to a real size.
  const images = [...document.images];
  images.forEach(img => { if (img.loading === "lazy") img.loading = "eager"; });
  await within(Promise.all(images.map(img => img.complete ? null :
    new Promise(r => {
      img.addEventListener("load", r);
      img.addEventListener("error", r);
    }))), 10000);
  images.filter(img => !(img.complete && img.naturalWidth > 0))
    .forEach(img => report.images.push(img.getAttribute("src").slice(0, 80)));

  // Sounds: each <audio> reads its metadata (duration, format).
  const sounds = [...document.querySelectorAll("audio")];
  await within(Promise.all(sounds.map(a => a.readyState >= 1 ? null :
    new Promise(r => {
      a.addEventListener("loadedmetadata", r);
      a.addEventListener("error", r, true);
      a.load();
    }))), 10000);
  sounds.forEach((a, i) => {
    const code = a.error ? a.error.code : "none";
    if (a.readyState < 1) {
      report.audio.push(`audio #${i + 1}: readyState ${a.readyState}, error ${code}`);
    }
  });

  // Chinese: text in the article and the navigation sits inside lang="zh-..." so that
  // the browser draws Simplified Chinese glyphs and screen readers read it as Chinese.
  const cjk = /[\u3400-\u9fff\uf900-\ufaff]/;
  const roots = "article, nav.bd-docs-nav, #pst-secondary-sidebar";
  for (const root of document.querySelectorAll(roots)) {
    const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node; (node = w.nextNode());) {
      const parent = node.parentElement;
      if (!cjk.test(node.textContent)) continue;
      if (parent.closest("script, style, pre, code, mjx-container, .math")) continue;
      const marked = parent.closest("[lang]");
      if (!marked || !marked.lang.toLowerCase().startsWith("zh")) {
        report.chinese.push(node.textContent.trim().slice(0, 40));
      }
    }
  }
  // Code: no block needs sideways scrolling at this width (lines are at most 88
  // characters; book/_ext/static/code.css sizes the font and the column).  Hidden
  // solutions are still laid out (visibility: hidden), so they are measured too.
  const blocks = [...document.querySelectorAll(CODE_BLOCKS)];
  const wide = blocks.filter(pre => pre.scrollWidth > pre.clientWidth + 1);
  report.scroll = wide.map(pre => {
    const lines = pre.textContent.split("\n");
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), "");
    const kind = pre.closest(".cell_output, .output") ? "output" : "code";
    return {kind, chars: longest.length, line: longest.trim().slice(0, 60),
            over: pre.scrollWidth - pre.clientWidth};
  });
  const counts = {maths: maths.length, images: images.length, audio: sounds.length,
                  code: blocks.length};
  return {...report, counts};
}
"""


class Checks:
    """Collects one line per check group; the exit status is the number of failures."""

    def __init__(self):
        self.passed = self.failed = 0

    def record(self, name: str, problems: list[str], detail: str = "") -> None:
        if problems:
            self.failed += 1
            print(f"FAIL {name}: {len(problems)} problem(s)")
            for line in problems[:12]:
                print(f"     {line}")
            if len(problems) > 12:
                print(f"     ... and {len(problems) - 12} more")
        else:
            self.passed += 1
            print(f"ok   {name}{': ' + detail if detail else ''}")
        sys.stdout.flush()


class _Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        # the browser asks for it by itself; the book has no icon
        if self.path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # a page left before a file was sent
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(html_dir: pathlib.Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_Handler, directory=str(html_dir))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def book_pages(html_dir: pathlib.Path) -> list[str]:
    skip = {"_static", "_sources", "_images", "_downloads"}
    return sorted(
        p.relative_to(html_dir).as_posix()
        for p in html_dir.rglob("*.html")
        if not skip & set(p.relative_to(html_dir).parts)
    )


def is_local(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in LOCAL_HOSTS


def watch(page, console: list[str]) -> None:
    """Send the page's console errors, uncaught exceptions and failed loads to
    `console`."""
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and console.append(
                f"console: {m.text[:160]} ({m.location.get('url', '')[-80:]})"
            )
        ),
    )
    page.on("pageerror", lambda e: console.append(f"exception: {str(e)[:160]}"))
    # net::ERR_ABORTED: the check moved on to the next page before a file had arrived.
    page.on(
        "requestfailed",
        lambda r: (
            is_local(r.url)
            and r.failure != "net::ERR_ABORTED"
            and console.append(f"failed: {r.url[:120]} ({r.failure})")
        ),
    )
    page.on(
        "response",
        lambda r: r.status >= 400 and console.append(f"HTTP {r.status}: {r.url[:120]}"),
    )


def recorded_context(browser, requests: list[str], **options):
    """A browser context (a fresh profile) whose every request is appended to
    `requests`."""
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    context.on("request", lambda r: requests.append(r.url))
    return context


def open_page(page, url: str) -> None:
    page.goto(url, wait_until="load")


def redirect_target(html_dir: pathlib.Path, name: str) -> str | None:
    """Where a page that only redirects (the book's index.html) sends the reader, else
    None."""
    refresh = REFRESH.search((html_dir / name).read_text(encoding="utf-8")[:2000])
    return urllib.parse.urljoin(name, refresh.group(1)) if refresh else None


def check_every_page(
    checks: Checks, context, base: str, html_dir: pathlib.Path, pages: list[str]
) -> None:
    page = context.new_page()
    console: list[str] = []
    watch(page, console)
    found = {
        "math": [],
        "images": [],
        "audio": [],
        "console": [],
        "chinese": [],
        "scroll": [],
    }
    totals = {"maths": 0, "images": 0, "audio": 0, "code": 0}
    excused = 0
    math_pages = 0
    for name in pages:
        console.clear()
        try:
            open_page(page, base + name)
            target = redirect_target(html_dir, name)
            if target:
                page.wait_for_url(base + target, wait_until="load")
            report = page.evaluate(PAGE_REPORT_JS)
        except PlaywrightError as error:
            found["console"].append(
                f"{name}: the page did not load or run: {str(error).splitlines()[0]}"
            )
            continue
        math_pages += report["counts"]["maths"] > 0
        for key in totals:
            totals[key] += report["counts"][key]
        for key in ("math", "images", "audio"):
            found[key] += [f"{name}: {line}" for line in report[key]]
        if report["chinese"]:
            found["chinese"].append(
                f"{name}: {len(report['chinese'])} unmarked, "
                f"first: {report['chinese'][0]}"
            )
        for block in report["scroll"]:
            if any(
                name == where and block["line"].startswith(start)
                for where, start in SCROLL_EXCEPTIONS
            ):
                excused += 1
                continue
            found["scroll"].append(
                f"{name}: {block['kind']} block {block['over']} px too wide, "
                f"longest line {block['chars']} characters: {block['line']}"
            )
        found["console"] += [f"{name}: {line}" for line in console]
    page.close()
    checks.record(
        "MathJax typesets every formula, no raw TeX",
        found["math"],
        f"{totals['maths']} formulas on {math_pages} of {len(pages)} pages",
    )
    checks.record("every image loads", found["images"], f"{totals['images']} images")
    checks.record(
        "every <audio> loads its metadata", found["audio"], f"{totals['audio']} players"
    )
    checks.record(
        "no console error, exception or failed load",
        found["console"],
        f"{len(pages)} pages",
    )
    checks.record(
        "Chinese text is marked lang=zh", found["chinese"], f"{len(pages)} pages"
    )
    checks.record(
        f"no code block scrolls sideways at {DESKTOP['width']} px",
        found["scroll"],
        f"{totals['code']} blocks, {excused} listed exception(s)",
    )


def check_chinese_glyphs(checks: Checks, context, base: str) -> None:
    """The fonts Chromium draws Chinese text with are Simplified Chinese ones, not
    Japanese ones."""
    page = context.new_page()
    problems, used = [], set()
    try:
        open_page(page, base + "book/intro.html")
        cdp = context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        for selector in [".logo__title", "h1 [lang^=zh]", "nav.bd-docs-nav [lang^=zh]"]:
            node = cdp.send(
                "DOM.querySelector", {"nodeId": root, "selector": selector}
            )["nodeId"]
            if not node:
                problems.append(f"nothing matches {selector}")
                continue
            fonts = [
                f["familyName"]
                for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})[
                    "fonts"
                ]
            ]
            used.update(fonts)
            problems += [
                f"{selector} drawn with {font}"
                for font in fonts
                if OTHER_CJK_FONT.search(font)
            ]
    except PlaywrightError as error:
        problems.append(str(error).splitlines()[0])
    page.close()
    checks.record(
        "Chinese drawn with Simplified Chinese fonts", problems, ", ".join(sorted(used))
    )


def check_solution_dropdown(checks: Checks, context, base: str) -> None:
    page = context.new_page()
    problems = []
    try:
        open_page(page, base + "book/03_vae/02_vae.html")
        solution = page.locator(".solution.dropdown").first
        body = solution.locator(":scope > :not(.admonition-title)").first
        if body.is_visible():
            problems.append("the first solution is visible before it is clicked")
        solution.locator(".admonition-title").click()
        body.wait_for(state="visible", timeout=5000)
    except PlaywrightError as error:
        problems.append(
            "clicking the solution's title did not show it: "
            f"{str(error).splitlines()[0]}"
        )
    page.close()
    checks.record(
        "a solution dropdown opens on click", problems, "book/03_vae/02_vae.html"
    )


def check_take_home(checks: Checks, context, base: str, html_dir: pathlib.Path) -> None:
    """The top bar's archive button shows an icon and downloads the whole course:
    package, notebooks, pins."""
    import io
    import zipfile

    page = context.new_page()
    problems, detail = [], ""
    try:
        for name in ("book/00_setup/index.html", "book/03_vae/02_vae.html"):
            open_page(page, base + name)
            button = page.locator("a.btn-download-course-button:visible")
            if button.count() != 1:
                problems.append(
                    f"{name}: {button.count()} visible course-download "
                    "buttons (expected 1)"
                )
                continue
            if not button.evaluate(ICON_DRAWN_JS):
                problems.append(f"{name}: the button's icon is not drawn")
            response = page.request.get(
                urllib.parse.urljoin(base + name, button.get_attribute("href"))
            )
            if response.status != 200:
                problems.append(f"{name}: the archive answers HTTP {response.status}")
                continue
            names = set(zipfile.ZipFile(io.BytesIO(response.body())).namelist())
            notebooks = {
                p.relative_to(html_dir / "_sources").as_posix()
                for p in (html_dir / "_sources").rglob("*.ipynb")
            }
            wanted = {
                "README.md",
                "requirements.txt",
                "pyproject.toml",
                "aigc_course/__init__.py",
                *notebooks,
            }
            missing = sorted(w for w in wanted if f"aigc-course/{w}" not in names)
            problems += [f"{name}: the archive lacks {m}" for m in missing[:5]]
            detail = (
                f"{len(names)} files, {len(notebooks)} notebooks, "
                f"{len(response.body()) / 1e6:.1f} MB"
            )
    except PlaywrightError as error:
        problems.append(str(error).splitlines()[0])
    page.close()
    checks.record("the top bar downloads the whole course", problems, detail)


def _modal_opens(page, toggle: str, modal: str, content: str) -> str | None:
    """Click the visible `toggle`; None if `modal` opened showing `content`, else what
    went wrong."""
    buttons = page.locator(f"{toggle}:visible")
    if buttons.count() != 1:
        return f"{buttons.count()} visible {toggle} buttons (expected 1)"
    buttons.click()
    try:
        page.locator(f"{modal}[open] {content}").first.wait_for(
            state="visible", timeout=3000
        )
    except PlaywrightError:
        return f"clicking the visible {toggle} did not open {modal}"
    page.keyboard.press("Escape")
    page.locator(f"{modal}[open]").wait_for(state="detached", timeout=3000)
    settle(page)  # the sidebar slides back out of view
    return None


def settle(page) -> None:
    """Wait for running CSS transitions and animations (a sidebar sliding) to end."""
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running')",
        timeout=5000,
    )


def check_phone_navigation(
    checks: Checks, new_context, base: str, shots: pathlib.Path
) -> None:
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    problems = []
    try:
        open_page(page, base + NAVIGATION_PAGE)
        for toggle, modal, content in [
            (".primary-toggle", "#pst-primary-sidebar-modal", "nav.bd-docs-nav a"),
            (".secondary-toggle", "#pst-secondary-sidebar-modal", "nav a"),
            (".search-button", "#pst-search-dialog", "input[name=q]"),
        ]:
            problem = _modal_opens(page, toggle, modal, content)
            if problem:
                problems.append(problem)
        page.locator(".primary-toggle:visible").click()
        page.locator("#pst-primary-sidebar-modal[open] nav.bd-docs-nav").wait_for(
            state="visible", timeout=3000
        )
        settle(page)
        page.screenshot(path=shots / "phone-menu-open.png")
    except PlaywrightError as error:
        problems.append(str(error).splitlines()[0])
    context.close()
    checks.record(
        "phone (400 px): the menu, contents and search buttons open their panels",
        problems,
        NAVIGATION_PAGE,
    )


def check_desktop_navigation(checks: Checks, context, base: str) -> None:
    page = context.new_page()
    problems = []
    try:
        open_page(page, base + NAVIGATION_PAGE)
        fields = page.locator(".search-button-field:visible")
        outside = [
            i
            for i in range(fields.count())
            if not fields.nth(i).evaluate("e => !!e.closest('#pst-primary-sidebar')")
        ]
        if outside:
            problems.append(
                f"{len(outside)} search bar(s) outside the sidebar (an "
                "empty bar across the top)"
            )
        sidebar = page.locator("#pst-primary-sidebar nav.bd-docs-nav")
        buttons = page.locator(".primary-toggle:visible")
        if buttons.count() != 1:
            problems.append(f"{buttons.count()} visible sidebar buttons (expected 1)")
        else:
            buttons.click()
            try:
                sidebar.wait_for(state="hidden", timeout=3000)
            except PlaywrightError:
                problems.append("the sidebar button does not collapse the sidebar")
            if page.locator("#pst-primary-sidebar-modal[open]").count():
                problems.append(
                    "the sidebar button opened a pop-up instead of "
                    "collapsing the sidebar"
                )
                page.keyboard.press("Escape")
            buttons.click()
            sidebar.wait_for(state="visible", timeout=3000)
    except PlaywrightError as error:
        problems.append(str(error).splitlines()[0])
    page.close()
    checks.record(
        "desktop (1280 px): the sidebar collapses and comes back, one search bar",
        problems,
        NAVIGATION_PAGE,
    )


def check_search(
    checks: Checks, context, base: str, words: list[str], site: str = "English"
) -> None:
    page = context.new_page()
    problems, found = [], []
    for word in words:
        try:
            open_page(page, base + "search.html?q=" + urllib.parse.quote(word))
            page.wait_for_function(SEARCH_FINISHED_JS, timeout=TIMEOUT_MS)
        except PlaywrightError:
            problems.append(f"search for {word!r} did not finish")
            continue
        results = page.locator("#search-results ul.search li").count()
        if results:
            found.append(f"{word} {results} pages")
        else:
            problems.append(f"no result for {word!r}")
    page.close()
    checks.record(
        f"search on the {site} site finds English and Chinese words",
        problems,
        ", ".join(found),
    )


def check_languages(checks: Checks, context, base: str) -> None:
    """Each page's language button opens the same page in the other edition, which
    declares its language."""
    page = context.new_page()
    problems, detail = [], ""
    try:
        for start, goal, lang in [
            (LANGUAGE_PAGE, CHINESE_SITE + LANGUAGE_PAGE, "zh-CN"),
            (CHINESE_SITE + LANGUAGE_PAGE, LANGUAGE_PAGE, "en"),
        ]:
            open_page(page, base + start)
            button = page.locator("a.btn-language-button:visible")
            if button.count() != 1:
                problems.append(f"{start}: {button.count()} language buttons")
                continue
            if not button.evaluate(ICON_DRAWN_JS):
                problems.append(f"{start}: the language button's icon is not drawn")
            with page.expect_navigation(wait_until="load"):
                button.click()
            if page.url != base + goal:
                problems.append(f"{start}: the button opened {page.url}")
            found = page.evaluate("document.documentElement.lang")
            if found != lang:
                problems.append(f"{page.url}: lang={found!r}, expected {lang!r}")
        title = page.evaluate(
            "document.querySelector('h1') && document.querySelector('h1').textContent"
        )
        open_page(page, base + CHINESE_SITE + LANGUAGE_PAGE)
        chinese_title = page.evaluate("document.querySelector('h1').textContent")
        if chinese_title == title or not HAN.search(chinese_title):
            problems.append(f"the Chinese page's title is not translated: {title}")
        detail = f"{title.strip()[:40]!r} <-> {chinese_title.strip()[:40]!r}"
    except PlaywrightError as error:
        problems.append(str(error).splitlines()[0])
    page.close()
    checks.record(
        "the language button switches to the same page in the other edition",
        problems,
        detail,
    )


def take_screenshots(
    checks: Checks, new_context, base: str, shots: pathlib.Path
) -> None:
    problems = []
    for kind, viewport, extra in [
        ("desktop", DESKTOP, {}),
        ("phone", PHONE, {"is_mobile": True, "has_touch": True}),
    ]:
        context = new_context(viewport=viewport, **extra)
        page = context.new_page()
        for name, path, target in SCREENSHOTS:
            try:
                open_page(page, base + path)
                page.evaluate(
                    "async () => window.MathJax && MathJax.startup && "
                    "MathJax.startup.promise"
                )
                if target:
                    page.locator(target).first.evaluate(
                        "e => e.scrollIntoView({block: 'center'})"
                    )
                page.screenshot(path=shots / f"{kind}-{name}.png")
            except PlaywrightError as error:
                problems.append(f"{kind} {name}: {str(error).splitlines()[0]}")
        context.close()
    checks.record(
        "screenshots", problems, f"{len(list(shots.glob('*.png')))} in {shots}"
    )


def _give_up() -> None:
    print(f"FAIL the browser check did not finish in {WATCHDOG_S} s", flush=True)
    os._exit(3)


def main(html_dir: pathlib.Path) -> int:
    if not (html_dir / "index.html").exists():
        print(f"{html_dir} holds no built book (index.html missing)")
        return 2
    chromium = (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )
    if not chromium:
        print(
            "no Chromium found on PATH: install it (Debian/Ubuntu: apt-get install "
            "chromium)"
        )
        return 2
    watchdog = threading.Timer(WATCHDOG_S, _give_up)
    watchdog.daemon = True
    watchdog.start()
    shots = html_dir.resolve().parent / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):  # no stale picture from an earlier run
        old.unlink()
    server, base = serve(html_dir)
    checks, requests = Checks(), []
    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=[
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
            ],
        )
        new_context = functools.partial(recorded_context, browser, requests)
        desktop = new_context(viewport=DESKTOP)
        pages = book_pages(html_dir)
        check_every_page(checks, desktop, base, html_dir, pages)
        check_chinese_glyphs(checks, desktop, base)
        check_solution_dropdown(checks, desktop, base)
        check_take_home(checks, desktop, base, html_dir)
        check_desktop_navigation(checks, desktop, base)
        check_search(checks, desktop, base, SEARCH_WORDS)
        if (html_dir / CHINESE_SITE / "index.html").exists():
            check_languages(checks, desktop, base)
            check_search(
                checks, desktop, base + CHINESE_SITE, SEARCH_WORDS_ZH, "Chinese"
            )
            check_chinese_glyphs(checks, desktop, base + CHINESE_SITE)
        else:
            checks.record(
                "the Chinese edition is there",
                [f"no {CHINESE_SITE}index.html (build with scripts/build_book.py)"],
            )
        check_phone_navigation(checks, new_context, base, shots)
        take_screenshots(checks, new_context, base, shots)
        browser.close()
    server.shutdown()
    outside = sorted({url[:120] for url in requests if not is_local(url)})
    checks.record(
        "nothing requested from outside 127.0.0.1", outside, f"{len(requests)} requests"
    )
    print(f"{len(pages)} pages in {time.monotonic() - started:.0f} s")
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")))
