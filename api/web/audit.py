"""The auditor's workbench (auditors and admins): the event history, one aggregate's story,
time travel on a competition's page, the seal verification.

Every page calls what the JSON endpoint of the same thing calls; nothing here reads the
events table another way or decides a rule:

* ``/audit`` — the audit feed (``GET /api/v1/audit/events``: :class:`projections.audit_feed.
  Feed`, filters parsed by :func:`api.audit.feed_filter`), newest first, paged by position:
  a page is the newest ``PAGE_SIZE`` matching events at or below ``upto`` (read in windows of
  positions going down), or the oldest above ``after``. Personal fields are withheld exactly
  as in the feed (its lines are what the rows are made of). On the newest page
  ``static/audit.js`` listens to ``/audit/live`` (the hub of ``GET /api/v1/audit/events/
  stream``, :mod:`api.streams`) and prepends the rows ``?fragment=rows&after=N`` renders.
* ``/audit/aggregates/{id}`` — :func:`projections.audit_feed.aggregate_history` (``GET /api/
  v1/audit/aggregates/{id}``) told as a story in the viewer's language (:class:`Storyteller`),
  names resolved from the creation events (:class:`projections.audit_feed.CreatedNames`).
* :func:`competition_time_travel` — ``/competitions/{id}?as_of=…&compare=…`` (the public page
  delegates here): :func:`api.results.standings_as_of` and :func:`api.results.standings_diff`,
  the functions behind ``GET …/standings?as_of=`` and ``GET …/standings/diff``.
* ``/audit/verify`` — :func:`api.seal.seal_report` (``GET /api/v1/audit/verify``), and the
  newest recorded checkpoint's signature (:mod:`projections.seal.checkpoints`).

Times are shown in Oskemen's time (``domain.values.LOCAL_TIME``, UTC+5); a time typed
without an offset is read in it.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import msgspec
from litestar import Request, get
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath
from litestar.response import ServerSentEvent, Template
from markupsafe import Markup

from api.audit import feed_filter
from api.auth import AUDITORS
from api.i18n import N_, Translator, translator
from api.messages import Message
from api.problems import ApiProblem, forbidden
from api.results import (
    championship_detail,
    competition_detail,
    standings_as_of,
    standings_diff,
)
from api.seal import seal_report
from api.streams import stream_hub
from api.web.pages import language, render, viewer
from domain.account import Account
from domain.championship import Championship
from domain.competition import Competition
from domain.organisation import Organisation
from domain.participant import Participant
from domain.prize_programme import PrizeProgramme
from domain.values import LOCAL_TIME, Role
from projections.audit_feed import (
    PSEUDO_ACTORS,
    ActorNames,
    CreatedNames,
    Feed,
    FeedError,
    FeedFilter,
    aggregate_history,
    aggregate_type,
    known_topics,
)
from projections.seal.checkpoints import check_signature, newest_checkpoint
from store.events import EventReader, EventStore

AnyRequest = Request[Any, Any, Any]

#: events on one page of ``/audit``
PAGE_SIZE = 50
#: the first window of positions read below ``upto`` (grows fourfold while too few match)
FIRST_WINDOW = 4 * PAGE_SIZE
#: the roles that open the workbench (``api.auth.AUDITORS``)
WORKBENCH_ROLES = frozenset({Role.AUDITOR, Role.ADMIN})

# ------------------------------------------------------------------ texts

#: What each event is called (by topic).
EVENT_NAMES: Mapping[str, str] = {
    "registry.Organisation.Created": N_("Organisation registered"),
    "registry.Participant.Created": N_("Participant registered"),
    "registry.Participant.PersonalDataErased": N_("Personal data erased"),
    "registry.Account.Created": N_("Account created"),
    "registry.Account.ScopeGranted": N_("Access to a competition granted"),
    "registry.Account.TokenRotated": N_("Token replaced"),
    "registry.Account.Revoked": N_("Account revoked"),
    "registry.Championship.Created": N_("Championship created"),
    "registry.Championship.CompetitionAdded": N_("Competition added"),
    "registry.Competition.Created": N_("Competition created"),
    "registry.Competition.SchemeSet": N_("Marking scheme set"),
    "registry.Competition.EntrantAdded": N_("Competitor entered"),
    "registry.Competition.ExpertAssigned": N_("Expert assigned"),
    "registry.Competition.MarkingStarted": N_("Marking started"),
    "registry.Competition.MarksEntered": N_("Marks entered"),
    "registry.Competition.MarkCorrected": N_("Mark corrected"),
    "registry.Competition.Locked": N_("Marking locked"),
    "registry.Competition.Reopened": N_("Marking reopened"),
    "registry.Competition.Published": N_("Results published"),
    "registry.Competition.MarkAmended": N_("Mark amended after publication"),
    "registry.PrizeProgramme.Created": N_("Prize programme created"),
    "registry.PrizeProgramme.EntryProposed": N_("Prize entry proposed"),
    "registry.PrizeProgramme.EntryPlaceChanged": N_("Prize entry changed by an amendment"),
    "registry.PrizeProgramme.EntryDecided": N_("Prize entry decided"),
    "registry.PrizeProgramme.NominationDefined": N_("Nomination defined"),
    "registry.PrizeProgramme.NomineeProposed": N_("Nominee proposed"),
    "registry.PrizeProgramme.NomineeDecided": N_("Nominee decided"),
}

#: What each kind of aggregate is called (by the aggregate's topic).
AGGREGATE_NAMES: Mapping[str, str] = {
    "registry.Organisation": N_("organisation"),
    "registry.Participant": N_("participant"),
    "registry.Account": N_("account"),
    "registry.Championship": N_("championship"),
    "registry.Competition": N_("competition"),
    "registry.PrizeProgramme": N_("prize programme"),
}

ROLE_WORDS: Mapping[str, str] = {
    "admin": N_("administrator"),
    "organiser": N_("organiser"),
    "chief_expert": N_("chief expert"),
    "expert": N_("expert"),
    "akimat": N_("akimat"),
    "auditor": N_("auditor"),
    "chief": N_("chief expert"),
}

#: What a seal problem means, in words (``projections.seal.verify``'s kinds).
SEAL_PROBLEMS: Mapping[str, str] = {
    "edited": N_(
        "The stored event at position %(position)s does not match its seal: it was changed "
        "after it was sealed."
    ),
    "deleted": N_("Position %(position)s is sealed but no stored event has it: it was deleted."),
    "inserted": N_(
        "The stored event at position %(position)s has no seal although later positions are "
        "sealed: it was inserted (or its seal removed)."
    ),
    "malformed": N_(
        "The stored row at position %(position)s is not what the registry stores: it was "
        "edited outside the registry."
    ),
    "truncated": N_(
        "The newest events, from position %(position)s on, were deleted together with their "
        "seals (the seals or the newest checkpoint reach further than the stored events)."
    ),
    "bad-checkpoint": N_(
        "The newest recorded checkpoint (position %(position)s) is not genuine: its signature "
        "does not match."
    ),
}

#: What a stored row edited outside the registry makes the readers raise.
DAMAGED = (msgspec.DecodeError, msgspec.ValidationError, ValueError, KeyError, TypeError)
DAMAGED_TEXT = N_(
    "The history cannot be read here: a stored row is damaged. The seal verification names it."
)

# ------------------------------------------------------------------ access


def require_auditor(request: AnyRequest) -> None:
    """Auditors and admins; the public is sent to sign in (401), other roles get 403."""
    account = viewer(request)
    if account is None:
        raise NotAuthorizedException()
    if account.role not in WORKBENCH_ROLES:
        raise forbidden("the auditor's workbench is for auditors and administrators")


# ------------------------------------------------------------------ times and values


def local_time(text: str | None) -> datetime | None:
    """A stored UTC time text as an aware time in Oskemen."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(LOCAL_TIME)


