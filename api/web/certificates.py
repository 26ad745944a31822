"""The certificate pages (issue 16): verification for anyone, and the printable certificate.

* ``/verify`` — a form to type a code; ``/verify?code=...`` checks it: a code that is well
  formed and whose check characters match goes (303) to ``/verify/{code}``; any other is
  answered on the spot as "not a certificate" (404), saying whether it was mistyped;
* ``/verify/{code}`` — the verdict in words (valid, valid but amended, revoked, not a
  certificate of this registry), what the certificate attests, the position and seal hash of
  the event that published it, the result as it stands now, links to the standings;
* ``/certificates/{code}`` — the printable A4 certificate (``?lang=ru|kk``): the competitor,
  the honour, the result, the championship, a QR code (``segno``, inline SVG) of the absolute
  ``/verify/{code}`` address (this request's base URL) with the code printed under it.

Every page reads the certificate through ``GET /api/v1/certificates/{code}``'s function
(:func:`api.certificates.certificate_by_code`); no rule is decided here. No sign-in.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import segno
from litestar import Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from markupsafe import Markup

from api.certificates import NotACertificate, certificate_by_code
from api.i18n import N_
from api.web.pages import language, render
from api.web.public import CATEGORIES, ENTRY_STATUSES, KINDS, LEVELS, MEDALS, REGIONS
from domain import certificates
from domain.certificates import CodeRefused

AnyRequest = Request[Any, Any, Any]
#: Public pages carry no form that posts: no CSRF cookie to mint (as ``api.web.public``).
PUBLIC_PAGE = {"exclude_from_csrf": True}

HONOURS = {
    "gold": N_("Gold medal"),
    "silver": N_("Silver medal"),
    "bronze": N_("Bronze medal"),
    "medallion": N_("Medallion for Excellence"),
}
#: why a code is not a certificate, in the reader's words
REASONS = {
    "malformed": N_(
        "This is not a certificate code of this registry: a code is 20 letters and digits, "
        "in four groups of five, as printed under the QR code."
    ),
    "mistyped": N_(
        "This is not a certificate code of this registry: its last two characters (the "
        "check) do not match the others, so a character was probably mistyped. Compare the "
        "code with the one printed on the certificate and type it again."
    ),
    "unknown": N_(
        "This is not a certificate of this registry: the code is well formed, but no "
        "certificate has it. It was made up or altered; do not trust a document that "
        "carries it."
    ),
}


def _labels(request: AnyRequest) -> dict[str, Any]:
    lang = language(request)

    def pick(thing: Any, field: str) -> str:
        for code in (lang, "ru"):
            value = getattr(thing, f"{field}_{code}", None)
            if value:
                return str(value)
        return ""

    return {
        "pick": pick,
        "kind_names": KINDS,
        "level_names": LEVELS,
        "category_names": CATEGORIES,
        "medal_names": MEDALS,
        "region_names": REGIONS,
        "entry_status_names": ENTRY_STATUSES,
        "honour_names": HONOURS,
        "reasons": REASONS,
    }


def _render(request: AnyRequest, template: str, status_code: int = 200, **context: Any) -> Template:
    return render(request, template, status_code=status_code, **_labels(request), **context)


def _refused(request: AnyRequest, reason: str, text: str) -> Template:
    """The verdict "not a certificate of this registry" (404), with the form to try again."""
    return _render(
        request,
        "certificates/verify.html",
        status_code=404,
        certificate=None,
        reason=reason,
        typed=text.strip()[: certificates.MAX_TEXT],
    )


def _verify_url(request: AnyRequest, code: str) -> str:
    """The absolute address of a certificate's verification page, from this request's base
    URL (what the QR code holds)."""
    return f"{str(request.base_url).rstrip('/')}/verify/{quote(code)}"


@get("/verify", name="certificate-verify-form", opt=PUBLIC_PAGE, sync_to_thread=True)
def verify_form(request: AnyRequest, code: FromQuery[str | None] = None) -> Template | Redirect:
    text = (code or "").strip()
    if not text:
        return _render(request, "certificates/verify.html", certificate=None, reason=None, typed="")
    try:
        canonical = certificates.parse_code(text)
    except CodeRefused as refused:
        return _refused(request, refused.reason, text)
    return Redirect(path=f"/verify/{certificates.grouped(canonical)}", status_code=303)


@get("/verify/{code:str}", name="certificate-verify", opt=PUBLIC_PAGE, sync_to_thread=True)
def verify_page(request: AnyRequest, code: FromPath[str]) -> Template:
    try:
        found = certificate_by_code(request, code)
    except NotACertificate as refused:
        return _refused(request, refused.reason, code)
    return _render(
        request, "certificates/verify.html", certificate=found, reason=None, typed=found.code
    )


@get("/certificates/{code:str}", name="certificate-print", opt=PUBLIC_PAGE, sync_to_thread=True)
def certificate_page(request: AnyRequest, code: FromPath[str]) -> Template:
    try:
        found = certificate_by_code(request, code)
    except NotACertificate as refused:
        return _refused(request, refused.reason, code)
    url = _verify_url(request, found.code)
    return _render(
        request,
        "certificates/certificate.html",
        certificate=found,
        verify_url=url,
        qr=qr_svg(url),
    )


def qr_svg(url: str) -> Markup:
    """The QR code of ``url`` as inline SVG (error correction M, black on white)."""
    svg = segno.make_qr(url, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", svgclass="cert-qr__code", omitsize=True
    )
    return Markup(svg)  # segno's own markup: paths only, no text of ours in it


CERTIFICATE_PAGE_HANDLERS: list[Any] = [verify_form, verify_page, certificate_page]
