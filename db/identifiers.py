"""Validators and builders for Vietnamese identifiers (DOMAIN.md §1). Pure: no I/O.

Failure reasons name the offending part but never echo the whole value, which is personal data
and would otherwise end up in logs and GraphQL error messages.
"""

import re
from dataclasses import dataclass
from datetime import date

from db.bhyt_rules import today as vietnam_today
from db.enums import Sex
from db.reference_data import BHYT_CATEGORY_BY_CODE, LEGACY_PROVINCE_CODES

# POSIX patterns, usable verbatim in PostgreSQL CHECK constraints (`col ~ PATTERN`). [0-9] rather
# than \d: Python's \d also matches non-ASCII digits.
PERSONAL_ID_PATTERN = "^[0-9]{12}$"
TAX_CODE_PATTERN = "^[0-9]{10}(-[0-9]{3})?$"
BHXH_CODE_PATTERN = "^[0-9]{10}$"
BHYT_CODE_15_PATTERN = "^[A-Z]{2}[1-5][0-9]{2}[0-9]{10}$"
BHYT_CODE_10_PATTERN = BHXH_CODE_PATTERN
PASSPORT_PATTERN = "^[A-Z][0-9]{7}$"
FOREIGN_PASSPORT_PATTERN = "^[A-Z0-9]{6,20}$"
NATIONALITY_PATTERN = "^[A-Z]{2}$"
VIETNAM = "VN"


def _compile(pattern: str) -> re.Pattern[str]:
    # Python's `$` also matches before a trailing newline; `\Z` does not.
    return re.compile(pattern.removesuffix("$") + r"\Z")


PERSONAL_ID_RE = _compile(PERSONAL_ID_PATTERN)
TAX_CODE_RE = _compile(TAX_CODE_PATTERN)
BHXH_CODE_RE = _compile(BHXH_CODE_PATTERN)
BHYT_CODE_15_RE = _compile(BHYT_CODE_15_PATTERN)
BHYT_CODE_10_RE = _compile(BHYT_CODE_10_PATTERN)
PASSPORT_RE = _compile(PASSPORT_PATTERN)
FOREIGN_PASSPORT_RE = _compile(FOREIGN_PASSPORT_PATTERN)
NATIONALITY_RE = _compile(NATIONALITY_PATTERN)


class InvalidIdentifier(ValueError):
    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"invalid {kind}: {reason}")
        self.kind = kind
        self.reason = reason


def _require_digits(kind: str, value: str, length: int) -> None:
    if len(value) != length or not value.isascii() or not value.isdigit():
        raise InvalidIdentifier(kind, f"must be {length} digits")


# --- Personal ID (số định danh cá nhân): PPP G YY RRRRRR -------------------------------------

_PERSONAL_ID = "personal ID"
_FIRST_CENTURY = 1900
_LAST_YEAR = 2399  # G = 9 is the last century the scheme can encode


@dataclass(frozen=True)
class PersonalIdParts:
    legacy_province_code: str
    sex: Sex
    birth_year: int


