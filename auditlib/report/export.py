"""An executed report notebook as a self-contained HTML page, and that page as an A4 PDF.

HTML: nbconvert with the project's own template (``templates/auditlib``): no
code, no prompts, no stray streams; every image already embedded as a data
URI; styles inline, for a phone's width on screen and A4 on paper.

PDF: the same HTML printed by a browser engine already on the machine
(Chromium, headless, with no network). Nothing is downloaded: where no
browser is found :func:`html_to_pdf` says so, and the HTML stands alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

__all__ = ["BROWSERS", "find_browser", "html_to_pdf", "notebook_to_html"]

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""Browser commands tried for the PDF, in order (``AUDITLIB_BROWSER`` overrides them)."""
_PDF_TIMEOUT = 180  # seconds


def notebook_to_html(notebook: str | Path, template: str = "auditlib") -> str:
    """The executed notebook as one HTML page without code (nbconvert, a template of
    ``auditlib/report/templates``)."""
    import nbformat
    from nbconvert import HTMLExporter

    with resources.as_file(resources.files("auditlib.report") / "templates") as templates:
        exporter = HTMLExporter(
            template_name=template,
            extra_template_basedirs=[str(templates)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
        page, _ = exporter.from_notebook_node(nbformat.read(str(notebook), as_version=4))
    return page


def find_browser() -> str | None:
    """The first browser engine on this machine that can print a PDF, or None."""
    chosen = os.environ.get("AUDITLIB_BROWSER")
    if chosen:
        return shutil.which(chosen) or (chosen if Path(chosen).is_file() else None)
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def html_to_pdf(html_file: str | Path, pdf_file: str | Path) -> str | None:
    """Print ``html_file`` to ``pdf_file`` on A4; returns None, or the reason there is no PDF."""
    browser = find_browser()
    if browser is None:
        return (
            "no browser engine found to print the PDF (looked for "
            + ", ".join(BROWSERS)
            + "; install Chromium, e.g. 'apt-get install chromium'); the HTML report is complete"
        )
    pdf_file = Path(pdf_file)
    with tempfile.TemporaryDirectory(prefix="auditlib-browser-") as profile:
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-quic", "--disable-extensions", f"--user-data-dir={profile}",
            "--no-pdf-header-footer", f"--print-to-pdf={pdf_file}",
            Path(html_file).resolve().as_uri(),
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=_PDF_TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"the browser ({browser}) could not print the PDF: {error}"
    if done.returncode != 0 or not pdf_file.is_file() or pdf_file.stat().st_size == 0:
        last = (done.stderr or "").strip().splitlines()[-1:] or ["no message"]
        return f"the browser ({browser}) could not print the PDF: {last[0]}"
    return None
