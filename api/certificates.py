"""Verifiable certificates (issue 16, RULES.md "Certificates"): public reads, no token.

* ``GET /api/v1/certificates/{code}`` — a certificate by its code (any case, hyphens and
  spaces anywhere): what it attests, the position and seal hash of the event that published
  it, and whether it was later amended or revoked (``projections.certificates``). A code
  that is not a certificate of this registry is a 404 problem in the caller's language, of
  one of three types: ``/problems/certificate-malformed`` (not 20 letters and digits of the
  code's alphabet), ``/problems/certificate-mistyped`` (its check characters do not match:
  a character was mistyped) or ``/problems/certificate-not-found`` (well formed, but no
  certificate has it: made up or altered). Each carries ``valid: false`` and ``reason``.
* ``GET /api/v1/participants/{id}/certificates`` — a person's certificates (the codes the
  participant page links to), with the person's visibility (``api.participants``).

Pages compute a certificate's code from the honour it attests (:func:`certificate_path`,
the same HMAC the view uses, ``domain.certificates``) rather than look it up, so a page
kept in memory for its standings (``api.web.public``) always links the right certificate.
No personal data beyond name, organisation and region is in any answer.
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from litestar import Request, Response
from litestar.params import FromPath

from api.i18n import N_, from_accept_language, translator
from api.participants import visible_person
from api.problems import ApiProblem, problem_responses
from api.reading import read, read_side
from domain import certificates
from domain.certificates import CodeRefused
from projections.certificates import CertificateQueries
from projections.models import CertificateOut
from store.certificate_key import certificate_key
from store.events import datastore_of

AnyRequest = Request[Any, Any, Any]

TITLE = N_("Not a certificate of this registry")
#: reason -> (problem code, msgid)
REFUSALS: dict[str, tuple[str, str]] = {
    "malformed": (
        "certificate-malformed",
        N_(
            "%(code)s is not a certificate code of this registry: a code is 20 letters and "
            "digits, in four groups of five"
        ),
    ),
    "mistyped": (
        "certificate-mistyped",
        N_(
            "%(code)s is not a certificate code of this registry: its check characters do not "
            "match, so a character was probably mistyped; compare it with the code printed on "
            "the certificate"
        ),
    ),
    "unknown": (
        "certificate-not-found",
        N_(
            "%(code)s is not a certificate of this registry: no certificate has this code, "
            "so it was made up or altered"
        ),
    ),
}
_lock = threading.Lock()


class NotACertificate(ApiProblem):
    """404: ``text`` is not a certificate of this registry (``reason``: ``malformed``,
    ``mistyped`` or ``unknown``)."""

    def __init__(self, reason: str, text: str) -> None:
        code, detail = REFUSALS[reason]
        shown = text.strip()[: certificates.MAX_TEXT]
        super().__init__(
            404,
            code,
            detail,
            params={"code": shown},
            extra={"valid": False, "reason": reason, "code": shown},
        )
        self.reason = reason

    def to_response(self, request: AnyRequest) -> Response[dict[str, Any]]:
        response = super().to_response(request)
        tr = translator(from_accept_language(request.headers.get("accept-language")))
        response.content["title"] = tr.gettext(TITLE)
        return response


def certificate_queries(request: AnyRequest) -> CertificateQueries:
    """The certificates view's queries of this app (made on first use)."""
    state = request.app.state
    queries = state.get("certificate_queries")
    if queries is None:
        with _lock:
            queries = state.get("certificate_queries")
            if queries is None:
                queries = CertificateQueries(read_side(request).store)
                state["certificate_queries"] = queries
    return queries  # type: ignore[no-any-return]


def certificate_by_code(request: AnyRequest, text: str) -> CertificateOut:
    """The certificate ``text`` names, or :class:`NotACertificate`; shared with the pages."""
    try:
        code = certificates.parse_code(text)
    except CodeRefused as refused:
        raise NotACertificate(refused.reason, text) from None
    found = certificate_queries(request).certificate(code)
    if found is None:
        raise NotACertificate("unknown", text)
    return found