def century_sex_digit(sex: Sex, birth_year: int) -> int:
    """G: 0/1 for a man/woman born 1900–1999, 2/3 for 2000–2099, … up to 8/9 for 2300–2399."""
    if not _FIRST_CENTURY <= birth_year <= _LAST_YEAR:
        raise ValueError(f"birth year {birth_year} is outside 1900–2399")
    return 2 * ((birth_year - _FIRST_CENTURY) // 100) + (1 if sex == Sex.FEMALE else 0)


def _describe_digit(g: int) -> str:
    century = _FIRST_CENTURY + 100 * (g // 2)
    sex = "female" if g % 2 else "male"
    return f"{sex} born {century}–{century + 99}"


def _require_legacy_province(kind: str, code: str) -> None:
    if code not in LEGACY_PROVINCE_CODES:
        raise InvalidIdentifier(kind, f"province code {code} is not a legacy province code")


def make_personal_id(legacy_province_code: str, sex: Sex, birth_year: int, serial: int) -> str:
    _require_legacy_province(_PERSONAL_ID, legacy_province_code)
    if not 0 <= serial <= 999_999:
        raise ValueError(f"serial {serial} is outside 0–999999")
    g = century_sex_digit(sex, birth_year)
    return f"0{legacy_province_code}{g}{birth_year % 100:02d}{serial:06d}"


def _parse_personal_id(value: str) -> PersonalIdParts:
    _require_digits(_PERSONAL_ID, value, PERSONAL_ID_LENGTH)
    ppp, g = value[:3], int(value[3])
    # Births abroad carry a country code here instead; DOMAIN.md has no list of those.
    if ppp[0] != "0" or ppp[1:] not in LEGACY_PROVINCE_CODES:
        raise InvalidIdentifier(
            _PERSONAL_ID, f"province code {ppp} is not a Vietnamese province code"
        )
    if g > 3:
        raise InvalidIdentifier(
            _PERSONAL_ID, f"century/sex digit {g} means born after 2099, so not a living person"
        )
    year = _FIRST_CENTURY + 100 * (g // 2) + int(value[4:6])
    return PersonalIdParts(ppp[1:], Sex.FEMALE if g % 2 else Sex.MALE, year)


def validate_personal_id(
    value: str,
    *,
    sex: Sex | None = None,
    birth_year: int | None = None,
    today: date | None = None,
) -> str:
    """The value when it is a well-formed ID of a living person agreeing with the record's sex and
    birth year (when given); otherwise InvalidIdentifier."""
    parts = _parse_personal_id(value)
    this_year = (today or vietnam_today()).year
    if parts.birth_year > this_year:
        raise InvalidIdentifier(
            _PERSONAL_ID, f"birth year {parts.birth_year} (digits 4–6) is in the future"
        )
    g = value[3]
    wrong_sex = sex is not None and sex != parts.sex
    wrong_century = birth_year is not None and birth_year // 100 != parts.birth_year // 100
    if wrong_sex or wrong_century:
        record = " ".join(
            part
            for part in (
                str(sex).lower() if sex is not None else "",
                f"born {birth_year}" if birth_year is not None else "",
            )
            if part
        )
        raise InvalidIdentifier(
            _PERSONAL_ID,
            f"century/sex digit {g} means {_describe_digit(int(g))}, but the record says {record}",
        )
    if birth_year is not None and birth_year != parts.birth_year:
        raise InvalidIdentifier(
            _PERSONAL_ID,
            f"year digits {value[4:6]} mean born {parts.birth_year}, "
            f"but the record says born {birth_year}",
        )
    return value


def decode_personal_id(value: str, *, today: date | None = None) -> PersonalIdParts:
    """The province, sex and birth year an ID encodes; InvalidIdentifier as validate_personal_id."""
    validate_personal_id(value, today=today)
    return _parse_personal_id(value)


# --- Tax code (mã số thuế): province (2) + sequence (7) + check digit [+ "-" branch] ----------

_TAX_CODE = "tax code"
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def tax_code_check_digit(first9: str) -> int | None:
    """The check digit for the first 9 digits, or None when the checksum gives 10 (which happens
    when the weighted sum mod 11 is 0): no valid code starts with those digits."""
    _require_digits(_TAX_CODE, first9, 9)
    # Same as python-stdnum's vn.mst: 10 - (sum % 11), where 10 never matches a digit.
    check = 10 - sum(w * int(d) for w, d in zip(_TAX_WEIGHTS, first9, strict=True)) % 11
    return None if check == 10 else check


def make_tax_code(province2: str, sequence7: int) -> str | None:
    """A 10-digit tax code, or None when no check digit exists for this prefix.

    province2 is the tax authority's 2-digit prefix; it is not checked against the province lists
    because tax prefixes follow their own numbering (Hồ Chí Minh City codes start with 03).
    """
    if len(province2) != 2 or not province2.isascii() or not province2.isdigit():
        raise ValueError("tax province prefix must be 2 digits")
    if not 1 <= sequence7 <= 9_999_999:
        raise ValueError(f"tax sequence {sequence7} is outside 1–9999999")
    first9 = f"{province2}{sequence7:07d}"
    check = tax_code_check_digit(first9)
    return None if check is None else f"{first9}{check}"


def validate_tax_code(value: str) -> str:
    """The value when it is a 10-digit tax code, optionally with a "-001"…"-999" branch suffix."""
    if not TAX_CODE_RE.match(value):
        raise InvalidIdentifier(
            _TAX_CODE, "must be 10 digits, optionally followed by '-' and a 3-digit branch number"
        )
    if value[10:] == "-000":
        raise InvalidIdentifier(_TAX_CODE, "branch number must be 001–999, not 000")
    if value[2:9] == "0000000":
        # stdnum rejects it too: sequence numbers start at 0000001.
        raise InvalidIdentifier(_TAX_CODE, "sequence number (digits 3–9) must not be 0000000")
    expected = tax_code_check_digit(value[:9])
    if expected is None:
        raise InvalidIdentifier(_TAX_CODE, "digits 1–9 admit no check digit (checksum gives 10)")
    if int(value[9]) != expected:
        raise InvalidIdentifier(_TAX_CODE, f"check digit is {value[9]}, expected {expected}")
    return value


def validate_personal_tax_code(value: str, *, today: date | None = None) -> str:
    """A person's tax code (mã số thuế cá nhân): a 10-digit tax code without a branch, or, from
    1/7/2025, the personal ID itself (Law 56/2024/QH15 amending the Law on Tax Administration;
    Circular 86/2024/TT-BTC art. 5). The ID form is validated as an ID, without the record."""
    if len(value) == 12:
        return validate_personal_id(value, today=today)
    if len(value) != 10:
        raise InvalidIdentifier(
            _TAX_CODE, "a personal tax code is 10 digits, or the 12-digit personal ID"
        )
    return validate_tax_code(value)


# --- BHXH code and passport -------------------------------------------------------------------


BHXH_CODE_LENGTH = 10
PERSONAL_ID_LENGTH = 12
"""A person's two keys differ in length, so a string names one kind or the other."""


def validate_bhxh_code(value: str) -> str:
    """The value when it is 10 digits; BHXH codes carry no published checksum."""
    _require_digits("BHXH code", value, BHXH_CODE_LENGTH)
    return value


def validate_passport(value: str, nationality: str = VIETNAM) -> str:
    """A passport number of a holder of `nationality` (ISO 3166 alpha-2). Vietnamese passports:
    1 capital letter and 7 digits. Foreign ones: 6–20 capital letters and digits, the number as
    ICAO Doc 9303 prints it (9 characters in the machine-readable zone, longer numbers carried
    on in its optional data); states number their passports as they please, so no finer rule.
    The database decides the same (`is_valid_passport`, migration 0015)."""
    if not NATIONALITY_RE.match(nationality):
        raise InvalidIdentifier("nationality", "must be 2 capital letters (ISO 3166 alpha-2)")
    if nationality == VIETNAM:
        if not PASSPORT_RE.match(value):
            raise InvalidIdentifier(
                "passport number", "must be 1 capital letter followed by 7 digits"
            )
    elif not FOREIGN_PASSPORT_RE.match(value):
        raise InvalidIdentifier(
            "passport number", "a foreign passport number must be 6–20 capital letters or digits"
        )
    return value


# --- BHYT card code: old 15-character form and the 10-digit form since 1/4/2021 --------------

_BHYT_CODE = "BHYT code"


@dataclass(frozen=True)
class BhytCode:
    """A parsed card code; the 10-digit form carries only the BHXH code, so the rest is None."""

    category: str | None
    benefit_level: int | None
    legacy_province_code: str | None
    bhxh_code: str


def _check_bhyt_parts(category: str, benefit_level: int, legacy_province_code: str) -> None:
    known = BHYT_CATEGORY_BY_CODE.get(category)
    if known is None:
        raise InvalidIdentifier(_BHYT_CODE, f"category {category} is not a BHYT category code")
    if not 1 <= benefit_level <= 5:
        raise InvalidIdentifier(_BHYT_CODE, f"benefit level {benefit_level} must be 1–5")
    if benefit_level != known.benefit_level:
        raise InvalidIdentifier(
            _BHYT_CODE,
            f"benefit level {benefit_level} does not match category {category} "
            f"(level {known.benefit_level})",
        )
    _require_legacy_province(_BHYT_CODE, legacy_province_code)


def make_bhyt_code_15(
    category: str, benefit_level: int, legacy_province_code: str, bhxh_code: str
) -> str:
    _check_bhyt_parts(category, benefit_level, legacy_province_code)
    _require_digits(_BHYT_CODE, bhxh_code, 10)
    return f"{category}{benefit_level}{legacy_province_code}{bhxh_code}"


def parse_bhyt_code(value: str) -> BhytCode:
    """Either form: `XX N PP NNNNNNNNNN` (category, level, legacy province, BHXH code) or the
    bare 10-digit BHXH code."""
    if BHYT_CODE_10_RE.match(value):
        return BhytCode(None, None, None, value)
    if len(value) != 15:
        raise InvalidIdentifier(
            _BHYT_CODE, "must be 15 characters (category, level, province, BHXH code) or 10 digits"
        )
    category, level, province, bhxh = value[:2], value[2], value[3:5], value[5:]
    if not (category.isascii() and category.isalpha() and category.isupper()):
        raise InvalidIdentifier(_BHYT_CODE, "must start with a 2-letter capital category code")
    if not (level.isascii() and level.isdigit()):
        raise InvalidIdentifier(_BHYT_CODE, "benefit level (character 3) must be a digit 1–5")
    if not (province.isascii() and province.isdigit()):
        raise InvalidIdentifier(_BHYT_CODE, "province code (characters 4–5) must be 2 digits")
    if not (bhxh.isascii() and bhxh.isdigit()):
        raise InvalidIdentifier(_BHYT_CODE, "BHXH code (last 10 characters) must be 10 digits")
    _check_bhyt_parts(category, int(level), province)
    return BhytCode(category, int(level), province, bhxh)


def validate_bhyt_code(value: str) -> str:
    parse_bhyt_code(value)
    return value
