"""Identifier validators and builders: round trips as properties, rejections with their reasons."""

import re
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from db import bhyt_rules
from db.enums import Sex
from db.identifiers import (
    BHXH_CODE_PATTERN,
    BHXH_CODE_RE,
    BHYT_CODE_10_PATTERN,
    BHYT_CODE_15_PATTERN,
    BHYT_CODE_15_RE,
    FOREIGN_PASSPORT_PATTERN,
    NATIONALITY_PATTERN,
    PASSPORT_PATTERN,
    PERSONAL_ID_PATTERN,
    PERSONAL_ID_RE,
    TAX_CODE_PATTERN,
    TAX_CODE_RE,
    BhytCode,
    InvalidIdentifier,
    PersonalIdParts,
    century_sex_digit,
    decode_personal_id,
    make_bhyt_code_15,
    make_personal_id,
    make_tax_code,
    parse_bhyt_code,
    tax_code_check_digit,
    validate_bhxh_code,
    validate_bhyt_code,
    validate_passport,
    validate_personal_id,
    validate_personal_tax_code,
    validate_tax_code,
)
from db.reference_data import BHYT_CATEGORIES, LEGACY_PROVINCE_CODES, BhytCategory

TODAY = bhyt_rules.today()
# No example database: the tests run in a tree shared with other work, and stay deterministic.
examples = settings(database=None, deadline=None)

sexes = st.sampled_from(Sex)
birth_years = st.integers(1900, TODAY.year)
legacy_codes = st.sampled_from(sorted(LEGACY_PROVINCE_CODES))
serials = st.integers(0, 999_999)
bhxh_codes = st.from_regex(r"[0-9]{10}\Z", fullmatch=True)
categories = st.sampled_from(BHYT_CATEGORIES)


def _reason(exc: pytest.ExceptionInfo[InvalidIdentifier], value: str) -> str:
    """The reason, after checking the message never leaks the value (it is personal data)."""
    assert isinstance(exc.value, ValueError)
    assert str(exc.value) == f"invalid {exc.value.kind}: {exc.value.reason}"
    if len(value) >= 6:  # shorter values are no one's data, and may match by chance ("12")
        assert value not in str(exc.value)
    return exc.value.reason


def _personal_id_reason(
    value: str, *, sex: Sex | None = None, birth_year: int | None = None, today: date = TODAY
) -> str:
    with pytest.raises(InvalidIdentifier) as exc:
        validate_personal_id(value, sex=sex, birth_year=birth_year, today=today)
    assert exc.value.kind == "personal ID"
    return _reason(exc, value)


# --- Patterns ---------------------------------------------------------------------------------


def test_patterns_are_posix() -> None:
    patterns = [
        PERSONAL_ID_PATTERN,
        TAX_CODE_PATTERN,
        BHXH_CODE_PATTERN,
        BHYT_CODE_15_PATTERN,
        BHYT_CODE_10_PATTERN,
        PASSPORT_PATTERN,
        FOREIGN_PASSPORT_PATTERN,
        NATIONALITY_PATTERN,
    ]
    for pattern in patterns:
        assert pattern.startswith("^") and pattern.endswith("$")
        assert "\\" not in pattern  # no \d: PostgreSQL CHECKs and Python must agree
    assert PERSONAL_ID_PATTERN == "^[0-9]{12}$"


def test_regexes_reject_a_trailing_newline_and_non_ascii_digits() -> None:
    assert PERSONAL_ID_RE.match("001085000001")
    assert not PERSONAL_ID_RE.match("001085000001\n")
    assert not BHXH_CODE_RE.match("٠١٢٣٤٥٦٧٨٩")  # Arabic-Indic digits
    assert TAX_CODE_RE.match("0100233488-001")
    assert BHYT_CODE_15_RE.match("HS4010120878811")


# --- Personal ID ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sex", "year", "digit"),
    [
        (Sex.MALE, 1900, 0),
        (Sex.FEMALE, 1999, 1),
        (Sex.MALE, 2000, 2),
        (Sex.FEMALE, 2099, 3),
        (Sex.MALE, 2100, 4),
        (Sex.FEMALE, 2250, 7),
        (Sex.FEMALE, 2399, 9),
    ],
)
def test_century_sex_digit(sex: Sex, year: int, digit: int) -> None:
    assert century_sex_digit(sex, year) == digit


@pytest.mark.parametrize("year", [1899, 2400])
def test_century_sex_digit_outside_the_scheme(year: int) -> None:
    with pytest.raises(ValueError, match="outside 1900–2399"):
        century_sex_digit(Sex.MALE, year)