def moment_text(value: str | None) -> str | None:
    """A time typed in a form (``2025-05-16T16:00``, ``2025-05-16 16:00``) as ISO 8601 with
    Oskemen's offset when it has none; positions and texts with an offset unchanged; None for
    an empty value."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return text
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return text  # the query refuses it, naming the field
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TIME)
    return moment.isoformat()


def local_input(value: str) -> str:
    """A time of the query as a ``datetime-local`` field shows it (Oskemen, to the minute);
    a value that is not a time is kept as typed."""
    text = moment_text(value)
    if not text or text.isdigit():
        return value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return value
    return moment.astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M")


def _field_error(error: FeedError | ApiProblem, tr: Translator) -> tuple[str, str]:
    """``(field, message in the viewer's language)`` of a refused parameter."""
    if isinstance(error, FeedError):
        return error.field, Message(error.template, error.params).text(tr)
    if error.field_messages:
        field, message = error.field_messages[0]
        return field, message.text(tr)
    return "", error.message.text(tr)


# ------------------------------------------------------------------ names


#: (creation topic, field per language) of each kind of aggregate's name
_NAME_FIELDS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "registry.Organisation": (Organisation.Created.TOPIC, {"kk": "name_kk", "*": "name_ru"}),
    "registry.Participant": (Participant.Created.TOPIC, {"*": "full_name"}),
    "registry.Championship": (Championship.Created.TOPIC, {"kk": "title_kk", "*": "title_ru"}),
    "registry.Competition": (Competition.Created.TOPIC, {"kk": "title_kk", "*": "title_ru"}),
    "registry.PrizeProgramme": (
        PrizeProgramme.Created.TOPIC,
        {"kk": "title_kk", "*": "title_ru"},
    ),
}


class Names:
    """Names of accounts, people, organisations, championships, competitions and programmes
    by id, each read once from its creation event (names never change), for one request."""

    def __init__(self, app: EventStore, lang: str) -> None:
        self.app = app
        self.lang = lang
        self.reader = EventReader.of(app)
        self.accounts = ActorNames(app, self.reader)
        self._lookups: dict[tuple[str, str], CreatedNames] = {}

    def of(self, kind: str, key: Any) -> str | None:
        """The name of the aggregate ``key`` of ``kind`` (an aggregate topic), or None."""
        if key is None:
            return None
        if kind == "registry.Account":
            return self.accounts.name(str(key))
        spec = _NAME_FIELDS.get(kind)
        if spec is None:
            return None
        topic, fields = spec
        field = fields.get(self.lang, fields["*"])
        lookup = self._lookups.get((topic, field))
        if lookup is None:
            lookup = self._lookups[(topic, field)] = CreatedNames(
                self.app, topic, field, self.reader
            )
        return lookup.name(str(key))

    def account(self, key: Any) -> str:
        return self.of("registry.Account", key) or _short(key)

    def person(self, key: Any) -> str:
        return self.of("registry.Participant", key) or _short(key)


def _short(key: Any) -> str:
    return str(key)[:8] + "…"


def link(key: Any, text: str) -> Markup:
    """``text`` linking to the history of the aggregate ``key``."""
    return Markup('<a href="/audit/aggregates/{}">{}</a>').format(key, text)


