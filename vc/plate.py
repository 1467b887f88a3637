"""Chinese motor vehicle plate numbers (GA 36), plate type codes (GA 24.7), vehicle type codes
(GA 24.4).

A plate number (号牌号码) is written without the separator dot of the physical plate: the
province abbreviation (省、自治区、直辖市简称), the letter of the issuing authority (发牌机关代号),
then the serial (序号), possibly ending in a character naming the plate's use. The forms this
module accepts, one :class:`PlateKind` each (``P`` a province, ``A`` an authority letter A-Z
without I, ``S`` a serial character 0-9 or A-Z without I and O, ``E`` a new-energy letter)::

    ordinary              P A S S S S S         鄂L12345   large/small vehicles, motorcycles
    small new energy      P A E S 9 9 9 9       鄂AD12345  E in D A B C E (electric), F G H J K
    large new energy      P A 9 9 9 9 9 E       鄂A12345D
    trailer               P A S S S S 挂        鄂A1234挂
    coach (training)      P A S S S S 学        鄂A1234学
    police                P A S S S S 警        鄂A0001警
    consulate             P A S S S S 领        沪A1234领
    Hong Kong / Macao     粤Z S S S S 港|澳      粤Z1234港
    embassy               使 9 9 9 9 9 9          使014001   (country code, then vehicle number)

Each plate type code says which of these forms its plates take; codes whose plates have another
form (temporary plates, tractors, armed police, military...) are in the table for display but
are not accepted on a mark. The sources, and which codes could be confirmed, are in
docs/vocabulary.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from vic.contexts.errors import MarkShapeError

__all__ = [
    "AUTHORITY_LETTERS",
    "NEW_ENERGY_LETTERS",
    "PLATE_PATTERN",
    "PLATE_TYPES",
    "PROVINCES",
    "SERIAL_CHARACTERS",
    "VEHICLE_TYPES",
    "PlateKind",
    "PlateType",
    "VehicleType",
    "check_plate_type",
    "find_plate_kind",
    "mark_plate_type_codes",
    "plate_kind",
    "validate_plate",
    "validate_plate_type",
    "validate_vehicle_type",
]

PROVINCES: Final = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
"""The 31 province-level abbreviations of mainland China, as on plates."""

AUTHORITY_LETTERS: Final = "ABCDEFGHJKLMNOPQRSTUVWXYZ"
"""Issuing-authority letters: A-Z without I (O is used, for provincial public security)."""

SERIAL_CHARACTERS: Final = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""Serial characters: digits and A-Z without I and O (read as 1 and 0)."""

NEW_ENERGY_LETTERS: Final = "DABCEFGHJK"
"""The energy letter of new-energy plates: D A B C E electric, F G H J K not purely electric."""

_P = f"[{PROVINCES}]"
_A = "[A-HJ-Z]"
_S = "[0-9A-HJ-NP-Z]"
_E = f"[{NEW_ENERGY_LETTERS}]"


class PlateKind(StrEnum):
    """The textual form of a plate number."""

    ORDINARY = "ordinary"
    NEW_ENERGY_SMALL = "new-energy-small"
    NEW_ENERGY_LARGE = "new-energy-large"
    TRAILER = "trailer"
    COACH = "coach"
    POLICE = "police"
    CONSULATE = "consulate"
    HONG_KONG = "hong-kong"
    MACAO = "macao"
    EMBASSY = "embassy"


_KIND_PATTERNS: Final[dict[PlateKind, str]] = {
    PlateKind.ORDINARY: f"{_P}{_A}{_S}{{5}}",
    PlateKind.NEW_ENERGY_SMALL: f"{_P}{_A}{_E}{_S}[0-9]{{4}}",
    PlateKind.NEW_ENERGY_LARGE: f"{_P}{_A}[0-9]{{5}}{_E}",
    PlateKind.TRAILER: f"{_P}{_A}{_S}{{4}}挂",
    PlateKind.COACH: f"{_P}{_A}{_S}{{4}}学",
    PlateKind.POLICE: f"{_P}{_A}{_S}{{4}}警",
    PlateKind.CONSULATE: f"{_P}{_A}{_S}{{4}}领",
    PlateKind.HONG_KONG: f"粤Z{_S}{{4}}港",
    PlateKind.MACAO: f"粤Z{_S}{{4}}澳",
    PlateKind.EMBASSY: "使[0-9]{6}",
}
_KIND_RES: Final = {kind: re.compile(pattern) for kind, pattern in _KIND_PATTERNS.items()}

