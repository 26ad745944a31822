"""Exports of the read side: query results rendered as files and printable pages.

Pure functions from the answers of the queries (``projections.prizes.ProgrammeOut``...) to
bytes or text; no I/O, no HTTP (the API's handlers add the headers and the filename). The
visibility is the query's: an export shows exactly the rows the answer it is given holds.
Texts of the files come from ``texts`` (:class:`Texts`: the API's
translator of the ``exports`` catalog), in the requested language (Russian by default).

* the prize list as CSV (:func:`programme_csv`): UTF-8 with a byte-order mark and ``;`` as
  the separator (what Excel expects in Russian and Kazakh locales), CRLF line ends; one row
  per entry, then one row per nominee. The columns: championship, competency, category,
  place, recipient, organisation, prize, amount in tenge ("in kind" for a prize in kind),
  status, date awarded, status code, entry id, then *basis* (why the entry exists:
  championship, competency, place; a nominee's citation), *reason* (of the last decision:
  rejection, revocation, review — the akimat's, auditors' and admins' list only), *section*
  (``prize`` or ``nomination`` in the language) and *nomination* (its title; empty for a
  prize). A nominee's row names the organisation as recipient and organisation, and leaves
  championship, competency, category, place, prize, amount and date empty. A cell a
  spreadsheet would take for a formula is prefixed with ``'``;
* the prize list as ``.xlsx`` (:func:`programme_xlsx`): the sheet "Prizes" (the entries'
  columns of the CSV; place and amount are numbers, the date a date) and the sheet
  "Nominations" (nomination, organisation, citation, status, reason, status code, nominee
  id);
* the approved prize list as a page printable on A4 (:func:`programme_page`), headings in
  Russian and Kazakh.

The results protocols (``.xlsx`` and the printable page) are in :mod:`projections.protocols`.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from domain.errors import N_
from domain.prizes import PUBLIC_STATUSES, EntryStatus
from projections.prizes import EntryOut, NominationOut, NomineeOut, ProgrammeOut
from sheets.writer import Column, Sheet, write_workbook


class Texts(Protocol):
    """What an export needs of a language: its code, gettext, and number and date formats
    (the API's translator of the ``exports`` catalog has them)."""

    lang: str

    def gettext(self, message: str, /, **params: Any) -> str: ...

    def number(self, value: Decimal | int | str | None) -> str: ...

    def date(self, value: date | None, format: str = "medium") -> str: ...


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

#: the statuses of an entry or a nominee, as the exports name them
ENTRY_STATUSES = {
    EntryStatus.PROPOSED: N_("entry proposed"),
    EntryStatus.APPROVED: N_("entry approved"),
    EntryStatus.REJECTED: N_("entry rejected"),
    EntryStatus.AWARDED: N_("entry awarded"),
    EntryStatus.REVOKED: N_("entry revoked"),
    EntryStatus.NEEDS_REVIEW: N_("entry needs review"),
}
CATEGORIES = {
    "main": N_("main category"),
    "juniors": N_("juniors"),
    "schoolchildren": N_("schoolchildren"),
    "students": N_("students"),
    "specialists": N_("specialists"),
}


# ------------------------------------------------------------------ CSV and .xlsx

#: the columns of an entry, in order (the CSV's first columns; the .xlsx "Prizes" sheet)
ENTRY_COLUMNS = (
    Column(N_("Championship"), width=34),
    Column(N_("Competency"), width=30),
    Column(N_("Category"), width=18),
    Column(N_("Place"), width=7, kind="integer"),
    Column(N_("Recipient"), width=32),
    Column(N_("Organisation"), width=38),
    Column(N_("Prize"), width=28),
    Column(N_("Amount, tenge"), width=14, kind="integer", number_format="#,##0"),
    Column(N_("Status"), width=16),
    Column(N_("Date awarded"), width=13, kind="date"),
    Column(N_("Status code"), width=13),
    Column(N_("Entry ID"), width=38),
    Column(N_("Basis"), width=48),
    Column(N_("Reason"), width=40),
)
#: the CSV's last columns: which part of the list a row is in, and the nomination's title
CSV_EXTRA = (N_("Section"), N_("Nomination"))
NOMINATION_COLUMNS = (
    Column(N_("Nomination"), width=34),
    Column(N_("Organisation"), width=40),
    Column(N_("Citation"), width=48),
    Column(N_("Status"), width=16),
    Column(N_("Reason"), width=40),
    Column(N_("Status code"), width=13),
    Column(N_("Nominee ID"), width=38),
)


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text: a leading ``= + - @`` (or tab, CR) would
    make Excel evaluate it as a formula (CSV injection), so it is prefixed with ``'``."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def _pick(ru: str, kk: str, lang: str) -> str:
    return kk if lang == "kk" and kk else ru


def _status(texts: Texts, status: str) -> str:
    code = EntryStatus(status)
    return texts.gettext(ENTRY_STATUSES[code])


def _entry_cells(e: EntryOut, texts: Texts) -> list[object]:
    """An entry's cells in the order of :data:`ENTRY_COLUMNS` (typed values)."""
    lang = texts.lang
    category = CATEGORIES.get(e.category)
    return [
        e.championship,
        _pick(e.competition, e.competition_kk, lang),
        texts.gettext(category) if category else e.category,
        e.place,
        e.full_name,
        _pick(e.organisation, e.organisation_kk, lang),
        e.prize,
        _amount(e.prize, e.amount_kzt, texts),
        _status(texts, e.status),
        e.awarded_on,
        e.status,
        str(e.id),
        e.basis,
        e.reason,
    ]


def _amount(prize: str | None, amount_kzt: int | None, texts: Texts) -> str | int | None:
    """The amount in tenge; "in kind" for a prize without one; nothing without a prize."""
    if amount_kzt is not None:
        return amount_kzt
    return texts.gettext("in kind") if prize is not None else None


def _nominees(out: ProgrammeOut) -> list[tuple[NominationOut, NomineeOut]]:
    return [(n, x) for n in out.nominations for x in n.nominees]


def _nominee_cells(n: NominationOut, x: NomineeOut, texts: Texts) -> list[object]:
    """A nominee's cells in the order of :data:`NOMINATION_COLUMNS`."""
    lang = texts.lang
    return [
        _pick(n.title_ru, n.title_kk, lang),
        _pick(x.name_ru, x.name_kk, lang),
        x.citation,
        _status(texts, x.status),
        x.reason,
        x.status,
        str(x.id),
    ]


def programme_csv(out: ProgrammeOut, texts: Texts) -> bytes:
    """UTF-8 with a byte-order mark, ``;``-separated, CRLF line ends: one row per entry, then
    one per nominee (the module's docstring says the columns)."""
    _ = texts.gettext
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_(c.header) for c in ENTRY_COLUMNS] + [_(h) for h in CSV_EXTRA])
    prize, nomination = _("prize"), _("nomination")
    for e in out.entries:
        cells = _entry_cells(e, texts)
        cells[9] = e.awarded_on.isoformat() if e.awarded_on else ""
        writer.writerow([c if isinstance(c, int) else _cell(c) for c in cells] + [prize, ""])
    for n, x in _nominees(out):
        title, name, citation, status, reason, code, nominee_id = _nominee_cells(n, x, texts)
        row = ["", "", "", "", name, name, "", "", status, "", code, nominee_id, citation, reason]
        writer.writerow([_cell(c) for c in row] + [nomination, _cell(title)])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def programme_xlsx(out: ProgrammeOut, texts: Texts) -> bytes:
    """The sheets "Prizes" (one row per entry) and "Nominations" (one row per nominee)."""
    _ = texts.gettext

    def translated(columns: tuple[Column, ...]) -> tuple[Column, ...]:
        return tuple(
            Column(_(c.header), c.width, c.kind, c.choices, c.number_format) for c in columns
        )

    sheets = [
        Sheet(
            _("Prizes"),
            translated(ENTRY_COLUMNS),
            [_entry_cells(e, texts) for e in out.entries],
        ),
        Sheet(
            _("Nominations"),
            translated(NOMINATION_COLUMNS),
            [_nominee_cells(n, x, texts) for n, x in _nominees(out)],
        ),
    ]
    title = _pick(out.title_ru, out.title_kk, texts.lang)
    return write_workbook(sheets, title=title)


def programme_csv_name(out: ProgrammeOut) -> str:
    """The CSV file's name: the programme's region and year."""
    return f"prizes-{out.region}-{out.year}.csv"


def programme_xlsx_name(out: ProgrammeOut) -> str:
    """The ``.xlsx`` file's name: the programme's region and year."""
    return f"prizes-{out.region}-{out.year}.xlsx"


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


def _both(ru: str, kk: str) -> str:
    """A name in Russian and, when it differs, in Kazakh beside it (a printed list is read
    in both languages)."""
    if not kk or kk == ru:
        return _e(ru)
    return f"{_e(ru)} <span class=kk lang=kk>({_e(kk)})</span>"


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
            f"<td>{_both(e.organisation, e.organisation_kk)}</td>"
            f"<td>{_e(e.championship)}<br>{_both(e.competition, e.competition_kk)}</td>"
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
            f"<li><b>{_e(x.name_ru)}</b> <span class=kk lang=kk>({_e(x.name_kk)})</span> — "
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
