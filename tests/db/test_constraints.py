"""The database agrees with the identifier validators (migration 0011): every case is given to the
Python validator and inserted into each column that holds that kind of identifier, in a
transaction rolled back, and both must give the same verdict."""

import random
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from typing import Any

import psycopg
import pytest

from db import bhyt_rules
from db.enums import Sex
from db.identifiers import (
    InvalidIdentifier,
    make_bhyt_code_15,
    make_personal_id,
    make_tax_code,
    tax_code_check_digit,
    validate_bhxh_code,
    validate_bhyt_code,
    validate_passport,
    validate_personal_id,
    validate_personal_tax_code,
    validate_tax_code,
)
from db.reference_data import BHYT_CATEGORIES, LEGACY_PROVINCE_CODES
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.factories.person import insert

TODAY = bhyt_rules.today()
_rng = random.Random(9)  # fixed: the cases are the same on every run

# --- Cases: those of tests/db/test_identifiers.py and more, valid and invalid ----------------

_NOT_DIGITS = ["", "12", "00108500000A", "0010850 0001", "٠٠١٠٨٥٠٠٠٠٠١", "+01085000001"]
PERSONAL_IDS = [
    *_NOT_DIGITS,
    "001085000001",
    "001085000001\n",
    "099085000001",  # 99 is no province
    "003085000001",  # 03 was never a legacy code
    "101085000001",  # first digit 1: a country code, not a province
    "0010850000012",
    *[f"001{g}85000001" for g in range(10)],  # century/sex digits 0–9
    make_personal_id("01", Sex.MALE, TODAY.year, 1),  # born this year
    make_personal_id("79", Sex.FEMALE, TODAY.year + 1, 2),  # born next year
    make_personal_id("96", Sex.FEMALE, 2099, 3),
    make_personal_id("02", Sex.MALE, 1900, 0),
    *[
        f"0{c}{_rng.randrange(4)}{_rng.randrange(100):02d}{_rng.randrange(10**6):06d}"
        for c in sorted(LEGACY_PROVINCE_CODES)
    ],
    *[
        f"{_rng.randrange(1000):03d}{_rng.randrange(10)}{_rng.randrange(10**8):08d}"
        for _ in range(40)
    ],
]

_first9 = [f"{_rng.randrange(100):02d}{_rng.randrange(1, 10**7):07d}" for _ in range(60)]
_made = [code for code in (make_tax_code(p[:2], int(p[2:])) for p in _first9) if code]
_no_check_digit = next(
    f"01{n:07d}" for n in range(1, 10_000) if tax_code_check_digit(f"01{n:07d}") is None
)
TAX_CODES = [
    "0100233488",
    "0314409058",
    "0314409058-002",
    "0100112437",
    "0100233488-001",
    "0100233488-999",
    "010023348",
    "0100233488001",
    "0100233488-01",
    "01002334a8",
    "0100233488\n",
    "0100233488-000",
    "0100000000",
    "0000000000",
    "0100233480",
    "0100233488-abc",
    _no_check_digit + "0",
    *_made,
    *[f"{code}-{_rng.randrange(1000):03d}" for code in _made[:20]],
    *[p + str(_rng.randrange(10)) for p in _first9],  # mostly wrong check digits
]
PERSONAL_TAX_CODES = [*TAX_CODES, *PERSONAL_IDS[:30], "01002334881", "010023348800"]

BHXH_CODES = [
    "0120878811",
    "",
    "012087881",
    "01208788111",
    "01208788a1",
    "0120878811\n",
    "٠١٢٣٤٥٦٧٨٩",
    *[f"{_rng.randrange(10**10):010d}" for _ in range(20)],
]

BHYT_CODES = [
    "HS4010120878811",
    "HS401012087881",
    "HS40101208788111",
    "hs4010120878811",
    "H54010120878811",
    "HSX010120878811",
    "HS4A10120878811",
    "HS40101208788X1",
    "ZZ4010120878811",
    "HS6010120878811",
    "HS0010120878811",
    "HS3010120878811",
    "HS4030120878811",
    "HS4990120878811",
    *[
        make_bhyt_code_15(c.code, c.benefit_level, legacy, "0120878811")
        for c, legacy in zip(BHYT_CATEGORIES, sorted(LEGACY_PROVINCE_CODES) * 3, strict=False)
    ],
    *[f"{c.code}{lvl}010120878811" for c in BHYT_CATEGORIES for lvl in range(1, 6)],
]