# ------------------------------------------------------------------ stories


class Story(msgspec.Struct):
    """One event told in words: the sentence (HTML: names link to their histories) and the
    details (e.g. the marks of a sheet)."""

    text: Markup
    details: list[Markup] = msgspec.field(default_factory=list)


class Storyteller:
    """Events told as sentences in one language. Context from earlier events of the same
    aggregate (a competition's scheme, a programme's entries) is remembered as they pass
    (:meth:`tell` them in version order); without it the sentence says less, never wrong."""

    def __init__(self, names: Names, tr: Translator) -> None:
        self.names = names
        self.tr = tr
        #: aspect id -> (type, description), from the scheme
        self.aspects: dict[str, tuple[str, str]] = {}
        #: prize entry id -> competitor name; nominee id -> organisation; nomination -> title
        self.entries: dict[str, str] = {}
        self.nominees: dict[str, Markup] = {}
        self.nominations: dict[str, str] = {}

    # -------------------------------------------------------------- helpers

    def _(self, message: str, /, **params: Any) -> Markup:
        """``message`` translated (trusted), with ``params`` escaped unless already HTML."""
        text = Markup(self.tr._translations.gettext(message))
        return text % params if params else text

    def ngettext(self, singular: str, plural: str, num: int, /, **params: Any) -> Markup:
        text = Markup(self.tr._translations.ngettext(singular, plural, num))
        return text % {"num": self.tr.integer(num), **params}

    def actor(self, key: Any) -> Markup:
        name = self.names.account(key)
        if str(key) in PSEUDO_ACTORS:
            return Markup("<em>{}</em>").format(self._(PSEUDO_LABELS.get(str(key), name)))
        return link(key, name)

    def person(self, key: Any, name: str | None = None) -> Markup:
        return link(key, name or self.names.person(key))

    def organisation(self, key: Any) -> Markup:
        name = self.names.of("registry.Organisation", key) or _short(key)
        return link(key, name)

    def competition(self, key: Any) -> Markup:
        name = self.names.of("registry.Competition", key) or _short(key)
        return link(key, name)

    def championship(self, key: Any) -> Markup:
        name = self.names.of("registry.Championship", key) or _short(key)
        return link(key, name)

    def value(self, text: Any) -> str:
        """A mark as shown: a measurement with two decimals in the locale's form, a
        judgement score as the whole number it is."""
        value = str(text)
        return self.tr.number(value) if "." in value else value

    def aspect(self, aspect_id: str) -> Markup:
        known = self.aspects.get(aspect_id)
        if known is None:
            return Markup("<strong>{}</strong>").format(aspect_id)
        return Markup('<strong><abbr title="{}">{}</abbr></strong>').format(known[1], aspect_id)

    def word(self, table: Mapping[str, str], code: Any) -> str:
        text = str(code)
        return self.tr.gettext(table[text]) if text in table else text

    # -------------------------------------------------------------- the story

    def tell(self, topic: str, data: Mapping[str, Any], actor: Any) -> Story:
        teller = _TELLERS.get(topic)
        who = self.actor(actor)
        if teller is None:
            name = self.word(EVENT_NAMES, topic) if topic in EVENT_NAMES else topic
            return Story(self._("%(actor)s recorded: %(event)s.", actor=who, event=name))
        try:
            return teller(self, data, who)
        except (KeyError, TypeError, ValueError, AttributeError):  # a shape this code lacks
            name = self.word(EVENT_NAMES, topic)
            return Story(self._("%(actor)s recorded: %(event)s.", actor=who, event=name))


#: The registry's own actors as the pages name them.
PSEUDO_LABELS: Mapping[str, str] = {
    key: (N_("The system (initial setup)") if short == "system" else N_("The prize policy"))
    for key, short in PSEUDO_ACTORS.items()
}


def _tell_mark_change(s: Storyteller, data: Mapping[str, Any], who: Markup, amended: bool) -> Story:
    mark = data["mark"]
    params = {
        "actor": who,
        "aspect": s.aspect(mark["aspect_id"]),
        "competitor": s.person(mark["competitor_id"]),
        "previous": s.value(data["previous"]),
        "value": s.value(mark["value"]),
        "reason": data.get("reason") or "",
        "expert": s.actor(mark["expert_id"]),
    }
    own = str(mark["expert_id"]) == str(data.get("actor"))
    if amended:
        text = s._(
            "%(actor)s amended %(aspect)s for %(competitor)s (the mark of %(expert)s) from "
            "%(previous)s to %(value)s after publication: “%(reason)s”",
            **params,
        )
    elif own:
        text = s._(
            "%(actor)s corrected %(aspect)s for %(competitor)s from %(previous)s to "
            "%(value)s: “%(reason)s”",
            **params,
        )
    else:
        text = s._(
            "%(actor)s corrected the mark of %(expert)s, %(aspect)s for %(competitor)s, from "
            "%(previous)s to %(value)s: “%(reason)s”",
            **params,
        )
    return Story(text)


def _tell_marks(s: Storyteller, data: Mapping[str, Any], who: Markup) -> Story:
    marks = data["marks"]
    details = [
        s._(
            "%(competitor)s — %(aspect)s: %(value)s",
            competitor=s.person(m["competitor_id"]),
            aspect=s.aspect(m["aspect_id"]),
            value=s.value(m["value"]),
        )
        for m in marks
    ]
    text = s.ngettext(
        "%(actor)s entered %(num)s mark", "%(actor)s entered %(num)s marks", len(marks), actor=who
    )
    return Story(text, details)


