"""Exports of the read side: query results rendered as files and printable pages.

Pure functions from the answers of the queries (``projections.prizes.ProgrammeOut``...) to
bytes or text; no I/O, no HTTP (the API's handlers add the headers and the filename). The
visibility is the query's: an export shows exactly the rows the answer it is given holds.

* the prize list as CSV (:func:`programme_csv`): UTF-8 with a byte-order mark and ``;`` as
  the separator (what Excel expects in Russian and Kazakh locales), CRLF line ends, one row
  per entry; a cell a spreadsheet would take for a formula is prefixed with ``'``;
* the approved prize list as a page printable on A4 (:func:`programme_page`), headings in
  Russian and Kazakh.
"""

from __future__ import annotations

import csv
import html
import io

from domain.prizes import PUBLIC_STATUSES, EntryStatus
from domain.values import CATEGORY_RU
from projections.prizes import ProgrammeOut

#: what the amount's cell says for a prize in kind (no amount in tenge)
IN_KIND_RU = "в натуральной форме"
IN_KIND_KK = "заттай түрде"

STATUS_RU = {
    EntryStatus.PROPOSED: "предложен",
    EntryStatus.APPROVED: "утверждён",
    EntryStatus.REJECTED: "отклонён",
    EntryStatus.AWARDED: "вручён",
    EntryStatus.REVOKED: "отозван",
    EntryStatus.NEEDS_REVIEW: "требует проверки",
}


# ------------------------------------------------------------------ CSV