@examples
@given(legacy_codes, sexes, birth_years, serials)
def test_personal_id_round_trip(legacy: str, sex: Sex, year: int, serial: int) -> None:
    value = make_personal_id(legacy, sex, year, serial)
    assert PERSONAL_ID_RE.match(value)
    assert value.startswith("0" + legacy)
    assert int(value[6:]) == serial
    assert validate_personal_id(value, sex=sex, birth_year=year, today=TODAY) == value
    assert decode_personal_id(value, today=TODAY) == PersonalIdParts(legacy, sex, year)


def test_make_personal_id_rejects_bad_parts() -> None:
    with pytest.raises(InvalidIdentifier, match="province code 03 is not a legacy province"):
        make_personal_id("03", Sex.MALE, 1990, 1)
    with pytest.raises(ValueError, match="serial 1000000"):
        make_personal_id("01", Sex.MALE, 1990, 1_000_000)
    with pytest.raises(ValueError, match="serial -1"):
        make_personal_id("01", Sex.MALE, 1990, -1)


@examples
@given(st.text(alphabet="0123456789", max_size=20).filter(lambda s: len(s) != 12))
def test_personal_id_wrong_length(value: str) -> None:
    assert _personal_id_reason(value) == "must be 12 digits"


@pytest.mark.parametrize("value", ["00108500000A", "0010850 0001", "٠٠١٠٨٥٠٠٠٠٠١", "+01085000001"])
def test_personal_id_non_digits(value: str) -> None:
    assert _personal_id_reason(value) == "must be 12 digits"


@examples
@given(st.from_regex(r"[0-9]{3}\Z", fullmatch=True), serials)
def test_personal_id_unknown_province(ppp: str, serial: int) -> None:
    assume(ppp[0] != "0" or ppp[1:] not in LEGACY_PROVINCE_CODES)
    value = f"{ppp}085{serial:06d}"
    assert _personal_id_reason(value) == f"province code {ppp} is not a Vietnamese province code"


def test_personal_id_unknown_province_example() -> None:
    reason = _personal_id_reason("099085000001")
    assert reason == "province code 099 is not a Vietnamese province code"


@pytest.mark.parametrize("digit", range(4, 10))
def test_personal_id_born_after_2099(digit: int) -> None:
    reason = _personal_id_reason(f"001{digit}85000001")
    assert reason == f"century/sex digit {digit} means born after 2099, so not a living person"


@examples
@given(st.integers(2000, 2098), sexes, serials)
def test_personal_id_future_year(this_year: int, sex: Sex, serial: int) -> None:
    future = this_year + 1
    value = make_personal_id("01", sex, future, serial)
    reason = _personal_id_reason(value, today=date(this_year, 12, 31))
    assert reason == f"birth year {future} (digits 4–6) is in the future"


def test_personal_id_this_year_is_not_future() -> None:
    value = make_personal_id("79", Sex.FEMALE, 2025, 42)
    assert validate_personal_id(value, today=date(2025, 1, 1)) == value


def test_personal_id_sex_mismatch_example() -> None:
    value = make_personal_id("01", Sex.FEMALE, 1985, 123)
    reason = _personal_id_reason(value, sex=Sex.MALE, birth_year=1985)
    assert reason == (
        "century/sex digit 1 means female born 1900–1999, but the record says male born 1985"
    )


@examples
@given(legacy_codes, sexes, birth_years, serials)
def test_personal_id_sex_mismatch(legacy: str, sex: Sex, year: int, serial: int) -> None:
    value = make_personal_id(legacy, sex, year, serial)
    other = Sex.FEMALE if sex == Sex.MALE else Sex.MALE
    reason = _personal_id_reason(value, sex=other)
    assert reason.startswith(f"century/sex digit {value[3]} means {sex.lower()} born ")
    assert reason.endswith(f"but the record says {other.lower()}")


@examples
@given(legacy_codes, sexes, birth_years, serials, st.integers(1, 99))
def test_personal_id_birth_year_mismatch(
    legacy: str, sex: Sex, year: int, serial: int, shift: int
) -> None:
    value = make_personal_id(legacy, sex, year, serial)
    claimed = year + shift
    reason = _personal_id_reason(value, sex=sex, birth_year=claimed)
    if claimed // 100 == year // 100:
        assert reason == (
            f"year digits {year % 100:02d} mean born {year}, but the record says born {claimed}"
        )
    else:
        assert reason.startswith(f"century/sex digit {value[3]} means")
        assert reason.endswith(f"but the record says {sex.lower()} born {claimed}")


def test_decode_rejects_what_validate_rejects() -> None:
    with pytest.raises(InvalidIdentifier, match="must be 12 digits"):
        decode_personal_id("12345")
    with pytest.raises(InvalidIdentifier, match="in the future"):
        decode_personal_id("001290000001", today=date(2025, 6, 1))


# --- Tax code ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0100233488", "0314409058", "0314409058-002", "0100112437"])
def test_tax_code_known_valid(value: str) -> None:
    # Examples from python-stdnum's vn.mst doctests.
    assert validate_tax_code(value) == value