PLATE_PATTERN: Final = (
    f"^(?:{_P}{_A}(?:{_S}{{5}}|{_E}{_S}[0-9]{{4}}|[0-9]{{5}}{_E}|{_S}{{4}}[挂学警领])"
    f"|粤Z{_S}{{4}}[港澳]|使[0-9]{{6}})$"
)
"""One regular expression for every accepted plate form, the union of the forms above written
compactly: the pattern of ``registrationNumber`` in the subject's JSON Schema."""

_SEPARATORS: Final = re.compile(r"[\s·•・.\-]")


@dataclass(frozen=True)
class PlateType:
    """A GA 24.7 plate type (号牌种类): its code, names, and the plate forms it takes on a mark."""

    code: str
    name_zh: str
    name_en: str
    kinds: frozenset[PlateKind] = frozenset()

    @property
    def on_mark(self) -> bool:
        """Whether a mark may carry this plate type (vic knows the form of its plates)."""
        return bool(self.kinds)


@dataclass(frozen=True)
class VehicleType:
    """A GA 24.4 vehicle type (车辆类型): its code and names."""

    code: str
    name_zh: str
    name_en: str


def _plate_types(
    rows: tuple[tuple[str, str, str, frozenset[PlateKind]], ...],
) -> Mapping[str, PlateType]:
    return MappingProxyType({row[0]: PlateType(*row) for row in rows})


_ORD = frozenset({PlateKind.ORDINARY})
_NONE: frozenset[PlateKind] = frozenset()

PLATE_TYPES: Final = _plate_types(
    (
        ("01", "大型汽车号牌", "large vehicle plate", _ORD),
        ("02", "小型汽车号牌", "small vehicle plate", _ORD),
        ("03", "使馆汽车号牌", "embassy vehicle plate", frozenset({PlateKind.EMBASSY})),
        ("04", "领馆汽车号牌", "consulate vehicle plate", frozenset({PlateKind.CONSULATE})),
        ("05", "境外汽车号牌", "cross-border vehicle plate", _NONE),
        ("06", "外籍汽车号牌", "foreign-owned vehicle plate", _NONE),
        ("07", "普通摩托车号牌", "ordinary motorcycle plate", _ORD),
        ("08", "轻便摩托车号牌", "moped plate", _ORD),
        ("09", "使馆摩托车号牌", "embassy motorcycle plate", _NONE),
        ("10", "领馆摩托车号牌", "consulate motorcycle plate", _NONE),
        ("11", "境外摩托车号牌", "cross-border motorcycle plate", _NONE),
        ("12", "外籍摩托车号牌", "foreign-owned motorcycle plate", _NONE),
        ("13", "低速车号牌", "low-speed vehicle plate", _NONE),
        ("14", "拖拉机号牌", "tractor plate", _NONE),
        ("15", "挂车号牌", "trailer plate", frozenset({PlateKind.TRAILER})),
        ("16", "教练汽车号牌", "driver-training vehicle plate", frozenset({PlateKind.COACH})),
        ("17", "教练摩托车号牌", "driver-training motorcycle plate", frozenset({PlateKind.COACH})),
        ("18", "试验汽车号牌", "test vehicle plate", _NONE),
        ("19", "试验摩托车号牌", "test motorcycle plate", _NONE),
        ("20", "临时入境汽车号牌", "temporary entry vehicle plate", _NONE),
        ("21", "临时入境摩托车号牌", "temporary entry motorcycle plate", _NONE),
        ("22", "临时行驶车号牌", "temporary driving plate", _NONE),
        ("23", "警用汽车号牌", "police vehicle plate", frozenset({PlateKind.POLICE})),
        ("24", "警用摩托号牌", "police motorcycle plate", frozenset({PlateKind.POLICE})),
        ("25", "原农机号牌", "former agricultural machinery plate", _NONE),
        (
            "26",
            "香港入出境车号牌",
            "Hong Kong cross-border plate",
            frozenset({PlateKind.HONG_KONG}),
        ),
        ("27", "澳门入出境车号牌", "Macao cross-border plate", frozenset({PlateKind.MACAO})),
        ("31", "武警号牌", "armed police plate", _NONE),
        ("32", "军队号牌", "military plate", _NONE),
        ("41", "无号牌", "no plate", _NONE),
        ("42", "假号牌", "false plate", _NONE),
        ("43", "挪用号牌", "misused plate", _NONE),
        (
            "51",
            "大型新能源汽车号牌",
            "large new-energy vehicle plate",
            frozenset({PlateKind.NEW_ENERGY_LARGE}),
        ),
        (
            "52",
            "小型新能源汽车号牌",
            "small new-energy vehicle plate",
            frozenset({PlateKind.NEW_ENERGY_SMALL}),
        ),
        ("99", "其他号牌", "other plate", _NONE),
    )
)
"""GA 24.7 plate type codes (号牌种类代码), with Chinese and English names."""