def _tell_scheme(s: Storyteller, data: Mapping[str, Any], who: Markup) -> Story:
    aspects = data["aspects"]
    for aspect in aspects:
        s.aspects[aspect["id"]] = (aspect["type"], aspect["description"])
    details = [
        s._(
            "%(aspect)s (criterion %(criterion)s, %(kind)s, up to %(max)s): %(description)s",
            aspect=Markup("<strong>{}</strong>").format(a["id"]),
            criterion=a["criterion"],
            kind=s.tr.gettext(ASPECT_TYPES.get(a["type"], a["type"])),
            max=s.value(a["max_mark"]),
            description=a["description"],
        )
        for a in aspects
    ]
    text = s.ngettext(
        "%(actor)s set the marking scheme: %(num)s aspect",
        "%(actor)s set the marking scheme: %(num)s aspects",
        len(aspects),
        actor=who,
    )
    return Story(text, details)


ASPECT_TYPES: Mapping[str, str] = {"measurement": N_("measurement"), "judgement": N_("judgement")}
DECISIONS: Mapping[str, str] = {
    "approve": N_("%(actor)s approved the prize entry of %(competitor)s."),
    "reject": N_("%(actor)s rejected the prize entry of %(competitor)s: “%(reason)s”"),
    "award": N_("%(actor)s recorded the prize of %(competitor)s as awarded on %(date)s."),
    "revoke": N_("%(actor)s revoked the prize entry of %(competitor)s: “%(reason)s”"),
}
NOMINEE_DECISIONS: Mapping[str, str] = {
    "approve": N_("%(actor)s approved %(organisation)s in the nomination %(nomination)s."),
    "reject": N_(
        "%(actor)s rejected %(organisation)s in the nomination %(nomination)s: “%(reason)s”"
    ),
    "revoke": N_(
        "%(actor)s revoked %(organisation)s in the nomination %(nomination)s: “%(reason)s”"
    ),
}


def _title(s: Storyteller, data: Mapping[str, Any], field: str = "title") -> str:
    own = data.get(f"{field}_{s.tr.lang}") if s.tr.lang != "en" else data.get(f"{field}_en")
    return str(own or data.get(f"{field}_ru") or "")


def _tell_entry_proposed(s: Storyteller, data: Mapping[str, Any], who: Markup) -> Story:
    placing, prize = data["placing"], data["prize"]
    s.entries[str(data["entry_id"])] = placing["full_name"]
    return Story(
        s._(
            "%(actor)s proposed %(competitor)s for the prize of place %(place)s (%(prize)s): "
            "%(reason)s",
            actor=who,
            competitor=s.person(placing["competitor_id"], placing["full_name"]),
            place=placing["place"],
            prize=_prize(s, prize),
            reason=data.get("reason") or "",
        )
    )


def _prize(s: Storyteller, prize: Mapping[str, Any] | None) -> str:
    if not prize:
        return s.tr.gettext(N_("no prize"))
    amount = prize.get("amount_kzt")
    if amount is None:
        return str(prize["description"])
    return s.tr.gettext(
        N_("%(description)s, %(amount)s tenge"),
        description=prize["description"],
        amount=s.tr.integer(int(amount)),
    )


def _tell_place_changed(s: Storyteller, data: Mapping[str, Any], who: Markup) -> Story:
    placing = data["placing"]
    s.entries[str(data["entry_id"])] = placing["full_name"]
    message = (
        N_(
            "%(actor)s: after an amendment %(competitor)s is now at place %(place)s "
            "(%(prize)s); the entry needs review: %(reason)s"
        )
        if data.get("needs_review")
        else N_(
            "%(actor)s: after an amendment %(competitor)s is now at place %(place)s "
            "(%(prize)s): %(reason)s"
        )
    )
    return Story(
        s._(
            message,
            actor=who,
            competitor=s.person(placing["competitor_id"], placing["full_name"]),
            place=placing["place"],
            prize=_prize(s, data.get("prize")),
            reason=data.get("reason") or "",
        )
    )


def _tell_entry_decided(s: Storyteller, data: Mapping[str, Any], who: Markup) -> Story:
    decision = str(data["decision"])
    name = s.entries.get(str(data["entry_id"]))
    competitor = name if name else s.tr.gettext(N_("an entry"))
    awarded = data.get("awarded_on")
    message = DECISIONS.get(decision)
    if message is None:
        message = N_("%(actor)s decided on the prize entry of %(competitor)s: %(decision)s")
    return Story(
        s._(
            message,
            actor=who,
            competitor=competitor,
            reason=data.get("reason") or "",
            date=s.tr.date(datetime.fromisoformat(awarded).date()) if awarded else "",
            decision=decision,
        )
    )


def _tell_nominee_proposed(s: Storyteller, data: Mapping[str, Any], who: Markup) -> Story:
    organisation = s.organisation(data["organisation_id"])
    s.nominees[str(data["nominee_id"])] = organisation
    nomination = s.nominations.get(str(data["nomination_id"]), "")
    return Story(
        s._(
            "%(actor)s proposed %(organisation)s for the nomination %(nomination)s: “%(citation)s”",
            actor=who,
            organisation=organisation,
            nomination=nomination,
            citation=data.get("citation") or "",
        )
    )


