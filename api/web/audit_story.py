"""The auditor's workbench, told in words: every event as a sentence in the viewer's
language (:class:`Storyteller`), with the names of accounts, people, organisations,
championships, competitions and programmes read once from their creation events
(:class:`Names`, :class:`projections.audit_feed.CreatedNames`) and linked to their histories.

The pages that tell them are in :mod:`api.web.audit`; the history they read, in
:mod:`api.web.audit_history`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import msgspec
from markupsafe import Markup

from api.i18n import N_, Translator
from domain.championship import Championship
from domain.competition import Competition
from domain.organisation import Organisation
from domain.participant import Participant
from domain.prize_programme import PrizeProgramme
from projections.audit_feed import PSEUDO_ACTORS, ActorNames, CreatedNames
from store.events import EventReader, EventStore

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
    "registry.SpreadsheetImport.Imported": N_("Spreadsheet imported"),
}

#: What each kind of aggregate is called (by the aggregate's topic).
AGGREGATE_NAMES: Mapping[str, str] = {
    "registry.Organisation": N_("organisation"),
    "registry.Participant": N_("participant"),
    "registry.Account": N_("account"),
    "registry.Championship": N_("championship"),
    "registry.Competition": N_("competition"),
    "registry.PrizeProgramme": N_("prize programme"),
    "registry.SpreadsheetImport": N_("spreadsheet import"),
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