def _vehicle_types(rows: tuple[tuple[str, str, str], ...]) -> Mapping[str, VehicleType]:
    return MappingProxyType({row[0]: VehicleType(*row) for row in rows})


VEHICLE_TYPES: Final = _vehicle_types(
    (
        # K: passenger vehicles (客车)
        ("K11", "大型普通客车", "large ordinary bus"),
        ("K12", "大型双层客车", "large double-deck bus"),
        ("K13", "大型卧铺客车", "large sleeper bus"),
        ("K14", "大型铰接客车", "large articulated bus"),
        ("K15", "大型越野客车", "large off-road bus"),
        ("K16", "大型轿车", "large sedan"),
        ("K17", "大型专用客车", "large special-purpose bus"),
        ("K18", "大型专用校车", "large school bus"),
        ("K21", "中型普通客车", "medium ordinary bus"),
        ("K22", "中型双层客车", "medium double-deck bus"),
        ("K23", "中型卧铺客车", "medium sleeper bus"),
        ("K24", "中型铰接客车", "medium articulated bus"),
        ("K25", "中型越野客车", "medium off-road bus"),
        ("K26", "中型轿车", "medium sedan"),
        ("K27", "中型专用客车", "medium special-purpose bus"),
        ("K28", "中型专用校车", "medium school bus"),
        ("K31", "小型普通客车", "small ordinary passenger vehicle"),
        ("K32", "小型越野客车", "small off-road passenger vehicle"),
        ("K33", "小型轿车", "small sedan (car)"),
        ("K34", "小型专用客车", "small special-purpose passenger vehicle"),
        ("K38", "小型专用校车", "small school bus"),
        ("K39", "小型面包车", "small van"),
        ("K41", "微型普通客车", "mini ordinary passenger vehicle"),
        ("K42", "微型越野客车", "mini off-road passenger vehicle"),
        ("K43", "微型轿车", "mini sedan (car)"),
        ("K49", "微型面包车", "mini van"),
        # H: trucks (货车)
        ("H11", "重型普通货车", "heavy ordinary truck"),
        ("H12", "重型厢式货车", "heavy box truck"),
        ("H13", "重型封闭货车", "heavy closed truck"),
        ("H14", "重型罐式货车", "heavy tank truck"),
        ("H15", "重型平板货车", "heavy flatbed truck"),
        ("H16", "重型集装厢车", "heavy container truck"),
        ("H17", "重型自卸货车", "heavy dump truck"),
        ("H18", "重型特殊结构货车", "heavy special-structure truck"),
        ("H19", "重型仓栅式货车", "heavy stake truck"),
        ("H21", "中型普通货车", "medium ordinary truck"),
        ("H22", "中型厢式货车", "medium box truck"),
        ("H23", "中型封闭货车", "medium closed truck"),
        ("H24", "中型罐式货车", "medium tank truck"),
        ("H25", "中型平板货车", "medium flatbed truck"),
        ("H26", "中型集装厢车", "medium container truck"),
        ("H27", "中型自卸货车", "medium dump truck"),
        ("H28", "中型特殊结构货车", "medium special-structure truck"),
        ("H29", "中型仓栅式货车", "medium stake truck"),
        ("H31", "轻型普通货车", "light ordinary truck"),
        ("H32", "轻型厢式货车", "light box truck"),
        ("H33", "轻型封闭货车", "light closed truck"),
        ("H34", "轻型罐式货车", "light tank truck"),
        ("H35", "轻型平板货车", "light flatbed truck"),
        ("H37", "轻型自卸货车", "light dump truck"),
        ("H38", "轻型特殊结构货车", "light special-structure truck"),
        ("H39", "轻型仓栅式货车", "light stake truck"),
        ("H41", "微型普通货车", "mini ordinary truck"),
        ("H42", "微型厢式货车", "mini box truck"),
        ("H43", "微型封闭货车", "mini closed truck"),
        ("H44", "微型罐式货车", "mini tank truck"),
        ("H45", "微型自卸货车", "mini dump truck"),
        ("H46", "微型特殊结构货车", "mini special-structure truck"),
        ("H47", "微型仓栅式货车", "mini stake truck"),
        ("H51", "普通低速货车", "ordinary low-speed truck"),
        ("H52", "厢式低速货车", "low-speed box truck"),
        ("H53", "罐式低速货车", "low-speed tank truck"),
        ("H54", "自卸低速货车", "low-speed dump truck"),
        ("H55", "仓栅式低速货车", "low-speed stake truck"),
        # Q: tractor units (牵引车)
        ("Q11", "重型半挂牵引车", "heavy semi-trailer tractor"),
        ("Q12", "重型全挂牵引车", "heavy full-trailer tractor"),
        ("Q21", "中型半挂牵引车", "medium semi-trailer tractor"),
        ("Q22", "中型全挂牵引车", "medium full-trailer tractor"),
        ("Q31", "轻型半挂牵引车", "light semi-trailer tractor"),
        ("Q32", "轻型全挂牵引车", "light full-trailer tractor"),
        # Z: special-operation vehicles (专项作业车)
        ("Z11", "大型专项作业车", "large special-operation vehicle"),
        ("Z21", "中型专项作业车", "medium special-operation vehicle"),
        ("Z31", "小型专项作业车", "small special-operation vehicle"),
        ("Z41", "微型专项作业车", "mini special-operation vehicle"),
        ("Z51", "重型专项作业车", "heavy special-operation vehicle"),
        ("Z71", "轻型专项作业车", "light special-operation vehicle"),
        # D: trolleybuses and trams (电车)
        ("D11", "无轨电车", "trolleybus"),
        ("D12", "有轨电车", "tram"),
        # M: motorcycles (摩托车)
        ("M11", "普通正三轮摩托车", "ordinary three-wheeled motorcycle"),
        ("M12", "轻便正三轮摩托车", "three-wheeled moped"),
        ("M13", "正三轮载客摩托车", "three-wheeled passenger motorcycle"),
        ("M14", "正三轮载货摩托车", "three-wheeled cargo motorcycle"),
        ("M15", "侧三轮摩托车", "motorcycle with sidecar"),
        ("M21", "普通二轮摩托车", "ordinary two-wheeled motorcycle"),
        ("M22", "轻便二轮摩托车", "two-wheeled moped"),
        # N: three-wheeled vehicles (三轮汽车)
        ("N11", "三轮汽车", "three-wheeled vehicle"),
        # T: tractors (拖拉机)
        ("T11", "大型轮式拖拉机", "large wheeled tractor"),
        ("T21", "小型轮式拖拉机", "small wheeled tractor"),
        ("T22", "手扶拖拉机", "walking tractor"),
        ("T23", "手扶变形运输机", "walking-tractor transporter"),
        # J: wheeled machinery (轮式专用机械车)
        ("J11", "轮式装载机械", "wheeled loader"),
        ("J12", "轮式挖掘机械", "wheeled excavator"),
        ("J13", "轮式平地机械", "wheeled grader"),
        # G: full trailers (全挂车)
        ("G11", "重型普通全挂车", "heavy ordinary full trailer"),
        ("G12", "重型厢式全挂车", "heavy box full trailer"),
        ("G13", "重型罐式全挂车", "heavy tank full trailer"),
        ("G14", "重型平板全挂车", "heavy flatbed full trailer"),
        ("G15", "重型集装箱全挂车", "heavy container full trailer"),
        ("G16", "重型自卸全挂车", "heavy dump full trailer"),
        ("G17", "重型仓栅式全挂车", "heavy stake full trailer"),
        ("G18", "重型旅居全挂车", "heavy caravan full trailer"),
        ("G19", "重型专项作业全挂车", "heavy special-operation full trailer"),
        ("G21", "中型普通全挂车", "medium ordinary full trailer"),
        ("G22", "中型厢式全挂车", "medium box full trailer"),
        ("G23", "中型罐式全挂车", "medium tank full trailer"),
        ("G24", "中型平板全挂车", "medium flatbed full trailer"),
        ("G25", "中型集装箱全挂车", "medium container full trailer"),
        ("G26", "中型自卸全挂车", "medium dump full trailer"),
        ("G27", "中型仓栅式全挂车", "medium stake full trailer"),
        ("G28", "中型旅居全挂车", "medium caravan full trailer"),
        ("G29", "中型专项作业全挂车", "medium special-operation full trailer"),
        ("G31", "轻型普通全挂车", "light ordinary full trailer"),
        ("G32", "轻型厢式全挂车", "light box full trailer"),
        ("G33", "轻型罐式全挂车", "light tank full trailer"),
        ("G34", "轻型平板全挂车", "light flatbed full trailer"),
        ("G35", "轻型自卸全挂车", "light dump full trailer"),
        ("G36", "轻型仓栅式全挂车", "light stake full trailer"),
        ("G37", "轻型旅居全挂车", "light caravan full trailer"),
        ("G38", "轻型专项作业全挂车", "light special-operation full trailer"),
        # B: semi-trailers (半挂车)
        ("B11", "重型普通半挂车", "heavy ordinary semi-trailer"),
        ("B12", "重型厢式半挂车", "heavy box semi-trailer"),
        ("B13", "重型罐式半挂车", "heavy tank semi-trailer"),
        ("B14", "重型平板半挂车", "heavy flatbed semi-trailer"),
        ("B15", "重型集装箱半挂车", "heavy container semi-trailer"),
        ("B16", "重型自卸半挂车", "heavy dump semi-trailer"),
        ("B17", "重型特殊结构半挂车", "heavy special-structure semi-trailer"),
        ("B18", "重型仓栅式半挂车", "heavy stake semi-trailer"),
        ("B19", "重型旅居半挂车", "heavy caravan semi-trailer"),
        ("B1A", "重型专项作业半挂车", "heavy special-operation semi-trailer"),
        ("B1B", "重型低平板半挂车", "heavy low-bed semi-trailer"),
        ("B21", "中型普通半挂车", "medium ordinary semi-trailer"),
        ("B22", "中型厢式半挂车", "medium box semi-trailer"),
        ("B23", "中型罐式半挂车", "medium tank semi-trailer"),
        ("B24", "中型平板半挂车", "medium flatbed semi-trailer"),
        ("B25", "中型集装箱半挂车", "medium container semi-trailer"),
        ("B26", "中型自卸半挂车", "medium dump semi-trailer"),
        ("B27", "中型特殊结构半挂车", "medium special-structure semi-trailer"),
        ("B28", "中型仓栅式半挂车", "medium stake semi-trailer"),
        ("B29", "中型旅居半挂车", "medium caravan semi-trailer"),
        ("B2A", "中型专项作业半挂车", "medium special-operation semi-trailer"),
        ("B2B", "中型低平板半挂车", "medium low-bed semi-trailer"),
        ("B31", "轻型普通半挂车", "light ordinary semi-trailer"),
        ("B32", "轻型厢式半挂车", "light box semi-trailer"),
        ("B33", "轻型罐式半挂车", "light tank semi-trailer"),
        ("B34", "轻型平板半挂车", "light flatbed semi-trailer"),
        ("B35", "轻型自卸半挂车", "light dump semi-trailer"),
        ("B36", "轻型仓栅式半挂车", "light stake semi-trailer"),
        ("B37", "轻型旅居半挂车", "light caravan semi-trailer"),
        ("B38", "轻型专项作业半挂车", "light special-operation semi-trailer"),
        ("B39", "轻型低平板半挂车", "light low-bed semi-trailer"),
        # X: other (其他)
        ("X99", "其他", "other"),
    )
)
"""GA 24.4 vehicle type codes (机动车车辆类型代码) in common use, with Chinese and English names."""


