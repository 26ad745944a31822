"""``domain.ids`` derives ids with its own ``_uuid5`` (made without ``UUID.__init__``): the
very ids ``uuid.uuid5`` gives, for every kind of name (stored ids depend on it)."""

from __future__ import annotations

import pickle
import random
from datetime import date
from uuid import UUID, uuid5

from domain import ids


def test_the_ids_are_uuid5s_of_the_namespace() -> None:
    chooser = random.Random(16)
    alphabet = "abcXYZ 019/-ӘҒҚҢӨҰҮҺІәғқңөұүһіАБВабв\u00e9\u0301€𝔘"
    names = ["", "account/system", *("".join(chooser.choices(alphabet, k=n)) for n in range(60))]
    for name in names:
        made = ids._uuid5(name)
        expected = uuid5(ids.NAMESPACE, name)
        assert made == expected and made.int == expected.int and hash(made) == hash(expected)
        assert str(made) == str(expected) and made.version == 5 and made.is_safe is expected.is_safe
        assert pickle.loads(pickle.dumps(made)) == expected and type(made) is UUID
    assert ids.person_id("Нұрланов Әлихан", date(2004, 3, 1)) == uuid5(
        ids.NAMESPACE, "person/нұрланов әлихан/2004-03-01"
    )
    assert uuid5(ids.NAMESPACE, "account/system") == ids.SYSTEM_ACTOR