def _tell_nominee_decided(s: Storyteller, data: Mapping[str, Any], who: Markup) -> Story:
    decision = str(data["decision"])
    message = NOMINEE_DECISIONS.get(decision) or N_(
        "%(actor)s decided on %(organisation)s in the nomination %(nomination)s: %(decision)s"
    )
    return Story(
        s._(
            message,
            actor=who,
            organisation=s.nominees.get(str(data["nominee_id"])) or s.tr.gettext(N_("a nominee")),
            nomination=s.nominations.get(str(data["nomination_id"]), ""),
            reason=data.get("reason") or "",
            decision=decision,
        )
    )


def _tell_nomination(s: Storyteller, data: Mapping[str, Any], who: Markup) -> Story:
    title = _title(s, data)
    s.nominations[str(data["nomination_id"])] = title
    return Story(s._("%(actor)s defined the nomination %(title)s.", actor=who, title=title))


def _simple(message: str, **fields: Callable[[Storyteller, Mapping[str, Any]], Any]) -> Any:
    """A teller whose sentence takes ``actor`` and ``fields`` computed from the data."""

    def tell(s: Storyteller, data: Mapping[str, Any], who: Markup) -> Story:
        params = {name: make(s, data) for name, make in fields.items()}
        return Story(s._(message, actor=who, **params))

    return tell


_TELLERS: dict[str, Callable[[Storyteller, Mapping[str, Any], Markup], Story]] = {
    "registry.Organisation.Created": _simple(
        N_("%(actor)s registered the organisation %(name)s (%(region)s)."),
        name=lambda s, d: d["name_kk"] if s.tr.lang == "kk" else d["name_ru"],
        region=lambda s, d: d["region"],
    ),
    "registry.Participant.Created": _simple(
        N_(
            "%(actor)s registered the participant %(name)s of %(organisation)s (birth date and "
            "disability withheld)."
        ),
        name=lambda s, d: d["full_name"],
        organisation=lambda s, d: s.organisation(d["organisation_id"]),
    ),
    "registry.Participant.PersonalDataErased": _simple(
        N_(
            "%(actor)s erased the participant's personal data (birth date, disability): "
            "“%(reason)s”"
        ),
        reason=lambda s, d: d.get("reason") or "",
    ),
    "registry.Account.Created": _simple(
        N_("%(actor)s created the account %(name)s with the role %(role)s and issued its token."),
        name=lambda s, d: d["name"],
        role=lambda s, d: s.word(ROLE_WORDS, d["role"]),
    ),
    "registry.Account.ScopeGranted": _simple(
        N_("%(actor)s gave the account access to the competition %(competition)s."),
        competition=lambda s, d: s.competition(d["competition_id"]),
    ),
    "registry.Account.TokenRotated": _simple(
        N_("%(actor)s issued a new token for the account; the previous one no longer works.")
    ),
    "registry.Account.Revoked": _simple(
        N_("%(actor)s revoked the account: “%(reason)s”"),
        reason=lambda s, d: d.get("reason") or "",
    ),
    "registry.Championship.Created": _simple(
        N_(
            "%(actor)s created the championship %(title)s (%(year)s, %(region)s), %(starts)s – "
            "%(ends)s."
        ),
        title=lambda s, d: _title(s, d),
        year=lambda s, d: d["year"],
        region=lambda s, d: d["region"],
        starts=lambda s, d: s.tr.date(datetime.fromisoformat(d["starts_on"]).date()),
        ends=lambda s, d: s.tr.date(datetime.fromisoformat(d["ends_on"]).date()),
    ),
    "registry.Championship.CompetitionAdded": _simple(
        N_("%(actor)s added the competition %(competition)s (code %(code)s)."),
        competition=lambda s, d: s.competition(d["competition_id"]),
        code=lambda s, d: d["code"],
    ),
    "registry.Competition.Created": _simple(
        N_(
            "%(actor)s created the competition %(title)s (code %(code)s) of the championship "
            "%(championship)s."
        ),
        title=lambda s, d: _title(s, d),
        code=lambda s, d: d["code"],
        championship=lambda s, d: s.championship(d["championship_id"]),
    ),
    "registry.Competition.SchemeSet": _tell_scheme,
    "registry.Competition.EntrantAdded": _simple(
        N_("%(actor)s entered the competitor %(competitor)s of %(organisation)s."),
        competitor=lambda s, d: s.person(d["participant_id"], d["full_name"]),
        organisation=lambda s, d: s.organisation(d["organisation_id"]),
    ),
    "registry.Competition.ExpertAssigned": _simple(
        N_("%(actor)s assigned %(expert)s as %(role)s (from %(organisation)s)."),
        expert=lambda s, d: link(d["account_id"], d["name"]),
        role=lambda s, d: s.word(ROLE_WORDS, d["role"]),
        organisation=lambda s, d: s.organisation(d["organisation_id"]),
    ),
    "registry.Competition.MarkingStarted": _simple("%(actor)s started the marking."),
    "registry.Competition.MarksEntered": _tell_marks,
    "registry.Competition.MarkCorrected": lambda s, d, who: _tell_mark_change(s, d, who, False),
    "registry.Competition.Locked": _simple("%(actor)s locked the marking."),
    "registry.Competition.Reopened": _simple(
        N_("%(actor)s reopened the marking: “%(reason)s”"),
        reason=lambda s, d: d.get("reason") or "",
    ),
    "registry.Competition.Published": _simple(
        N_(
            "%(actor)s published the results (scaled score formula %(formula)s, version "
            "%(version)s)."
        ),
        formula=lambda s, d: d["scaled_score_formula"],
        version=lambda s, d: d["scaled_score_formula_version"],
    ),
    "registry.Competition.MarkAmended": lambda s, d, who: _tell_mark_change(s, d, who, True),
    "registry.PrizeProgramme.Created": _simple(
        N_("%(actor)s created the prize programme %(title)s (%(year)s, %(region)s)."),
        title=lambda s, d: _title(s, d),
        year=lambda s, d: d["year"],
        region=lambda s, d: d["region"],
    ),
    "registry.PrizeProgramme.EntryProposed": _tell_entry_proposed,
    "registry.PrizeProgramme.EntryPlaceChanged": _tell_place_changed,
    "registry.PrizeProgramme.EntryDecided": _tell_entry_decided,
    "registry.PrizeProgramme.NominationDefined": _tell_nomination,
    "registry.PrizeProgramme.NomineeProposed": _tell_nominee_proposed,
    "registry.PrizeProgramme.NomineeDecided": _tell_nominee_decided,
}