CSV_HEADER = (
    "Чемпионат",
    "Компетенция",
    "Категория",
    "Место",
    "Получатель",
    "Организация",
    "Приз",
    "Сумма, тенге",
    "Статус",
    "Дата вручения",
    "Код статуса",
    "ID записи",
)


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text: a leading ``= + - @`` (or tab, CR) would
    make Excel evaluate it as a formula (CSV injection), so it is prefixed with ``'``."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def programme_csv(out: ProgrammeOut) -> bytes:
    """UTF-8 with a byte-order mark, ``;``-separated, CRLF line ends, one row per entry."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in out.entries:
        status = EntryStatus(e.status)
        writer.writerow(
            [
                _cell(e.championship),
                _cell(e.competition),
                _cell(CATEGORY_RU.get(e.category, e.category)),
                e.place,
                _cell(e.full_name),
                _cell(e.organisation),
                _cell(e.prize),
                _amount_cell(e.prize, e.amount_kzt),
                STATUS_RU[status],
                e.awarded_on.isoformat() if e.awarded_on else "",
                status.value,
                str(e.id),
            ]
        )
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _amount_cell(prize: str | None, amount_kzt: int | None) -> str | int:
    """The amount in tenge; "in kind" for a prize without one; empty without a prize."""
    if amount_kzt is not None:
        return amount_kzt
    return IN_KIND_RU if prize is not None else ""


def programme_csv_name(out: ProgrammeOut) -> str:
    """The CSV file's name: the programme's region and year."""
    return f"prizes-{out.region}-{out.year}.csv"


# ------------------------------------------------------------------ printable page

PAGE_CSS = """
@page { size: A4 portrait; margin: 15mm 12mm 18mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; font-size: 10pt;
       color: #000; margin: 0; }
h1 { font-size: 14pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; }
.kk { color: #333; font-weight: normal; }
table { width: 100%; border-collapse: collapse; page-break-inside: auto; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
th, td { border: 0.3mm solid #444; padding: 1.2mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #eee; font-size: 9pt; }
td.num, th.num { text-align: right; white-space: nowrap; }
.meta { font-size: 9pt; margin: 0 0 4mm; }
.sign { margin-top: 12mm; font-size: 10pt; }
@media screen { body { max-width: 210mm; margin: 10mm auto; padding: 0 8mm; } }
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _tenge(amount: int) -> str:
    return f"{amount:,}".replace(",", "\u202f") + "\u00a0₸"


def _page_amount(prize: str | None, amount_kzt: int | None) -> str:
    if amount_kzt is not None:
        return _tenge(amount_kzt)
    return f"{IN_KIND_RU} / <span lang=kk>{IN_KIND_KK}</span>" if prize is not None else ""


def programme_page(out: ProgrammeOut) -> str:
    """The approved list (approved and awarded entries, approved nominees) as a page that
    prints on A4, headings in Russian and Kazakh."""
    rows = []
    number = 0
    for e in out.entries:
        if EntryStatus(e.status) not in PUBLIC_STATUSES:
            continue
        number += 1
        rows.append(
            "<tr>"
            f"<td class=num>{number}</td>"
            f"<td>{_e(e.full_name)}</td>"
            f"<td>{_e(e.organisation)}</td>"
            f"<td>{_e(e.championship)}<br><span class=kk>{_e(e.competition)}</span></td>"
            f"<td class=num>{e.place}</td>"
            f"<td>{_e(e.prize)}</td>"
            f"<td class=num>{_page_amount(e.prize, e.amount_kzt)}</td>"
            f"<td>{_e(STATUS_RU[EntryStatus(e.status)])}"
            f"{' ' + _e(e.awarded_on.strftime('%d.%m.%Y')) if e.awarded_on else ''}</td>"
            "</tr>"
        )
    by_place = "".join(
        f"<tr><td class=num>{t.place}</td><td class=num>{t.entries}</td>"
        f"<td class=num>{_tenge(t.amount_kzt)}</td></tr>"
        for t in out.totals.by_place
    )
    nominations = []
    for n in out.nominations:
        winners = [x for x in n.nominees if x.status == EntryStatus.APPROVED.value]
        if not winners:
            continue
        items = "".join(
            f"<li><b>{_e(x.name_ru)}</b> <span class=kk>({_e(x.name_kk)})</span> — "
            f"{_e(x.citation)}</li>"
            for x in winners
        )
        nominations.append(
            f"<h2>«{_e(n.title_ru)}» <span class=kk>/ «{_e(n.title_kk)}»</span></h2>"
            f"<ul>{items}</ul>"
        )
    empty = (
        "<tr><td colspan=8>Утверждённых записей пока нет / Бекітілген жазбалар әзірге жоқ</td></tr>"
    )
    return f"""<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<title>{_e(out.title_ru)}</title>
<style>{PAGE_CSS}</style>
</head>
<body>
<h1>{_e(out.title_ru)}<br><span class=kk lang="kk">{_e(out.title_kk)}</span></h1>
<p class=meta>Регион / Өңір: {_e(out.region)} · Год / Жыл: {out.year} ·
Утверждено записей / Бекітілген жазбалар: {out.totals.entries} ·
Сумма / Сомасы: {_tenge(out.totals.amount_kzt)}</p>
<h2>Победители и призёры / Жеңімпаздар мен жүлдегерлер</h2>
<table>
<thead><tr>
<th class=num>№</th><th>ФИО / Аты-жөні</th><th>Организация / Ұйым</th>
<th>Чемпионат, компетенция / Чемпионат, құзыреттілік</th><th class=num>Место / Орын</th>
<th>Приз / Сыйлық</th><th class=num>Сумма, тенге / Сомасы, теңге</th>
<th>Статус / Мәртебесі</th>
</tr></thead>
<tbody>{"".join(rows) or empty}</tbody>
</table>
<h2>Итого по местам / Орындар бойынша жиыны</h2>
<table style="width:auto">
<thead><tr><th class=num>Место / Орын</th><th class=num>Записей / Жазбалар</th>
<th class=num>Сумма / Сомасы</th></tr></thead>
<tbody>{by_place}</tbody>
</table>
{"".join(nominations)}
<p class=sign>Подпись / Қолы: ____________________ &nbsp;&nbsp; Дата / Күні: ____________</p>
</body>
</html>
"""
