"""Hypothesis strategies for the mark's domain values: VINs, plates, subjects.

Other test packages use them: ``from tests.mark.strategies import vehicle_subjects``.
"""

from __future__ import annotations

from hypothesis import strategies as st

from vic.vc.mark import InspectionBasis, VehicleSubject
from vic.vc.plate import (
    AUTHORITY_LETTERS,
    NEW_ENERGY_LETTERS,
    PLATE_TYPES,
    PROVINCES,
    SERIAL_CHARACTERS,
    VEHICLE_TYPES,
    PlateKind,
    mark_plate_type_codes,
)
from vic.vc.vin import VIN_ALPHABET, vin_check_digit

__all__ = [
    "mark_plate_type_codes_st",
    "plate_and_type",
    "plates",
    "vehicle_subjects",
    "vehicle_type_codes",
    "vins",
]

_DIGITS = "0123456789"


def _chars(alphabet: str, n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=n, max_size=n)


@st.composite
def vins(draw: st.DrawFn) -> str:
    """A VIN of the VIN alphabet whose position 9 is the correct check digit."""
    body = draw(_chars(VIN_ALPHABET, 17))
    return body[:8] + vin_check_digit(body) + body[9:]


def _province_authority() -> st.SearchStrategy[str]:
    return st.builds(
        lambda p, a: p + a, st.sampled_from(PROVINCES), st.sampled_from(AUTHORITY_LETTERS)
    )


def plates(kind: PlateKind) -> st.SearchStrategy[str]:
    """Plate numbers (normalized) of one form."""
    pa = _province_authority()
    energy = st.sampled_from(NEW_ENERGY_LETTERS)
    suffixed = {
        PlateKind.TRAILER: "挂",
        PlateKind.COACH: "学",
        PlateKind.POLICE: "警",
        PlateKind.CONSULATE: "领",
    }
    if kind is PlateKind.ORDINARY:
        return st.builds(str.__add__, pa, _chars(SERIAL_CHARACTERS, 5))
    if kind is PlateKind.NEW_ENERGY_SMALL:
        return st.builds(
            lambda a, e, s, d: a + e + s + d,
            pa,
            energy,
            st.sampled_from(SERIAL_CHARACTERS),
            _chars(_DIGITS, 4),
        )
    if kind is PlateKind.NEW_ENERGY_LARGE:
        return st.builds(lambda a, d, e: a + d + e, pa, _chars(_DIGITS, 5), energy)
    if kind in suffixed:
        suffix = suffixed[kind]
        return st.builds(lambda a, s: a + s + suffix, pa, _chars(SERIAL_CHARACTERS, 4))
    if kind is PlateKind.HONG_KONG:
        return st.builds(lambda s: f"粤Z{s}港", _chars(SERIAL_CHARACTERS, 4))
    if kind is PlateKind.MACAO:
        return st.builds(lambda s: f"粤Z{s}澳", _chars(SERIAL_CHARACTERS, 4))
    assert kind is PlateKind.EMBASSY
    return st.builds(lambda d: f"使{d}", _chars(_DIGITS, 6))


def mark_plate_type_codes_st() -> st.SearchStrategy[str]:
    """Plate type codes a mark may carry."""
    return st.sampled_from(mark_plate_type_codes())


@st.composite
def plate_and_type(draw: st.DrawFn) -> tuple[str, str]:
    """A plate number and a plate type code that go together."""
    code = draw(mark_plate_type_codes_st())
    kind = draw(st.sampled_from(sorted(PLATE_TYPES[code].kinds)))
    return draw(plates(kind)), code


def vehicle_type_codes() -> st.SearchStrategy[str]:
    """GA 24.4 vehicle type codes from the table."""
    return st.sampled_from(sorted(VEHICLE_TYPES))


@st.composite
def vehicle_subjects(draw: st.DrawFn) -> VehicleSubject:
    """A random valid :class:`VehicleSubject`."""
    plate, plate_type = draw(plate_and_type())
    return VehicleSubject(
        registration_number=plate,
        plate_type_code=plate_type,
        vehicle_type_code=draw(vehicle_type_codes()),
        vin=draw(vins()),
        inspection_basis=draw(st.sampled_from(InspectionBasis)),
    )
