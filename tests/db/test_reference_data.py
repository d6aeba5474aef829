"""The reference lists against DOMAIN.md §2, restated here independently to catch typos."""

import dataclasses
import unicodedata

import pytest

from db.reference_data import (
    BENEFIT_LEVELS,
    BHYT_CATEGORIES,
    BHYT_CATEGORY_BY_CODE,
    ETHNICITIES,
    ETHNICITY_BY_CODE,
    LEGACY_PROVINCE_CODES,
    PROVINCE_BY_CODE,
    PROVINCE_BY_LEGACY_CODE,
    PROVINCES,
    Province,
)

# New province code: its legacy codes, as DOMAIN.md lists them.
_MERGERS = {
    "01": "01", "04": "04", "08": "08 02", "11": "11", "12": "12", "14": "14", "15": "10 15",
    "19": "19 06", "20": "20", "22": "22", "24": "27 24", "25": "25 26 17", "31": "31 30",
    "33": "33 34", "37": "37 35 36", "38": "38", "40": "40", "42": "42", "44": "45 44", "46": "46",
    "48": "48 49", "51": "51 62", "52": "64 52", "56": "56 58", "66": "66 54", "68": "68 67 60",
    "75": "75 70", "79": "79 74 77", "80": "72 80", "82": "87 82", "86": "86 83 84", "91": "89 91",
    "92": "92 94 93", "96": "96 95",
}  # fmt: skip

# Benefit level: categories, per DOMAIN.md's table.
_LEVELS = {
    1: "CC TE",
    2: "CK CB KC HN DT DK XD BT TS",
    3: "HT TC CN",
    4: "DN HX CH NN TK HC XK TB NO CT XB TN CS XN MS HD TQ TA TY HG LS PV HS SV GB GD",
    5: "QN CA CY",
}


def _is_nfc(text: str) -> bool:
    # Decomposed diacritics would make equal-looking names compare unequal in SQL and Python.
    return unicodedata.is_normalized("NFC", text)


def test_34_provinces_with_unique_two_digit_codes() -> None:
    codes = [p.code for p in PROVINCES]
    assert len(PROVINCES) == 34
    assert len(set(codes)) == 34
    assert all(len(c) == 2 and c.isdigit() for c in codes)
    assert {p.code: p for p in PROVINCES} == PROVINCE_BY_CODE


def test_63_legacy_codes_each_in_exactly_one_province() -> None:
    listed = [c for p in PROVINCES for c in p.legacy_codes]
    assert len(listed) == 63
    assert len(LEGACY_PROVINCE_CODES) == 63
    assert set(listed) == LEGACY_PROVINCE_CODES == set(PROVINCE_BY_LEGACY_CODE)
    assert all(len(c) == 2 and c.isdigit() for c in listed)


def test_mergers_match_domain() -> None:
    actual = {p.code: set(p.legacy_codes) for p in PROVINCES}
    assert actual == {new: set(old.split()) for new, old in _MERGERS.items()}


def test_a_province_keeping_a_legacy_code_lists_it_first() -> None:
    for p in PROVINCES:
        if p.code in p.legacy_codes:
            assert p.legacy_codes[0] == p.code


def test_legacy_names_are_aligned() -> None:
    for p in PROVINCES:
        assert len(p.legacy_names) == len(p.legacy_codes)
        assert len(set(p.legacy_names)) == len(p.legacy_names)
    names = [n for p in PROVINCES for n in p.legacy_names]
    assert len(set(names)) == 63


@pytest.mark.parametrize(
    ("legacy", "legacy_name", "new", "new_name"),
    [
        ("02", "Hà Giang", "08", "Tuyên Quang"),
        ("10", "Lào Cai", "15", "Lào Cai"),
        ("15", "Yên Bái", "15", "Lào Cai"),
        ("27", "Bắc Ninh", "24", "Bắc Ninh"),
        ("24", "Bắc Giang", "24", "Bắc Ninh"),
        ("46", "Thừa Thiên Huế", "46", "Huế"),
        ("64", "Gia Lai", "52", "Gia Lai"),
        ("77", "Bà Rịa - Vũng Tàu", "79", "Hồ Chí Minh"),
        ("89", "An Giang", "91", "An Giang"),
    ],
)
def test_legacy_lookup(legacy: str, legacy_name: str, new: str, new_name: str) -> None:
    province = PROVINCE_BY_LEGACY_CODE[legacy]
    assert (province.code, province.name) == (new, new_name)
    assert province.legacy_names[province.legacy_codes.index(legacy)] == legacy_name


def test_six_cities() -> None:
    assert {p.code for p in PROVINCES if p.is_city} == {"01", "31", "46", "48", "79", "92"}


def test_names_are_nfc() -> None:
    names = [p.name for p in PROVINCES] + [n for p in PROVINCES for n in p.legacy_names]
    names += [e.name for e in ETHNICITIES] + [c.name_vi for c in BHYT_CATEGORIES]
    assert all(name and _is_nfc(name) for name in names)


def test_province_rejects_misaligned_legacy_names() -> None:
    with pytest.raises(ValueError, match="not aligned"):
        Province(code="99", name="X", legacy_codes=("99", "98"), legacy_names=("X",), is_city=False)


def test_reference_records_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        PROVINCES[0].name = "Thăng Long"  # type: ignore[misc]


def test_54_ethnicities_numbered_in_order() -> None:
    assert [e.code for e in ETHNICITIES] == [f"{i:02d}" for i in range(1, 55)]
    assert len({e.name for e in ETHNICITIES}) == 54
    assert {e.code: e for e in ETHNICITIES} == ETHNICITY_BY_CODE


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("01", "Kinh"),
        ("10", "Gia Rai"),
        ("20", "Mnông"),
        ("30", "Co"),
        ("40", "Phù Lá"),
        ("50", "Si La"),
        ("54", "Rơ Măm"),
    ],
)
def test_ethnicity_anchors(code: str, name: str) -> None:
    assert ETHNICITY_BY_CODE[code].name == name


def test_bhyt_categories_match_the_benefit_level_table() -> None:
    expected = {code: level for level, codes in _LEVELS.items() for code in codes.split()}
    assert {c.code: c.benefit_level for c in BHYT_CATEGORIES} == expected
    assert len(BHYT_CATEGORIES) == len(expected) == len(BHYT_CATEGORY_BY_CODE)


def test_bhyt_categories_are_named() -> None:
    for c in BHYT_CATEGORIES:
        assert len(c.code) == 2 and c.code.isascii() and c.code.isupper()
        assert c.name_vi.strip() and c.name_en.strip()
    assert len({c.name_vi for c in BHYT_CATEGORIES}) == len(BHYT_CATEGORIES)
    assert len({c.name_en for c in BHYT_CATEGORIES}) == len(BHYT_CATEGORIES)


def test_benefit_levels() -> None:
    assert [(b.level, b.coverage_pct) for b in BENEFIT_LEVELS] == [
        (1, 100),
        (2, 100),
        (3, 95),
        (4, 80),
        (5, 100),
    ]
    assert all(b.description for b in BENEFIT_LEVELS)
    assert {c.benefit_level for c in BHYT_CATEGORIES} == {b.level for b in BENEFIT_LEVELS}
