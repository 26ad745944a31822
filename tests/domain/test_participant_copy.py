"""``Participant.__deepcopy__`` (the repository copies a cached person on every read): a full
copy — equal state, its own list of pending events, and its own ``distinct_from`` list when
an upcast event left one."""

from __future__ import annotations

import copy
from datetime import date
from uuid import uuid4

from domain.ids import SYSTEM_ACTOR
from domain.participant import Participant


def test_a_copy_of_a_person_is_whole_and_separate() -> None:
    person = Participant.register(
        actor=SYSTEM_ACTOR,
        full_name="Үсенова Һәжер Іңкәр",
        organisation_id=uuid4(),
        birth_date=date(2007, 1, 30),
        disability="нарушение слуха",
        name_latin="Usenova Hazher",
        distinct_from=[uuid4()],
    )
    copied = copy.deepcopy(person)
    assert copied is not person and type(copied) is Participant
    assert copied.__dict__.keys() == person.__dict__.keys()
    for name, value in person.__dict__.items():
        if name != "_pending_events":
            assert copied.__dict__[name] == value, name
    assert copied.pending_events == person.pending_events
    copied.erase_personal_data(actor=SYSTEM_ACTOR, reason="по заявлению")
    assert copied.erased and not person.erased and copied.birth_date is None
    assert person.birth_date == date(2007, 1, 30) and len(person.pending_events) == 1

    person.__dict__["distinct_from"] = []  # as a version 3 event upcast leaves it
    again = copy.deepcopy(person)
    assert again.distinct_from == [] and again.distinct_from is not person.distinct_from