# ------------------------------------------------------------------ the feed, newest first


class _Actor(msgspec.Struct):
    id: str
    name: str | None


class FeedLine(msgspec.Struct):
    """One line of the audit feed (``projections.audit_feed``'s format)."""

    position: int
    time: str
    actor: _Actor
    type: str
    aggregate_id: UUID
    version: int
    data: msgspec.Raw


_line = msgspec.json.Decoder(FeedLine).decode
_data = msgspec.json.Decoder(dict[str, Any]).decode


def _feed_lines(feed: Feed) -> Iterable[FeedLine]:
    for chunk in feed.chunks():
        for line in chunk.splitlines():
            if line:
                yield _line(line)


def newest_first(
    app: EventStore,
    views: Any,
    selected: FeedFilter,
    *,
    head: int,
    upto: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
    window: int = FIRST_WINDOW,
) -> tuple[list[FeedLine], bool]:
    """A page of the feed, newest first, and whether older matching events may exist.

    ``after``: the oldest ``size`` events above it. Else the newest ``size`` at or below
    ``upto`` (default: the head), read in windows of positions going down, each a feed of
    its own (so the index, the filters and the withholding are the feed's)."""
    if after is not None:
        feed = Feed(app, head=head, after=after, limit=size, selected=selected, views=views)
        lines = list(_feed_lines(feed))
        if len(lines) == size or after == 0:
            lines.reverse()
            return lines, after > 0
        # the newest page holds fewer than ``size`` above ``after``: show the newest page
        upto = head
    top = head if upto is None else min(upto, head)
    kept: list[FeedLine] = []
    high, left_over = top, False
    while high > 0 and len(kept) < size:
        low = max(0, high - window)
        found: deque[FeedLine] = deque(maxlen=size)  # the newest of the window are wanted
        count = 0
        for line in _feed_lines(Feed(app, head=high, after=low, selected=selected, views=views)):
            found.append(line)
            count += 1
        taken = min(size - len(kept), count)
        kept.extend(reversed(list(found)[len(found) - taken :]))
        left_over = count > taken
        high, window = low, window * 4
    return kept, left_over or high > 0


class Row(msgspec.Struct):
    """One row of the ``/audit`` table."""

    position: int
    time: datetime | None
    actor_id: str
    actor: Markup
    type: str
    event: str
    aggregate_id: UUID
    aggregate_kind: str
    aggregate_name: str | None
    story: Story
    reason: str | None


def rows_of(lines: Iterable[FeedLine], names: Names, tr: Translator) -> list[Row]:
    rows = []
    for line in lines:
        data = _data(line.data)
        kind = aggregate_type(line.type)
        teller = Storyteller(names, tr)
        rows.append(
            Row(
                position=line.position,
                time=local_time(line.time),
                actor_id=line.actor.id,
                actor=teller.actor(line.actor.id),
                type=line.type,
                event=tr.gettext(EVENT_NAMES[line.type]) if line.type in EVENT_NAMES else line.type,
                aggregate_id=line.aggregate_id,
                aggregate_kind=tr.gettext(AGGREGATE_NAMES.get(kind, kind)),
                aggregate_name=names.of(kind, line.aggregate_id),
                story=teller.tell(line.type, data, line.actor.id),
                reason=data.get("reason") if isinstance(data.get("reason"), str) else None,
            )
        )
    return rows


# ------------------------------------------------------------------ the accounts to filter by


class _Accounts:
    """Every account (id, name, role) from the feed's ``Account.Created`` lines, brought up
    to date by reading only the positions it has not seen (one per application)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.position = 0
        self.known: dict[str, tuple[str, str]] = {}

    def update(self, app: EventStore, head: int) -> list[tuple[str, str, str]]:
        with self.lock:
            if head > self.position:
                selected = FeedFilter(types=(Account.Created.TOPIC,))
                feed = Feed(app, head=head, after=self.position, selected=selected)
                for line in _feed_lines(feed):
                    data = _data(line.data)
                    self.known[str(line.aggregate_id)] = (str(data["name"]), str(data["role"]))
                self.position = head
            listed = [(key, name, role) for key, (name, role) in self.known.items()]
        return sorted(listed, key=lambda item: (item[1].casefold(), item[0]))


_accounts: weakref.WeakKeyDictionary[Any, _Accounts] = weakref.WeakKeyDictionary()
_accounts_lock = threading.Lock()


def accounts(app: EventStore, head: int) -> list[tuple[str, str, str]]:
    """``(id, name, role)`` of every account, by name."""
    with _accounts_lock:
        known = _accounts.get(app)
        if known is None:
            known = _accounts[app] = _Accounts()
    return known.update(app, head)


def event_choices(tr: Translator) -> list[tuple[str, list[tuple[str, str]]]]:
    """The event types to filter by, grouped by kind of aggregate: ``(group, [(value,
    label)])``; the value is the topic without ``registry.``."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for topic in sorted(known_topics()):
        kind = aggregate_type(topic)
        label = tr.gettext(EVENT_NAMES[topic]) if topic in EVENT_NAMES else topic.rsplit(".")[-1]
        groups.setdefault(kind, []).append((topic.removeprefix("registry."), label))
    order = list(AGGREGATE_NAMES)
    return [
        (tr.gettext(AGGREGATE_NAMES.get(kind, kind)), sorted(items, key=lambda i: i[1]))
        for kind, items in sorted(
            groups.items(), key=lambda g: order.index(g[0]) if g[0] in order else len(order)
        )
    ]


