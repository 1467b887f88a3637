"""Recording a decode plan (:mod:`vic.vc.cborld.decodeplan`): the general walk, noting each
decision it makes as a plan node, and the checks a plan must pass before it is kept."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from vic.contexts.loader import DocumentLoader
from vic.vc.cborld import cbor
from vic.vc.cborld.codecs import CodecState
from vic.vc.cborld.context import ABSENT, ActiveContext, ContextLoader
from vic.vc.cborld.contextmemo import MEMO
from vic.vc.cborld.decodeplan import (
    _CONTEXT_KEYS,
    _Array,
    _check_raw,
    _Decline,
    _Map,
    _Node,
    _Null,
    _Plan,
    _same,
    _Value,
)
from vic.vc.cborld.registry import RegistryEntry

__all__ = ["build_plan"]

_recorder: type[Any] | None = None


def _size(value: Any, depth: int) -> tuple[int, int]:
    """The data items the strict reader counts in ``value`` read at ``depth``, and the deepest
    depth at which it reads an array or a map."""
    if isinstance(value, list):
        items, deepest = 1, depth
        for item in value:
            n, d = _size(item, depth + 1)
            items, deepest = items + n, max(deepest, d)
        return items, deepest
    if isinstance(value, dict):
        items, deepest = 1, depth
        for item in value.values():
            n, d = _size(item, depth + 1)
            items, deepest = items + 1 + n, max(deepest, d)
        return items, deepest
    return 1, -1


def _recorder_class() -> type[Any]:
    from vic.vc.cborld.converter import _Decompressor

    class Recorder(_Decompressor):
        """The general walk, noting each decision as a plan node."""

        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.frames: list[list[Any]] = [[]]
            self.read_keys: list[list[Any]] = []
            self.snapshots: dict[int, CodecState] = {}

        def _type_value(self, payload: dict[Any, Any], key: Any) -> Any:
            self.read_keys[-1].append(key)
            return super()._type_value(payload, key)

        def _state_now(self) -> CodecState:
            """The codecs' state with only the term ids known at this point of the walk."""
            next_id = self.contexts.next_term_id
            state = self.snapshots.get(next_id)
            if state is None:
                contexts: ContextLoader = copy.copy(self.contexts)
                contexts.term_to_id = dict(self.contexts.term_to_id)
                assert self.contexts.id_to_term is not None
                contexts.id_to_term = dict(self.contexts.id_to_term)
                state = copy.copy(self.state)
                state.loader = contexts
                self.snapshots[next_id] = state
            return state

        def _object(self, active: ActiveContext, payload: dict[Any, Any]) -> dict[str, Any]:
            self.frames.append([])
            self.read_keys.append([])
            try:
                output = super()._object(active, payload)
            finally:
                children = self.frames.pop()
                read = self.read_keys.pop()
            guarded = [k for k in payload if k in _CONTEXT_KEYS or k in read]
            entries: list[tuple[str, Any, bool, tuple[_Node, ...]]] = []
            ordered = []
            for key, value in payload.items():
                if key in _CONTEXT_KEYS:
                    continue
                term, plural = self.contexts.term_for_id(key)
                ordered.append((term, plural, key, value))
            ordered.sort(key=lambda e: e[0].encode("utf-16-be", "surrogatepass"))
            position = 0
            for term, plural, key, value in ordered:
                count = len(value) if plural else 1
                entries.append((term, key, plural, tuple(children[position : position + count])))
                position += count
            if position != len(children) or [e[0] for e in entries] != [
                k for k in output if k != "@context"
            ]:
                raise _Decline  # not the walk this plan expects
            node = _Map(
                tuple(payload),
                tuple((k, copy.deepcopy(payload[k])) for k in guarded),
                copy.deepcopy(output["@context"]) if "@context" in output else ABSENT,
                tuple(entries),
            )
            self.frames[-1].append(node)
            return output

        def _value(
            self,
            active: ActiveContext,
            term_type: Any,
            value: Any,
            term: str,
            definition: Mapping[str, Any],
        ) -> Any:
            state = self._state_now()
            self.frames.append([])
            try:
                output = super()._value(active, term_type, value, term, definition)
            finally:
                children = self.frames.pop()
            node: _Node
            if value is None:
                node = _Null()
            elif isinstance(value, dict):
                (node,) = children
            elif isinstance(output, list):
                node = _Array(tuple(children))
            else:
                node = _Value(term, definition, term_type, state)
            self.frames[-1].append(node)
            return output

    return Recorder


def build_plan(
    payload: Any, entry: RegistryEntry, loader: DocumentLoader, document: dict[str, Any]
) -> _Plan | None:
    """The plan of ``payload``'s shape, recorded by a second walk, or None when the walk is not
    one a plan can replay (``document`` is what the general decoder made of ``payload``, having
    shown it canonical): the walk must give the same document and show it canonical, every URL it
    loaded must be served as the bundled document and every context object be part of one, the
    plan must give the same document (key order included) on ``payload``, and cbor2 must encode
    ``payload`` as vic's canonical encoder does."""
    import cbor2

    from vic.vc.cborld.converter import _type_table
    from vic.vc.cborld.tagforms import CborldFormat, tag_prefix

    global _recorder
    if _recorder is None:
        _recorder = _recorder_class()
    recorder = _recorder(_type_table(entry), loader, False)
    try:
        again = recorder.run(payload)
    except _Decline:
        return None
    if not recorder.canonical or not _same(again, document):
        return None
    (root,) = recorder.frames[0]
    contexts = recorder.contexts
    urls = tuple(contexts._by_url)
    if not all(MEMO.serves_bundled(loader, url) for url in urls):
        return None
    if not all(MEMO.is_bundled_object(e.source) for e in contexts._by_object.values()):
        return None
    items, depth = _size(payload, 1)
    prefix = tag_prefix(CborldFormat.CBORLD_1_0, entry.entry_id, True)
    plan = _Plan(entry, root, urls, items, depth, prefix, contexts.work)
    try:
        _check_raw_tree(payload)
        same_bytes = cbor2.dumps(payload) == cbor.dumps(payload)
        replayed = root.run(payload)
    except Exception:
        return None
    if not same_bytes or not _same(replayed, document) or list(replayed) != list(document):
        return None
    return plan


def _check_raw_tree(value: Any) -> None:
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not int and type(key) is not str:
                raise _Decline
            _check_raw_tree(item)
    elif type(value) is list:
        for item in value:
            _check_raw_tree(item)
    else:
        _check_raw(value)
