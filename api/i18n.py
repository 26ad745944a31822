"""Languages: Russian (the default), Kazakh, English — gettext catalogs, chosen per request.

The texts a person reads (pages, problem documents) are English msgids marked in the code and
templates (``_("...")``, ``gettext``, ``ngettext``, ``{% trans %}``) and translated in gettext
catalogs, one ``.po`` file per language and *domain* under ``api/locales/<lang>/LC_MESSAGES/``.
A domain is a group of sources (:data:`DOMAINS`) so that people working on different pages edit
different catalogs. The ``.po`` files are the source: babel extracts the msgids from the code,
a person writes the translations, and the catalogs are compiled in memory when a language is
first used (nothing compiled is committed). Names of people and organisations are never
translated.

Commands (run from the repository root)::

    python -m api.i18n extract [DOMAIN...]  # add new msgids to the catalogs, drop those gone
    python -m api.i18n check                # msgids without ru or kk translation: exit 1

Placeholders are Python's ``%(name)s``: ``gettext("Rank %(rank)s", rank=1)``. English needs no
translation (the msgid is the text); Russian and Kazakh must have every msgid translated
(``tests/api/test_i18n.py`` runs the check).

Choice of language (:func:`choose`): ``?lang=`` (pages remember it in the ``lang`` cookie),
else the ``lang`` cookie, else ``Accept-Language``, else Russian.
"""

from __future__ import annotations

import fnmatch
import io
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel.core import Locale
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES: tuple[str, ...] = ("ru", "kk", "en")
DEFAULT_LANGUAGE = "ru"
#: Languages whose catalogs must translate every msgid.
TRANSLATED: tuple[str, ...] = ("ru", "kk")
LANGUAGE_NAMES: Mapping[str, str] = {"ru": "Русский", "kk": "Қазақша", "en": "English"}

ROOT = Path(__file__).resolve().parent.parent
LOCALES = Path(__file__).resolve().parent / "locales"
LANG_COOKIE = "lang"


@dataclass(frozen=True)
class Domain:
    """A catalog: the sources (globs from the repository root) its msgids are extracted from."""

    name: str
    sources: tuple[str, ...]
    keywords: Mapping[str, Any] | None = None


#: The catalogs, in the order a source is claimed: a file belongs to the first domain whose
#: globs match it.
DOMAINS: tuple[Domain, ...] = (
    # the command line's own texts (`registry import`): first, so that it never changes the
    # wording of a page's msgid in the merged catalog
    Domain(
        "cli",
        (
            "cli/imports.py",
            "cli/texts.py",
            "cli/certificates.py",
            "cli/common.py",
            "cli/main.py",
            "cli/audit_feed.py",
            "cli/audit_seal.py",
            "cli/personal_data.py",
            # the settings' refusals, said by the command line (``cli.common.settings_problem``)
            "store/settings.py",
            "api/server.py",
        ),
        keywords={**DEFAULT_KEYWORDS, "SettingsError": (1,)},
    ),
    # the files' texts (protocols, prize lists): first, so that a page's wording of the same
    # msgid wins in the merged catalog; the exports read their own (api.exports.export_texts)
    Domain("exports", ("projections/exports.py", "projections/protocols.py")),
    Domain("public", ("api/web/public.py", "api/web/templates/public/*.html")),
    Domain(
        "certificates",
        (
            "api/certificates.py",
            "api/web/certificates.py",
            "api/web/templates/certificates/*.html",
        ),
        keywords={**DEFAULT_KEYWORDS, "N_": None},
    ),
    Domain("audit", ("api/web/audit*.py", "api/web/templates/audit/*.html")),
    Domain(
        "problems",
        (
            "api/problems.py",
            "api/messages.py",
            "domain/*.py",
            "registry/*.py",
            "sheets/*.py",
            "store/events.py",
            "projections/audit_feed.py",
            "projections/time_travel.py",
            *(
                f"api/{name}.py"
                for name in (
                    "audit",
                    "auth",
                    "commands",
                    "idempotency",
                    "imports",
                    "limits",
                    "lists",
                    "participants",
                    "prizes",
                    "reading",
                    "results",
                    "routes",
                    "spreadsheets",
                )
            ),
        ),
        # the msgid is the argument in that place (``api.messages`` tells how to add one)
        keywords={
            **DEFAULT_KEYWORDS,
            "N_": None,
            "DomainError": (2,),
            "ApiProblem": (3,),
            "unauthorized": None,
            "forbidden": None,
            "found": (2,),
            "invalid_field": (2,),
            "FeedError": (2,),
            "SheetRefused": (1,),
            "NotYet": (2,),
        },
    ),
    Domain("office", ("api/web/office.py", "api/web/templates/office/*.html")),
    Domain("marking", ("api/web/marking.py", "api/web/templates/marking/*.html")),
    Domain(
        "manage",
        (
            "api/web/manage.py",
            "api/web/templates/manage/*.html",
            "api/web/imports.py",
            "api/web/templates/imports/*.html",
        ),
    ),
    Domain("common", ("api/web/*.py", "api/web/templates/*.html")),
)

_JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}