def test_tax_code_check_digit_formula() -> None:
    # 0·31 + 1·29 + 0·23 + 0·19 + 2·17 + 3·13 + 3·7 + 4·5 + 8·3 = 167; 167 mod 11 = 2; 10 - 2 = 8
    assert tax_code_check_digit("010023348") == 8
    assert tax_code_check_digit("000000000") is None  # sum mod 11 == 0 gives 10


@examples
@given(st.from_regex(r"[0-9]{2}\Z", fullmatch=True), st.integers(1, 9_999_999))
def test_made_tax_codes_validate_and_their_check_digit_matters(province: str, seq: int) -> None:
    code = make_tax_code(province, seq)
    first9 = f"{province}{seq:07d}"
    if code is None:
        assert tax_code_check_digit(first9) is None
        return
    assert code[:9] == first9
    assert validate_tax_code(code) == code
    assert validate_tax_code(f"{code}-001") == f"{code}-001"
    for digit in "0123456789":
        if digit == code[9]:
            continue
        wrong = code[:9] + digit
        with pytest.raises(InvalidIdentifier) as exc:
            validate_tax_code(wrong)
        assert _reason(exc, wrong) == f"check digit is {digit}, expected {code[9]}"


@examples
@given(st.from_regex(r"[0-9]{9}\Z", fullmatch=True), st.sampled_from("0123456789"))
def test_tax_code_any_digit_flip_is_caught(first9: str, check: str) -> None:
    expected = tax_code_check_digit(first9)
    assume(first9[2:] != "0000000")
    if expected is not None and int(check) == expected:
        assert validate_tax_code(first9 + check)
        return
    with pytest.raises(InvalidIdentifier):
        validate_tax_code(first9 + check)


