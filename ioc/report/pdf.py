"""Print the report's HTML to PDF with WeasyPrint (the optional extra ``report``)."""

from __future__ import annotations

from pathlib import Path

from ioc.runtime.errors import Unavailable


def write_pdf(html: str, out: Path) -> None:
    try:
        from weasyprint import HTML
    except ImportError:
        raise Unavailable(
            "the PDF needs WeasyPrint: pip install 'ioc-streams[report]' (or use --html)"
        ) from None
    HTML(string=html).write_pdf(out)