def N_(message: str) -> str:
    """Marks a msgid for extraction where it is translated later (a table of texts)."""
    return message


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The language of a request: ``?lang=``, the cookie, ``Accept-Language``, Russian."""
    for explicit in (query, cookie):
        if explicit and explicit.strip().lower() in LANGUAGES:
            return explicit.strip().lower()
    return from_accept_language(accept_language)


def from_accept_language(header: str | None) -> str:
    """The best of :data:`LANGUAGES` by an ``Accept-Language`` header's weights, else ru."""
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for order, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                continue
        q -= order * 1e-6  # equal weights: the first listed wins
        if q > best_q:
            best, best_q = primary, q
    return best


# ------------------------------------------------------------------ catalogs


def catalog_path(lang: str, domain: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{domain}.po"


@cache
def translations(lang: str) -> Translations:
    """Every domain's catalog of ``lang``, compiled in memory once per process."""
    merged = Translations()
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    for domain in DOMAINS:
        path = catalog_path(lang, domain.name)
        if not path.exists():
            continue
        with path.open("rb") as source:
            catalog = read_po(source, locale=lang, domain=domain.name)
        compiled = io.BytesIO()
        write_mo(compiled, catalog, use_fuzzy=False)
        compiled.seek(0)
        merged.merge(Translations(compiled, domain=domain.name))
    return merged


class Translator:
    """gettext for one language, with ``%(name)s`` placeholders and locale formats."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._translations = translations(self.lang)
        self.locale = Locale.parse(self.lang)

    def gettext(self, message: str, /, **params: Any) -> str:
        text = self._translations.gettext(message)
        return text % params if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return text % {"num": n, **params}

    def date(self, value: date | None, format: str = "medium") -> str:
        return "" if value is None else format_date(value, format=format, locale=self.locale)

    def datetime(self, value: datetime | None, format: str = "medium") -> str:
        if value is None:
            return ""
        return format_datetime(value, format=format, locale=self.locale)

    def number(self, value: Decimal | int | str | None) -> str:
        if value is None or value == "":
            return ""
        return format_decimal(Decimal(str(value)), format="#,##0.00", locale=self.locale)

    def integer(self, value: int | None) -> str:
        return "" if value is None else format_decimal(value, format="#,##0", locale=self.locale)


@lru_cache(maxsize=len(LANGUAGES))
def translator(lang: str) -> Translator:
    return Translator(lang)


# ------------------------------------------------------------------ extraction


def _claimed_files() -> dict[str, list[Path]]:
    claimed: dict[str, list[Path]] = {domain.name: [] for domain in DOMAINS}
    seen: set[Path] = set()
    every = sorted(p for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts)
    for domain in DOMAINS:
        for path in every:
            relative = path.relative_to(ROOT).as_posix()
            if path in seen:
                continue
            if any(fnmatch.fnmatchcase(relative, pattern) for pattern in domain.sources):
                claimed[domain.name].append(path)
                seen.add(path)
    return claimed


def extract(domain: Domain, files: Iterable[Path]) -> Catalog:
    """The msgids of ``files`` as a template catalog."""
    template = Catalog(domain=domain.name, project="registry", charset="utf-8", fuzzy=False)
    keywords = domain.keywords or DEFAULT_KEYWORDS
    for path in files:
        method = "jinja2" if path.suffix == ".html" else "python"
        options = _JINJA_OPTIONS if method == "jinja2" else {}
        for lineno, message, comments, context in extract_from_file(
            method, str(path), keywords=keywords, options=options
        ):
            template.add(
                message,
                None,
                [(path.relative_to(ROOT).as_posix(), lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def update_catalogs(names: Iterable[str] = ()) -> list[Path]:
    """Extract the named domains (default: all) and update each language's ``.po`` file."""
    written = []
    wanted = set(names)
    claimed = _claimed_files()
    for domain in DOMAINS:
        if wanted and domain.name not in wanted:
            continue
        files = claimed[domain.name]
        template = extract(domain, files)
        for lang in LANGUAGES:
            path = catalog_path(lang, domain.name)
            if path.exists():
                with path.open("rb") as source:
                    catalog = read_po(source, locale=lang, domain=domain.name)
            else:
                catalog = Catalog(locale=lang, domain=domain.name, project="registry", fuzzy=False)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as target:
                write_po(target, catalog, width=100, sort_output=False, include_lineno=False)
            written.append(path)
    return written


def missing_translations() -> list[str]:
    """``lang/domain: msgid`` for every msgid of the code without a ru or kk translation."""
    missing = []
    claimed = _claimed_files()
    for domain in DOMAINS:
        template = extract(domain, claimed[domain.name])
        for lang in TRANSLATED:
            path = catalog_path(lang, domain.name)
            catalog = Catalog(locale=lang)
            if path.exists():
                with path.open("rb") as source:
                    catalog = read_po(source, locale=lang, domain=domain.name)
            for message in template:
                if not message.id:
                    continue
                found = catalog.get(message.id, context=message.context)
                strings = found.string if found is not None else None
                ok = all(strings) if isinstance(strings, tuple) else bool(strings)
                if found is None or not ok or found.fuzzy:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    missing.append(f"{lang}/{domain.name}: {key}")
    return missing


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["extract"]:
        unknown = set(args[1:]) - {domain.name for domain in DOMAINS}
        if unknown:
            print(f"unknown domain(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        for path in update_catalogs(args[1:]):
            print(path.relative_to(ROOT))
        return 0
    if args == ["check"]:
        missing = missing_translations()
        for line in missing:
            print(line)
        print(f"{len(missing)} msgid(s) without a translation", file=sys.stderr)
        return 1 if missing else 0
    print("usage: python -m api.i18n extract [DOMAIN...] | check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