def test_tax_code_without_any_check_digit() -> None:
    first9 = next(
        f"01{n:07d}" for n in range(1, 10_000) if tax_code_check_digit(f"01{n:07d}") is None
    )
    assert make_tax_code("01", int(first9[2:])) is None
    with pytest.raises(InvalidIdentifier) as exc:
        validate_tax_code(first9 + "0")
    assert _reason(exc, first9 + "0") == "digits 1–9 admit no check digit (checksum gives 10)"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("010023348", "must be 10 digits, optionally followed by '-' and a 3-digit branch number"),
        ("0100233488001", "must be 10 digits, optionally followed by '-' and a 3-digit branch"),
        ("0100233488-01", "must be 10 digits, optionally followed by '-' and a 3-digit branch"),
        ("01002334a8", "must be 10 digits, optionally followed by '-' and a 3-digit branch"),
        ("0100233488\n", "must be 10 digits, optionally followed by '-' and a 3-digit branch"),
        ("0100233488-000", "branch number must be 001–999, not 000"),
        ("0100000000", "sequence number (digits 3–9) must not be 0000000"),
        ("0100233480", "check digit is 0, expected 8"),
    ],
)
def test_tax_code_rejections(value: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        validate_tax_code(value)
    assert exc.value.kind == "tax code"
    assert _reason(exc, value).startswith(reason)


def test_make_tax_code_rejects_bad_parts() -> None:
    with pytest.raises(ValueError, match="2 digits"):
        make_tax_code("1", 5)
    with pytest.raises(ValueError, match="outside 1–9999999"):
        make_tax_code("01", 0)
    with pytest.raises(ValueError, match="outside 1–9999999"):
        make_tax_code("01", 10_000_000)


# --- BHXH code and passport -------------------------------------------------------------------


@examples
@given(bhxh_codes)
def test_bhxh_code_valid(value: str) -> None:
    assert validate_bhxh_code(value) == value


@pytest.mark.parametrize("value", ["", "012087881", "01208788111", "01208788a1", "0120878811\n"])
def test_bhxh_code_rejections(value: str) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        validate_bhxh_code(value)
    assert exc.value.kind == "BHXH code"
    assert _reason(exc, value) == "must be 10 digits"


def test_passport() -> None:
    assert validate_passport("B1234567") == "B1234567"
    for value in ("b1234567", "12345678", "B123456", "BC123456", "B12345678", "Đ1234567"):
        with pytest.raises(InvalidIdentifier) as exc:
            validate_passport(value)
        assert _reason(exc, value) == "must be 1 capital letter followed by 7 digits"


def test_foreign_passport() -> None:
    """Foreign passports: 6–20 capital letters or digits, whatever the state (ICAO Doc 9303);
    the Vietnamese form binds Vietnamese passports only."""
    for nationality, value in [("CN", "E12345678"), ("JP", "TK1234567"), ("TW", "300000001")]:
        assert validate_passport(value, nationality) == value
    assert validate_passport("B1234567", "KR") == "B1234567"
    for value in ("E1234", "e12345678", "E-1234567", "E 1234567", "A" * 21, "E12345678\n"):
        with pytest.raises(InvalidIdentifier) as exc:
            validate_passport(value, "CN")
        reason = "a foreign passport number must be 6–20 capital letters or digits"
        assert _reason(exc, value) == reason
    with pytest.raises(InvalidIdentifier) as exc:
        validate_passport("E12345678", "VN")
    assert _reason(exc, "E12345678") == "must be 1 capital letter followed by 7 digits"
    for nationality in ("cn", "CHN", ""):
        with pytest.raises(InvalidIdentifier) as exc:
            validate_passport("E12345678", nationality)
        assert exc.value.kind == "nationality"


# --- BHYT card code ---------------------------------------------------------------------------


def test_bhyt_domain_example() -> None:
    assert parse_bhyt_code("HS4010120878811") == BhytCode("HS", 4, "01", "0120878811")
    assert validate_bhyt_code("HS4010120878811") == "HS4010120878811"
    assert parse_bhyt_code("0120878811") == BhytCode(None, None, None, "0120878811")


@examples
@given(categories, legacy_codes, bhxh_codes)
def test_bhyt_15_and_10_forms_agree(category: BhytCategory, legacy: str, bhxh: str) -> None:
    code = make_bhyt_code_15(category.code, category.benefit_level, legacy, bhxh)
    assert BHYT_CODE_15_RE.match(code)
    assert code[-10:] == bhxh
    parsed = parse_bhyt_code(code)
    assert parsed == BhytCode(category.code, category.benefit_level, legacy, bhxh)
    assert parse_bhyt_code(code[-10:]).bhxh_code == parsed.bhxh_code
    assert validate_bhyt_code(code) == code
    assert validate_bhyt_code(bhxh) == bhxh


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("HS401012087881", "must be 15 characters (category, level, province, BHXH code) or 10"),
        ("HS40101208788111", "must be 15 characters"),
        ("012087881", "must be 15 characters"),
        ("hs4010120878811", "must start with a 2-letter capital category code"),
        ("H54010120878811", "must start with a 2-letter capital category code"),
        ("HSX010120878811", "benefit level (character 3) must be a digit 1–5"),
        ("HS4A10120878811", "province code (characters 4–5) must be 2 digits"),
        ("HS40101208788X1", "BHXH code (last 10 characters) must be 10 digits"),
        ("ZZ4010120878811", "category ZZ is not a BHYT category code"),
        ("HS6010120878811", "benefit level 6 must be 1–5"),
        ("HS0010120878811", "benefit level 0 must be 1–5"),
        ("HS3010120878811", "benefit level 3 does not match category HS (level 4)"),
        ("HS4030120878811", "province code 03 is not a legacy province code"),
    ],
)
def test_bhyt_rejections(value: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as exc:
        validate_bhyt_code(value)
    assert exc.value.kind == "BHYT code"
    assert _reason(exc, value).startswith(reason)
    assert value[-10:] not in exc.value.reason  # nor the BHXH code inside it


@examples
@given(categories, st.integers(1, 5), legacy_codes, bhxh_codes)
def test_make_bhyt_requires_the_categorys_level(
    category: BhytCategory, level: int, legacy: str, bhxh: str
) -> None:
    assume(level != category.benefit_level)
    with pytest.raises(InvalidIdentifier, match=re.escape(f"category {category.code} (level")):
        make_bhyt_code_15(category.code, level, legacy, bhxh)


def test_make_bhyt_rejects_bad_parts() -> None:
    with pytest.raises(InvalidIdentifier, match="category XX is not a BHYT category code"):
        make_bhyt_code_15("XX", 4, "01", "0120878811")
    with pytest.raises(InvalidIdentifier, match="province code 99 is not a legacy province"):
        make_bhyt_code_15("DN", 4, "99", "0120878811")
    with pytest.raises(InvalidIdentifier, match="must be 10 digits"):
        make_bhyt_code_15("DN", 4, "01", "012087881")


# --- Personal tax code ------------------------------------------------------------------------


def test_personal_tax_code_is_a_tax_code_or_the_personal_id() -> None:
    person = make_personal_id("01", Sex.MALE, 1990, 5)
    assert validate_personal_tax_code("0100233488") == "0100233488"
    assert validate_personal_tax_code(person, today=date(2025, 7, 1)) == person
    for value, reason in [
        ("0100233488-001", "a personal tax code is 10 digits, or the 12-digit personal ID"),
        ("01002334881", "a personal tax code is 10 digits, or the 12-digit personal ID"),
        ("0100233480", "check digit is 0, expected 8"),
        ("099085000001", "province code 099 is not a Vietnamese province code"),
    ]:
        with pytest.raises(InvalidIdentifier) as exc:
            validate_personal_tax_code(value)
        assert _reason(exc, value) == reason
