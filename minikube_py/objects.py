"""Objects as the pipeline sees them: JSON-shaped dicts, their codec, and metadata helpers.

Inside the pipeline an object is a plain ``dict`` decoded from JSON -- one code path serves
built-in kinds and custom resources alike. msgspec is the codec, with its encoder and decoder
made once. Copies are made by a msgspec round trip, which is several times faster than
``copy.deepcopy`` on Kubernetes-shaped data; nobody outside the store may hold a reference to an
object the store keeps.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import msgspec

Object = dict[str, Any]

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def encode(obj: Any) -> bytes:
    """JSON bytes of ``obj``."""
    return _encoder.encode(obj)


def decode(data: bytes | str) -> Any:
    """A JSON document as Python values; raises ``msgspec.DecodeError`` when malformed."""
    return _decoder.decode(data)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around a bulk decode.

    Decoding thousands of objects allocates hundreds of thousands of containers that all
    survive; the collector then runs full passes over the whole heap again and again while they
    are made (a 10,000-Pod list: 250-330 ms with it, 80 ms without). JSON data has no cycles, so
    nothing is lost by collecting after instead of during. Use it only around code that does
    not yield to other tasks.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def deep_copy(obj: Any) -> Any:
    """An independent copy of JSON-shaped data."""
    return _decoder.decode(_encoder.encode(obj))


def meta(obj: Object) -> dict[str, Any]:
    """``obj["metadata"]``, created empty when missing (or not a mapping)."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        metadata = obj["metadata"] = {}
    return metadata


def name_of(obj: Object) -> str:
    metadata = obj.get("metadata")
    return metadata.get("name", "") if isinstance(metadata, dict) else ""


def namespace_of(obj: Object) -> str:
    metadata = obj.get("metadata")
    return metadata.get("namespace", "") if isinstance(metadata, dict) else ""


def labels_of(obj: Object) -> dict[str, str]:
    metadata = obj.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    return labels if isinstance(labels, dict) else {}


def split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` -> ``("apps", "v1")``; ``v1`` -> ``("", "v1")``."""
    group, _, version = api_version.rpartition("/")
    return group, version


def join_api_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version
