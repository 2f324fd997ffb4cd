"""The evaluation pack's summary PDF: one page of headline figures in Chinese, drawn with
reportlab's built-in CID font STSong-Light (no font file shipped). Written `invariant`, so that
its creation date and document id are fixed and the same figures give the same bytes."""

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"


@dataclass
class Summary:
    county: str
    year: int
    day: date
    indicators: list  # rows of indicators.xlsx: code, name, unit, value, target, deadline, met …
    sites: int
    milestones: list[str]  # each milestone's state, as shown
    training: list  # rows of training.xlsx: … trainees, women, person-days
    enterprises: list  # rows of the compilation: business, kind, division, 12 months, year


def _styles():
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=14)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=6)
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=18, spaceBefore=8)
    return body, title, heading


def _table(rows: list[list], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6f2ec")),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _figure(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def summary_pdf(summary: Summary) -> bytes:
    body, title, heading = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        invariant=True,
        title=_("Evaluation pack %(year)s summary") % {"year": summary.year},
        author=summary.county,
        creator="cuncun",
        subject="",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    states = Counter(summary.milestones)
    trainees = sum(row[6] for row in summary.training)
    person_days = sum(row[8] for row in summary.training)
    sales = sum(row[-1] for row in summary.enterprises)
    story = [
        Paragraph(
            _("%(county)s rural e-commerce programme: evaluation pack %(year)s")
            % {"county": summary.county, "year": summary.year},
            title,
        ),
        Paragraph(_("Figures on %(day)s.") % {"day": summary.day.isoformat()}, body),
        Paragraph(_("Indicators against the plan's targets"), heading),
        _table(
            [[_("Indicator"), _("Value"), _("Target"), _("Met")]]
            + [
                [Paragraph(str(row[1]), body), _figure(row[3]), row[4] or "—", row[6]]
                for row in summary.indicators
            ],
            [95 * mm, 30 * mm, 30 * mm, 20 * mm],
        ),
        Paragraph(_("The year in figures"), heading),
        _table(
            [
                [_("Figure"), _("Value")],
                [_("Sites serving"), str(summary.sites)],
                [_("Training sessions"), str(len(summary.training))],
                [_("Trainees (person-times)"), str(trainees)],
                [_("Person-days of training"), str(person_days)],
                [_("Businesses in the compilation"), str(len(summary.enterprises))],
                [_("Their online sales (yuan)"), f"{sales:,.2f}"],
            ]
            + [[_("Milestones: %s") % state, str(n)] for state, n in sorted(states.items())],
            [95 * mm, 80 * mm],
        ),
        Spacer(1, 6 * mm),
        Paragraph(
            _(
                "Details and evidence: indicators.xlsx, sites.xlsx, milestones.xlsx, "
                "reports.xlsx, training.xlsx, enterprises.xlsx, onsite-checklist.xlsx."
            ),
            body,
        ),
    ]
    doc.build(story)
    return out.getvalue()
