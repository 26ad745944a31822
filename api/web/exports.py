"""The files the pages link to, for the viewer of the page (a web session or the public).

The JSON API's files (:mod:`api.exports`, :mod:`api.prizes`) read bearer tokens only; a
signed-in organiser, expert or the akimat follows these links instead, which answer the very
same bytes by the same functions, with the session's viewer (so an organiser gets the
protocol of a competition not yet published, the akimat the whole prize list with the
reasons of decisions) and the page's language (``?lang=``, the ``lang`` cookie,
``Accept-Language``):

* ``/competitions/{id}/protocol.xlsx``, ``/competitions/{id}/protocol`` (printable, A4);
* ``/championships/{id}/protocol.xlsx``, ``/championships/{id}/protocol``;
* ``/prizes/{id}/export.xlsx``, ``/prizes/{id}/export.csv``.

Refusals (unknown id, not visible) are the pages' HTML error pages.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import UUID

from litestar import Request, Response, get
from litestar.params import FromPath

from api.exports import (
    attachment,
    championship_protocol_file,
    championship_protocol_print,
    competition_protocol_file,
    competition_protocol_print,
    xlsx_response,
)
from api.prizes import prize_list_file
from api.web.pages import language

AnyRequest = Request[Any, Any, Any]
#: a download linked from the pages: a GET in a worker thread, no form (no CSRF cookie to
#: mint), not in the API's schema (the API's own paths are)
download = partial(
    get, opt={"exclude_from_csrf": True}, sync_to_thread=True, include_in_schema=False
)


@download(
    "/competitions/{competition_id:uuid}/protocol.xlsx", name="page-competition-protocol-xlsx"
)
def competition_protocol_xlsx(
    request: AnyRequest, competition_id: FromPath[UUID]
) -> Response[bytes]:
    return competition_protocol_file(request, competition_id, language(request))


@download("/competitions/{competition_id:uuid}/protocol", name="page-competition-protocol")
def competition_protocol_page(request: AnyRequest, competition_id: FromPath[UUID]) -> Response[str]:
    return competition_protocol_print(request, competition_id, language(request))


@download(
    "/championships/{championship_id:uuid}/protocol.xlsx", name="page-championship-protocol-xlsx"
)
def championship_protocol_xlsx(
    request: AnyRequest, championship_id: FromPath[UUID]
) -> Response[bytes]:
    return championship_protocol_file(request, championship_id, language(request))


@download("/championships/{championship_id:uuid}/protocol", name="page-championship-protocol")
def championship_protocol_page(
    request: AnyRequest, championship_id: FromPath[UUID]
) -> Response[str]:
    return championship_protocol_print(request, championship_id, language(request))


@download("/prizes/{programme_id:uuid}/export.xlsx", name="page-prizes-xlsx")
def prizes_xlsx(request: AnyRequest, programme_id: FromPath[UUID]) -> Response[bytes]:
    _, content, name = prize_list_file(request, programme_id, language(request), xlsx=True)
    return xlsx_response(content, (name, name))


@download("/prizes/{programme_id:uuid}/export.csv", name="page-prizes-csv")
def prizes_csv(request: AnyRequest, programme_id: FromPath[UUID]) -> Response[bytes]:
    _, content, name = prize_list_file(request, programme_id, language(request))
    return Response(
        content=content,
        media_type="text/csv",
        headers={"Content-Disposition": attachment((name, name)), "Cache-Control": "no-store"},
    )


EXPORT_PAGE_HANDLERS: list[Any] = [
    competition_protocol_xlsx,
    competition_protocol_page,
    championship_protocol_xlsx,
    championship_protocol_page,
    prizes_xlsx,
    prizes_csv,
]
