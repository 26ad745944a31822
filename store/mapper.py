"""Stored-event encoding with msgspec.

eventsourcing 9.5.6 ships no msgspec mapper for ordinary aggregates, so this is ours:

* encode: ``vars(event)`` minus id and version (plus ``class_version`` when above 1) with
  ``msgspec.json`` — Decimal as a string, UTC datetimes in ISO 8601, UUIDs canonical,
  enums by value, nested Structs as objects;
* decode: a typed msgspec decoder per event class (a Struct generated from the event's
  dataclass fields), so every value comes back with its exact type; an event class with
  ``class_version > 1`` is decoded untyped first, its ``upcast_vN_vN+1`` static methods are
  run in order, and only then converted to the typed Struct.

The library's compressor and cipher settings are honoured as in the stock ``Mapper``.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

import domain.aggregates  # noqa: F401 - registers the explicit topics the store names

_SKIP = frozenset({"originator_id", "originator_version"})
_encoder = msgspec.json.Encoder(decimal_format="string", uuid_format="canonical")
_untyped = msgspec.json.Decoder()


class _Codec:
    """How one event class is turned back into its state dict."""

    __slots__ = ("class_version", "cls", "decode_typed", "struct")

    def __init__(self, cls: type[Any]) -> None:
        hints = typing.get_type_hints(cls)
        fields = [
            (f.name, hints[f.name])
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            else (f.name, hints[f.name], f.default)
            for f in dataclasses.fields(cls)
            if f.name not in _SKIP
        ]
        # Fields with defaults must follow the others in a Struct.
        fields.sort(key=len)
        self.cls = cls
        self.struct = msgspec.defstruct(f"{cls.__qualname__}State", fields)
        self.decode_typed: Callable[[bytes], Any] = msgspec.json.Decoder(self.struct).decode
        self.class_version: int = getattr(cls, "class_version", 1)

    def decode(self, data: bytes) -> dict[str, Any]:
        if self.class_version == 1:
            obj = self.decode_typed(data)
        else:
            state: dict[str, Any] = _untyped.decode(data)
            from_version = state.pop("class_version", 1)
            while from_version < self.class_version:
                getattr(self.cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
                from_version += 1
            obj = msgspec.convert(state, self.struct, strict=False)
        return msgspec.structs.asdict(obj)


_codecs: dict[str, _Codec] = {}


def codec_for(topic: str) -> _Codec:
    codec = _codecs.get(topic)
    if codec is None:
        codec = _codecs[topic] = _Codec(resolve_topic(topic))
    return codec


def encode_state(domain_event: Any) -> bytes:
    """The stored bytes of an event's state (no id, no version)."""
    state = {k: v for k, v in vars(domain_event).items() if k not in _SKIP}
    class_version = getattr(type(domain_event), "class_version", 1)
    if class_version > 1:
        state["class_version"] = class_version
    return _encoder.encode(state)


class MsgspecMapper(Mapper[UUID]):
    """The registry's mapper: msgspec JSON for stored event state, with upcasting."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        stored_state = encode_state(domain_event)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=stored_state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        codec = codec_for(stored_event.topic)
        data = stored_event.state
        try:
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
            state = codec.decode(data)
        except Exception as error:
            msg = (
                f"cannot decode stored event {stored_event.topic!r} of "
                f"{stored_event.originator_id} v{stored_event.originator_version}: {error}"
            )
            raise MapperDeserialisationError(msg) from error
        originator_id = stored_event.originator_id
        state["originator_id"] = (
            originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
        )
        state["originator_version"] = stored_event.originator_version
        event = object.__new__(codec.cls)
        object.__setattr__(event, "__dict__", state)
        return event
