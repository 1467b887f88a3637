"""check_mark's quicker member checks give the same errors; unhashable types are refused.

A type list holding an object once made check_mark raise TypeError (set() of it).
"""

from __future__ import annotations

import pytest

from tests.canonicalization.helpers import SAMPLE_SUBJECT, mark
from vic.contexts.errors import MarkShapeError
from vic.vc.mark import MarkErrorCode, check_mark

_SUBJECT = {**SAMPLE_SUBJECT, "vehicleIdentificationNumber": "LSVAU2A36N2183457"}


@pytest.mark.parametrize("types", [[{}, []], [["VerifiableCredential"], "x"], [{"a": 1}, "x"]])
def test_unhashable_types_are_a_shape_error_not_a_crash(types: list[object]) -> None:
    document = mark(_SUBJECT)
    document["type"] = types
    with pytest.raises(MarkShapeError) as caught:
        check_mark(document)
    assert caught.value.code == MarkErrorCode.INVALID_MARK


def test_unknown_and_missing_members_name_them() -> None:
    document = mark(_SUBJECT)
    document["zz"] = 1
    document["aa"] = 2
    with pytest.raises(MarkShapeError, match="no member aa, zz"):
        check_mark(document)
    document = mark(_SUBJECT)
    del document["validFrom"]
    with pytest.raises(MarkShapeError, match="must have validFrom"):
        check_mark(document)
