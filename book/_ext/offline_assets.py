"""Keep the built book free of assets loaded from the internet.

Jupyter Book 1 always enables sphinx-thebe, which writes the address of its
loader on a CDN into every page even when live code is switched off.  The book
never offers live code (readers run the notebooks in JupyterLab), so its
scripts are dropped from each page here.
"""


def _is_thebe(script) -> bool:
    body = getattr(script, "attributes", {}).get("body", "") or ""
    filename = getattr(script, "filename", None) or str(script)
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body


def _drop_thebe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not _is_thebe(s)]


def setup(app):
    app.connect("html-page-context", _drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