def mark_plate_type_codes() -> tuple[str, ...]:
    """The plate type codes a mark may carry, in code order."""
    return tuple(code for code, row in PLATE_TYPES.items() if row.on_mark)


def _normalize(plate: str) -> str:
    text = unicodedata.normalize("NFKC", plate)
    return _SEPARATORS.sub("", text).upper()


def plate_kind(plate: str) -> PlateKind:
    """The form of a normalized plate number (as :func:`validate_plate` returns it).

    :raises MarkShapeError: ``INVALID_PLATE`` if it has none of the accepted forms.
    """
    kind = find_plate_kind(plate)
    if kind is None:
        raise MarkShapeError(_plate_problem(plate), code="INVALID_PLATE", plate=plate)
    return kind


def find_plate_kind(plate: str) -> PlateKind | None:
    """The form of a normalized plate number, or None when it has none of the accepted forms
    (:func:`plate_kind` without the error)."""
    for kind, pattern in _KIND_RES.items():
        if pattern.fullmatch(plate):
            return kind
    return None


def _plate_problem(plate: str) -> str:
    if not plate:
        return "the plate number is empty"
    if plate[0] not in PROVINCES and plate[0] != "使":
        return f"a plate number starts with a province abbreviation, not {plate[0]!r}"
    if len(plate) > 1 and plate[0] != "使" and plate[1] not in AUTHORITY_LETTERS:
        return f"the issuing-authority letter is A-Z without I, not {plate[1]!r}"
    if any(c in "IO" for c in plate[2:]):
        return "a plate serial never uses the letters I and O"
    return f"{plate!r} is not a plate number of any accepted form"