def _verdict(validate: Callable[[str], object], value: str) -> bool:
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


# --- The database's verdict: an insert in a transaction rolled back ---------------------------


@pytest.fixture
def world(conn: psycopg.Connection) -> dict[str, Any]:
    office = reference.office(conn)
    return {
        "office": office,
        "facility": reference.facility(conn),
        "employer": employers.employer(conn, office),
        "person": persons.person(conn),
    }


def _accepts(conn: psycopg.Connection, table: str, values: dict[str, Any]) -> bool:
    """Whether the row is accepted; refused means by a constraint, or a value a cast refuses."""
    try:
        with conn.transaction(force_rollback=True):
            insert(conn, table, values)
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
    except (psycopg.errors.IntegrityError, psycopg.errors.DataError):
        return False
    return True


def _employer(world: dict[str, Any], tax_code: str) -> dict[str, Any]:
    return {
        **{k: world["employer"][k] for k in ("name", "head_office_address", "province_code")},
        "tax_code": tax_code,
        "unit_code": "TX99999",
        "business_lines": ["Sản xuất phần mềm"],
        "enterprise_type": "LIMITED_COMPANY",
        "enterprise_code": "x",
        "office_code": world["office"]["code"],
    }


def _social_insurance(world: dict[str, Any], **values: str) -> dict[str, Any]:
    return {
        "person_id": world["person"]["id"],
        "bhxh_code": "0120878811",
        "office_code": world["office"]["code"],
        "participant_category": "EMPLOYEE",
        **values,
    }