def store_key(request: AnyRequest) -> bytes:
    """The store's certificate key (read once per process; made by the first who asks)."""
    state = request.app.state
    key = state.get("certificate_key")
    if key is None:
        registry = state.registry
        key = certificate_key(registry.settings, datastore_of(registry))
        state["certificate_key"] = key
    return key  # type: ignore[no-any-return]


def certificate_path(
    request: AnyRequest,
    kind: str,
    subject_id: UUID | str,
    item_id: UUID | str,
    medal: str | None = None,
) -> str:
    """``/certificates/{code}`` of an honour: ``("medal", competition, competitor, colour)``,
    ``("medallion", competition, competitor)`` or ``("prize", programme, entry)``. The
    caller links only an honour held in a published result or an awarded entry, which the
    view has issued a certificate for."""
    subject, item = UUID(str(subject_id)), UUID(str(item_id))
    if kind == certificates.Kind.MEDAL:
        identity = certificates.medal_identity(subject, item, medal or "")
    elif kind == certificates.Kind.MEDALLION:
        identity = certificates.medallion_identity(subject, item)
    else:
        identity = certificates.prize_identity(subject, item)
    code = certificates.code_for(store_key(request), identity)
    return f"/certificates/{certificates.grouped(code)}"


_DESCRIPTION = (
    "Public (no token). The certificate of a medal, a Medallion for Excellence or an awarded "
    "prize, by the code printed on it (20 characters of Crockford's base32, four groups of "
    "five; any case, hyphens and spaces anywhere; the last two characters are a check). "
    "Answers `{valid, verdict, code, kind, competitor: {participant_id, full_name, "
    "organisation, organisation_kk, region}, championship, competition, result: {rank, "
    "total, scaled_score, medal, medallion}, current_result, medal, medallion, prize, "
    "current_prize, published_position, published_at, seal_hash, amended, amended_position, "
    "revoked, revoked_position, current_certificate}`: `result` is what the certificate "
    "attests at `published_position` (the competition's Published event; for a prize, the "
    "event that awarded it; for an honour first held after an amendment, that amendment) "
    "and `seal_hash` the seal chain's hash there (null until the seal view reaches it); "
    "`verdict` is `valid`, `amended` (a later amendment changed the result: "
    "`current_result`) or `revoked` (the honour is no longer held; `valid` false).\n\n"
    "A code that is not a certificate of this registry: 404 with `valid: false` and "
    "`reason`: `/problems/certificate-malformed`, `/problems/certificate-mistyped` (the "
    "check characters do not match: mistyped) or `/problems/certificate-not-found` (no such "
    "certificate: made up or altered)."
)


@read(
    "/certificates/{code:str}",
    summary="Verify a certificate",
    description=_DESCRIPTION,
    responses=problem_responses(404, 422, 503),
    tags=["certificates"],
)
def get_certificate(request: AnyRequest, code: FromPath[str]) -> CertificateOut:
    return certificate_by_code(request, code)


@read(
    "/participants/{participant_id:uuid}/certificates",
    summary="A person's certificates",
    description="Public (no token), with the person's visibility (`GET /participants/{id}`: "
    "404 for the public when nothing of theirs is published). Every certificate issued to "
    "the person, oldest first, as `GET /certificates/{code}` answers each (revoked ones "
    "too, with `verdict: revoked`).",
    responses=problem_responses(404, 422, 503),
    tags=["certificates"],
)
def participant_certificates(
    request: AnyRequest, participant_id: FromPath[UUID]
) -> list[CertificateOut]:
    visible_person(request, participant_id)
    return certificate_queries(request).of_participant(participant_id)


CERTIFICATE_API_HANDLERS: list[Any] = [get_certificate, participant_certificates]