def validate_plate(plate: str) -> str:
    """Check a plate number and return it normalized.

    Normalizing applies Unicode NFKC (full-width letters and digits become ASCII), removes blanks
    and separators (``·``, ``•``, ``.``, ``-``) and upper-cases the letters: ``鄂l·12345`` gives
    ``鄂L12345``.

    :raises MarkShapeError: ``INVALID_PLATE`` if the result has none of the accepted forms.
    """
    normalized = _normalize(plate)
    plate_kind(normalized)
    return normalized


def validate_plate_type(code: str) -> PlateType:
    """The GA 24.7 plate type of ``code``, if a mark may carry it.

    :raises MarkShapeError: ``INVALID_PLATE_TYPE`` for an unknown code, or one whose plates vic
        cannot check (temporary, tractor, military plates...).
    """
    row = PLATE_TYPES.get(code)
    if row is None:
        raise MarkShapeError(
            f"{code!r} is not a GA 24.7 plate type code", code="INVALID_PLATE_TYPE", value=code
        )
    if not row.on_mark:
        raise MarkShapeError(
            f"plate type {code} ({row.name_en}) is not accepted on an inspection mark",
            code="INVALID_PLATE_TYPE",
            value=code,
        )
    return row


def check_plate_type(plate: str, code: str) -> PlateType:
    """Check that a normalized plate number has the form its plate type code calls for.

    :raises MarkShapeError: ``INVALID_PLATE`` / ``INVALID_PLATE_TYPE`` for either value alone,
        ``PLATE_TYPE_MISMATCH`` when both are valid but do not go together (a green six-character
        plate under type 02, say).
    """
    kind = plate_kind(plate)
    row = validate_plate_type(code)
    if kind not in row.kinds:
        raise MarkShapeError(
            f"plate {plate} is a {kind.value} plate, not one of plate type {code} ({row.name_en})",
            code="PLATE_TYPE_MISMATCH",
            plate=plate,
            plate_type=code,
        )
    return row


def validate_vehicle_type(code: str) -> VehicleType:
    """The GA 24.4 vehicle type of ``code``.

    :raises MarkShapeError: ``INVALID_VEHICLE_TYPE`` if the code is not in :data:`VEHICLE_TYPES`.
    """
    row = VEHICLE_TYPES.get(code)
    if row is None:
        raise MarkShapeError(
            f"{code!r} is not a GA 24.4 vehicle type code vic knows",
            code="INVALID_VEHICLE_TYPE",
            value=code,
        )
    return row