# ------------------------------------------------------------------ /audit


def _position(value: str | None) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise FeedError(
            "upto", "expected a whole number >= %(minimum)s, not %(value)r", minimum=0, value=value
        )
    return int(text)


@get("/audit", name="audit-events", guards=[AUDITORS], sync_to_thread=True, include_in_schema=False)
def audit_events_page(request: AnyRequest) -> Template:
    registry = request.app.state.registry
    lang = language(request)
    tr = translator(lang)
    query = request.query_params
    form = {
        key: (query.get(key) or "").strip()
        for key in ("type", "actor", "aggregate", "since", "until", "upto", "after")
    }
    errors: dict[str, str] = {}
    head = registry.head_position()
    lines: list[FeedLine] = []
    older = False
    try:
        selected = feed_filter(
            form["aggregate"] or None,
            form["actor"] or None,
            [form["type"]] if form["type"] else None,
            moment_text(form["since"]),
            moment_text(form["until"]),
        )
        upto = _position(form["upto"])
        try:
            after = _position(form["after"])
        except FeedError as error:
            raise FeedError("after", error.template, **error.params) from None
    except FeedError as error:
        field, message = _field_error(error, tr)
        errors[{"aggregate_id": "aggregate"}.get(field, field)] = message
    else:
        side = getattr(request.app.state, "read_side", None)
        try:
            lines, older = newest_first(
                registry,
                side.store if side is not None else None,
                selected,
                head=head,
                upto=upto,
                after=after,
                size=PAGE_SIZE,
                window=FIRST_WINDOW,
            )
        except DAMAGED:
            errors["after"] = tr.gettext(DAMAGED_TEXT)
            lines, older = [], False
    names = Names(registry, lang)
    try:
        rows = rows_of(lines, names, tr)
    except DAMAGED:
        errors["after"] = tr.gettext(DAMAGED_TEXT)
        rows = []
    filters = {k: v for k, v in form.items() if v and k not in ("upto", "after")}

    def href(**cursor: int) -> str:
        params = {**filters, **{k: str(v) for k, v in cursor.items()}}
        return "/audit" + (f"?{urlencode(params)}" if params else "")

    if query.get("fragment") == "rows":  # the rows alone, for static/audit.js
        return render(request, "audit/_event_rows.html", rows=rows)
    newest = not errors and not form["upto"] and (not rows or rows[0].position >= head)
    return render(
        request,
        "audit/events.html",
        live_href=f"/audit/live?after={head}" if newest else None,
        fragment_href="/audit?" + urlencode({**filters, "fragment": "rows"}),
        form=form,
        inputs={key: local_input(form[key]) for key in ("since", "until")},
        errors=errors,
        rows=rows,
        head=head,
        newest_href=href(),
        older_href=href(upto=rows[-1].position - 1) if older and rows else None,
        newer_href=href(after=rows[0].position) if rows and rows[0].position < head else None,
        event_choices=event_choices(tr),
        accounts=[(*a, tr.gettext(ROLE_WORDS.get(a[2], a[2]))) for a in accounts(registry, head)],
        pseudo_actors=[(key, tr.gettext(label)) for key, label in PSEUDO_LABELS.items()],
        page_size=PAGE_SIZE,
    )


@get("/audit/live", name="audit-live", guards=[AUDITORS], include_in_schema=False, cache=False)
async def audit_live(request: AnyRequest) -> ServerSentEvent:
    """The audit stream of ``GET /api/v1/audit/events/stream`` (the same hub and lines) for
    the signed-in workbench, which tells ``static/audit.js`` that events were recorded."""
    text = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
    text = text.strip()
    start = int(text) if text.isdigit() and len(text) <= 18 else 0
    hub = stream_hub(request)
    subscriber = hub.follow(request)
    return ServerSentEvent(
        hub.audit_events(subscriber, start), headers={"Cache-Control": "no-store"}
    )


# ------------------------------------------------------------------ /audit/aggregates/{id}


class Told(msgspec.Struct):
    """One event of an aggregate's history, told."""

    position: int
    version: int
    time: datetime | None
    type: str
    event: str
    actor_id: str
    actor: Markup
    reason: str | None
    story: Story
    data: str