def _person_with(value: str) -> dict[str, Any]:
    """A person row whose sex and birth date agree with what the ID's digits say, when they can
    be read, so that only the ID's own validity decides."""
    sex, year = Sex.FEMALE, 1988
    if len(value) == 12 and value.isascii() and value.isdigit():
        g = int(value[3])
        sex = Sex.FEMALE if g % 2 else Sex.MALE
        year = 1900 + 100 * (g // 2) + int(value[4:6])
    return {
        "identification_number": value,
        "full_name": "Nguyễn Thị Lan",
        "birth_date": date(year, 1, 1),
        "birth_date_precision": "DAY",
        "sex": sex,
        "ethnicity_code": "01",
        "birth_registration_place": "Hà Nội",
        "birth_registration_province_code": "01",
        "hometown": "Hà Nội",
        "permanent_residence": "Hà Nội",
        "residence_province_code": "01",
    }


def _card(world: dict[str, Any], code: str) -> dict[str, Any]:
    """A card row whose parts are read from the code, as far as they can be."""
    level = code[2:3]
    return {
        "person_id": world["person"]["id"],
        "code": code,
        "short_code": code[5:],
        "category_code": code[:2],
        "benefit_level": int(level) if level.isascii() and level.isdigit() else 0,
        "province_code": code[3:5],
        "initial_facility_code": world["facility"]["code"],
        "valid_from": date(2025, 1, 1),
        "valid_to": date(2025, 12, 31),
        "status": "ACTIVE",
    }


def _cases(values: list[str]) -> Iterator[str]:
    yield from dict.fromkeys(values)  # unique, in order


def _disagreements(
    conn: psycopg.Connection,
    values: list[str],
    validate: Callable[[str], object],
    row: Callable[[str], tuple[str, dict[str, Any]]],
) -> list[tuple[str, bool]]:
    seen, verdicts = [], set()
    for value in _cases(values):
        expected = _verdict(validate, value)
        verdicts.add(expected)
        table, columns = row(value)
        if _accepts(conn, table, columns) != expected:
            seen.append((value, expected))
    # Both verdicts occur, so a row refused for a reason besides the identifier would show.
    assert verdicts == {True, False}
    return seen


def _personal_id(value: str) -> str:
    return validate_personal_id(value, today=TODAY)


def test_every_personal_id_column(conn: psycopg.Connection, world: dict[str, Any]) -> None:
    person_id = world["person"]["id"]
    columns: dict[str, Callable[[str], tuple[str, dict[str, Any]]]] = {
        "person": lambda v: ("person", _person_with(v)),
        "relative": lambda v: (
            "relative",
            {
                "person_id": person_id,
                "kind": "FATHER",
                "full_name": "A",
                "identification_number": v,
            },
        ),
        "consent": lambda v: (
            "consent",
            {
                "person_id": person_id,
                "grantee_code": "BYT",
                "data_groups": ["HEALTH_INSURANCE"],
                "purpose": "Xét hưởng chế độ",
                "valid_until": date(TODAY.year + 1, 1, 1),
                "granted_by": v,
            },
        ),
    }
    for name, row in columns.items():
        assert _disagreements(conn, PERSONAL_IDS, _personal_id, row) == [], name


def test_person_id_must_agree_with_sex_and_birth_year(conn: psycopg.Connection) -> None:
    value = make_personal_id("01", Sex.FEMALE, 1985, 123)
    for sex, year in [(Sex.MALE, 1985), (Sex.FEMALE, 1986), (Sex.FEMALE, 2085), (Sex.FEMALE, 1985)]:
        expected = _verdict(partial(validate_personal_id, sex=sex, birth_year=year), value)
        row = {**_person_with(value), "sex": sex, "birth_date": date(year, 6, 1)}
        assert _accepts(conn, "person", row) == expected, (sex, year)


def test_employer_tax_code(conn: psycopg.Connection, world: dict[str, Any]) -> None:
    row = lambda v: ("employer", _employer(world, v))  # noqa: E731
    assert _disagreements(conn, TAX_CODES, validate_tax_code, row) == []


def test_personal_tax_code(conn: psycopg.Connection, world: dict[str, Any]) -> None:
    row = lambda v: ("social_insurance", _social_insurance(world, tax_code=v))  # noqa: E731
    validate = lambda v: validate_personal_tax_code(v, today=TODAY)  # noqa: E731
    assert _disagreements(conn, PERSONAL_TAX_CODES, validate, row) == []


def test_bhxh_code(conn: psycopg.Connection, world: dict[str, Any]) -> None:
    row = lambda v: ("social_insurance", _social_insurance(world, bhxh_code=v))  # noqa: E731
    assert _disagreements(conn, BHXH_CODES, validate_bhxh_code, row) == []


def test_bhyt_card_code(conn: psycopg.Connection, world: dict[str, Any]) -> None:
    """The 15-character form in `code`; a card row always carries it, with its parts."""
    codes = [c for c in BHYT_CODES if len(c) != 10]
    row = lambda v: ("health_insurance_card", _card(world, v))  # noqa: E731
    assert _disagreements(conn, codes, validate_bhyt_code, row) == []


def test_bhyt_short_code(conn: psycopg.Connection, world: dict[str, Any]) -> None:
    """The 10-digit form is the card's `short_code`, the last ten characters of its code."""
    row = lambda v: ("health_insurance_card", _card(world, "DN401" + v))  # noqa: E731
    assert _disagreements(conn, BHXH_CODES, validate_bhyt_code, row) == []


def test_legacy_province_function_agrees_with_the_table_and_the_list(
    conn: psycopg.Connection,
) -> None:
    rows = conn.execute(
        "SELECT code, is_legacy_province_code(code) FROM legacy_province"
        " UNION ALL SELECT lpad(n::text, 2, '0'), is_legacy_province_code(lpad(n::text, 2, '0'))"
        " FROM generate_series(0, 99) AS n"
    ).fetchall()
    table = {code for code, _ in rows[: len(rows) - 100]}
    assert table == LEGACY_PROVINCE_CODES
    assert {code for code, known in rows if known} == LEGACY_PROVINCE_CODES


def test_future_birth_year_is_refused_naming_the_rule(
    conn: psycopg.Connection, world: dict[str, Any]
) -> None:
    future = make_personal_id("01", Sex.MALE, TODAY.year + 1, 7)
    with pytest.raises(psycopg.errors.CheckViolation) as exc:
        insert(
            conn,
            "relative",
            {
                "person_id": world["person"]["id"],
                "kind": "FATHER",
                "full_name": "A",
                "identification_number": future,
            },
        )
    assert exc.value.diag.constraint_name == "relative_identification_number_not_born_in_future"


# (nationality, passport number): Vietnamese passports are 1 letter + 7 digits, foreign ones
# 6–20 capital letters or digits (migration 0015).
PASSPORTS = [
    ("VN", "B1234567"),
    ("VN", "C7654321"),
    ("VN", "E12345678"),
    ("VN", "b1234567"),
    ("CN", "E12345678"),
    ("CN", "B1234567"),
    ("KR", "M12345678"),
    ("JP", "TK1234567"),
    ("TW", "300000001"),
    ("TH", "AA1234567"),
    ("TH", "aa1234567"),
    ("US", "A12345"),
    ("US", "A1234"),
    ("DE", "C" * 20),
    ("DE", "C" * 21),
    ("CN", "E 2345678"),
    ("CN", "E1234567\n"),
    ("CN", "Ё12345678"),
    ("CN", "E١٢٣٤٥٦٧٨"),
    ("cn", "E12345678"),
    ("CHN", "E12345678"),
]


def _foreign_person(nationality: str, passport: str, **values: Any) -> dict[str, Any]:
    row = _person_with(make_personal_id("01", Sex.FEMALE, 1988, 4242))
    return {**row, "nationality": nationality, "passport_number": passport, **values}


def test_passport_by_nationality(conn: psycopg.Connection, world: dict[str, Any]) -> None:
    """Each case both with a personal ID and, for foreigners, without one (passport only), and
    as a relative's passport (migration 0017)."""
    verdicts = set()
    for nationality, number in PASSPORTS:
        expected = _verdict(partial(validate_passport, nationality=nationality), number)
        verdicts.add(expected)
        row = _foreign_person(nationality, number)
        assert _accepts(conn, "person", row) == expected, (nationality, number)
        relative = {
            "person_id": world["person"]["id"],
            "kind": "MOTHER",
            "full_name": "A",
            "nationality": nationality,
            "passport_number": number,
        }
        assert _accepts(conn, "relative", relative) == expected, ("relative", nationality, number)
        if nationality != "VN":
            alone = {**row, "identification_number": None}
            assert _accepts(conn, "person", alone) == expected, (nationality, number)
    assert verdicts == {True, False}


@pytest.mark.parametrize(
    ("nationality", "passport"),
    [("VN", "B1234567"), ("VN", None), ("CN", None)],
    ids=["vietnamese passport", "nothing", "foreign without passport"],
)
def test_a_person_without_personal_id_needs_a_foreign_passport(
    conn: psycopg.Connection, nationality: str, passport: str | None
) -> None:
    row = _foreign_person(nationality, passport, identification_number=None)  # type: ignore[arg-type]
    with pytest.raises(psycopg.errors.CheckViolation) as exc:
        insert(conn, "person", row)
    assert exc.value.diag.constraint_name == "ck_person_identified"


def test_a_foreign_passport_identifies_one_passport_only_person(conn: psycopg.Connection) -> None:
    insert(conn, "person", _foreign_person("KR", "M00000042", identification_number=None))
    # The same number of another state is another passport.
    insert(conn, "person", _foreign_person("JP", "M00000042", identification_number=None))
    with pytest.raises(psycopg.errors.UniqueViolation) as exc:
        insert(conn, "person", _foreign_person("KR", "M00000042", identification_number=None))
    assert exc.value.diag.constraint_name == "uq_person_nationality_passport_number"


def test_a_passport_only_citizen_grants_consent_by_bhxh_code(
    conn: psycopg.Connection, world: dict[str, Any]
) -> None:
    """consent.granted_by is the granting citizen's token subject: a personal ID, or the BHXH
    code of a person without one; anything else is refused."""
    consent = {
        "person_id": world["person"]["id"],
        "grantee_code": "BYT",
        "data_groups": ["HEALTH_INSURANCE"],
        "purpose": "Xét hưởng chế độ",
        "valid_until": date(TODAY.year + 1, 1, 1),
    }
    assert _accepts(conn, "consent", {**consent, "granted_by": "0120878811"})
    for value in ("012087881", "01208788111", "A120878811"):
        assert not _accepts(conn, "consent", {**consent, "granted_by": value}), value