@get(
    "/audit/aggregates/{aggregate_id:uuid}",
    name="audit-aggregate",
    guards=[AUDITORS],
    sync_to_thread=True,
    include_in_schema=False,
)
def audit_aggregate_page(request: AnyRequest, aggregate_id: FromPath[UUID]) -> Template:
    registry = request.app.state.registry
    lang = language(request)
    tr = translator(lang)
    try:
        history = aggregate_history(registry, aggregate_id)
    except DAMAGED:
        return render(
            request,
            "error.html",
            status_code=500,
            error_title=DAMAGED_TEXT,
            error_advice=N_("Open the seal verification: it names the first damaged position."),
            error_detail=None,
            status=500,
        )
    if history is None:
        raise ApiProblem(
            404, "not-found", "nothing is recorded for id %(id)s", params={"id": aggregate_id}
        )
    names = Names(registry, lang)
    teller = Storyteller(names, tr)
    told = []
    for event in history.events:
        data = _data(event.data)
        told.append(
            Told(
                position=event.position,
                version=event.version,
                time=local_time(event.time),
                type=event.type,
                event=tr.gettext(EVENT_NAMES[event.type])
                if event.type in EVENT_NAMES
                else event.type,
                actor_id=event.actor.id,
                actor=teller.actor(event.actor.id),
                reason=event.reason,
                story=teller.tell(event.type, data, event.actor.id),
                data=msgspec.json.format(bytes(event.data), indent=2).decode(),
            )
        )
    kind = history.aggregate_type
    return render(
        request,
        "audit/aggregate.html",
        history=history,
        told=told,
        kind=kind,
        kind_name=tr.gettext(AGGREGATE_NAMES.get(kind, kind)),
        name=names.of(kind, aggregate_id),
        is_competition=kind == "registry.Competition",
    )


# ------------------------------------------------------------------ time travel


def competition_time_travel(request: AnyRequest, competition_id: UUID) -> Template:
    """``/competitions/{id}?as_of=…[&compare=…]``: the standings at a moment and what changed
    between two moments (auditors and admins; the public is sent to sign in, others 403).

    ``as_of`` (default: now) is the moment shown; ``compare`` the moment it is compared
    with (``standings_diff`` from ``compare`` to ``as_of``). Each is a position or a time
    (``moment_text``)."""
    require_auditor(request)
    registry = request.app.state.registry
    lang = language(request)
    tr = translator(lang)
    query = request.query_params
    as_of_text = (query.get("as_of") or "").strip()
    compare_text = (query.get("compare") or "").strip()
    competition = competition_detail(request, competition_id)  # 404 for an unknown id
    championship = championship_detail(request, competition.championship_id)
    errors: dict[str, str] = {}
    standings = None
    diff = None
    head = registry.head_position()
    moment = moment_text(as_of_text) or str(head)
    try:
        standings = standings_as_of(request, competition_id, moment)
    except ApiProblem as error:
        if error.status_code not in (400, 404):
            raise
        errors["as_of"] = _field_error(error, tr)[1]
    if compare_text and not errors:
        try:
            diff = standings_diff(request, competition_id, moment_text(compare_text), moment)
        except ApiProblem as error:
            if error.status_code not in (400, 404):
                raise
            field, message = _field_error(error, tr)
            errors["as_of" if field == "to" else "compare"] = message
    names = Names(registry, lang)
    teller = Storyteller(names, tr)
    events = []
    if diff is not None:
        for ref in diff.events:
            events.append(
                {
                    "position": ref.position,
                    "time": local_time(ref.time),
                    "event": tr.gettext(EVENT_NAMES[ref.type])
                    if ref.type in EVENT_NAMES
                    else ref.type,
                    "actor": teller.actor(ref.actor.id),
                    "reason": ref.reason,
                }
            )
    criteria = (
        sorted({letter for row in standings.rows for letter in row.criteria}) if standings else []
    )
    return render(
        request,
        "audit/time_travel.html",
        competition=competition,
        championship=championship,
        competition_id=competition_id,
        standings=standings,
        criteria=criteria,
        diff=diff,
        diff_events=events,
        tt_errors=errors,
        change_names=CHANGE_NAMES,
        tt_as_of=as_of_text,
        tt_compare=compare_text,
        head=head,
        from_time=local_time(diff.from_.time) if diff is not None else None,
        to_time=local_time(diff.to.time) if diff is not None else None,
        medal_names=MEDAL_NAMES,
        status_names=STATUS_NAMES,
    )


#: What a standings diff's ``changed`` names.
CHANGE_NAMES: Mapping[str, str] = {
    "rank": N_("rank"),
    "total": N_("total"),
    "scaled_score": N_("scaled score"),
    "medal": N_("medal"),
    "medallion": N_("medallion"),
}
MEDAL_NAMES: Mapping[str, str] = {
    "gold": N_("gold"),
    "silver": N_("silver"),
    "bronze": N_("bronze"),
}
STATUS_NAMES: Mapping[str, str] = {
    "setup": N_("being prepared"),
    "marking": N_("marking in progress"),
    "locked": N_("marking finished, awaiting publication"),
    "published": N_("results published"),
}


# ------------------------------------------------------------------ /audit/verify


@get(
    "/audit/verify",
    name="audit-verify",
    guards=[AUDITORS],
    sync_to_thread=True,
    include_in_schema=False,
)
def audit_verify_page(request: AnyRequest) -> Template:
    registry = request.app.state.registry
    tr = translator(language(request))
    report = seal_report(request)
    checkpoint = newest_checkpoint(registry)
    signature_problem = check_signature(checkpoint) if checkpoint is not None else None
    problem_text = None
    if report.problem is not None:
        template = SEAL_PROBLEMS.get(report.problem)
        problem_text = (
            tr.gettext(template, position=report.first_bad_position) if template else report.problem
        )
    return render(
        request,
        "audit/verify.html",
        report=report,
        problem_text=problem_text,
        checkpoint=checkpoint,
        checkpoint_time=local_time(checkpoint.time) if checkpoint is not None else None,
        signature_problem=signature_problem,
    )


AUDIT_PAGE_HANDLERS: list[Any] = [
    audit_events_page,
    audit_live,
    audit_aggregate_page,
    audit_verify_page,
]
