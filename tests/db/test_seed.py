"""`bhxh seed`: synthetic data that loads (so satisfies every constraint), is deterministic, and
is internally consistent — identifiers agree with what they encode, BHYT cards with their
category, unemployment claims with the law's duration rule — in roughly national proportions."""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.rows import dict_row

from db import migrate, rules
from db.enums import Sex
from db.identifiers import (
    parse_bhyt_code,
    validate_passport,
    validate_personal_id,
    validate_tax_code,
)
from db.reference_data import BHYT_CATEGORY_BY_CODE
from db.seed import SeedError, SeedSummary, common, seed_database
from db.seed.chunk import NUMBERED, build_chunk, render
from db.seed.common import NULL
from db.seed.copy import COLUMNS
from db.seed.employers import build_employers
from db.seed.health import CARD_FIRST_YEAR
from db.seed.identity import MAX_CHUNKS
from db.seed.parallel import generate
from db.urls import libpq_conninfo
from tests.conftest import create_database, drop_database

PERSONS = 300
AS_OF = date(2026, 11, 1)  # the seed's "today" in these tests
PARTICIPATING = (
    "EMPLOYEE",
    "CIVIL_SERVANT",
    "MANAGER",
    "FOREIGN_WORKER",
    "VOLUNTARY",
    # the armed forces' own categories (issue 9)
    "ARMED_FORCES_OFFICER",
    "PROFESSIONAL_SOLDIER",
    "POLICE_OFFICER",
    "CIPHER_STAFF",
    "CONSCRIPT",
)
TABLE_KEYS = {
    "person": "id",
    "employer": "id",
    "household": "id",
    "household_member": "person_id",
    "relative": "id",
    "social_insurance": "person_id",
    "contribution_period": "id",
    "benefit": "id",
    "unemployment_benefit": "id",
    "health_insurance_card": "id",
    "medical_visit": "id",
    "health_insurance_contribution": "id",
    "health_facility": "code",
    "social_insurance_office": "code",
}


@dataclass
class Seeded:
    url: str
    summary: SeedSummary
    catalogue_before: list[tuple[Any, ...]]


def _create(server: str) -> str:
    url = create_database(server)
    migrate.upgrade(url)
    return libpq_conninfo(url)


def _catalogue(conninfo: str) -> list[tuple[Any, ...]]:
    """Constraints and indexes: the seed drops some for the load and must restore them all."""
    with psycopg.connect(conninfo) as conn:
        return conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace UNION ALL"
            " SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
            " ORDER BY 1, 2, 3"
        ).fetchall()


def _seed(server: str, seed: int, workers: int) -> Seeded:
    conninfo = _create(server)
    before = _catalogue(conninfo)
    summary = seed_database(
        conninfo, persons=PERSONS, seed=seed, progress=False, workers=workers, today=AS_OF
    )
    return Seeded(conninfo, summary, before)


@pytest.fixture(scope="module")
def databases(server_url: str) -> Iterator[dict[str, Seeded]]:
    made: dict[str, Seeded] = {}
    try:
        made["first"] = _seed(server_url, seed=1, workers=1)
        made["again"] = _seed(server_url, seed=1, workers=2)
        made["other"] = _seed(server_url, seed=2, workers=1)
        yield made
    finally:
        for seeded in made.values():
            drop_database(server_url, seeded.url)


@pytest.fixture(scope="module")
def rows(databases: dict[str, Seeded]) -> dict[str, list[dict[str, Any]]]:
    with psycopg.connect(databases["first"].url, row_factory=dict_row) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()
            for table, key in TABLE_KEYS.items()
        }


def _fingerprints(conninfo: str) -> dict[str, str]:
    with psycopg.connect(conninfo) as conn:
        return {
            table: str(
                conn.execute(
                    f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY {key}), '')) FROM {table} t"
                ).fetchone()
            )
            for table, key in TABLE_KEYS.items()
        }


def test_summary_counts_the_rows(
    databases: dict[str, Seeded], rows: dict[str, list[dict[str, Any]]]
) -> None:
    summary = databases["first"].summary
    assert summary.persons == len(rows["person"]) == PERSONS
    assert summary.employers == len(rows["employer"])
    assert summary.households == len(rows["household"])
    assert summary.household_members == len(rows["household_member"])
    assert summary.relatives == len(rows["relative"])
    assert summary.social_insurance == len(rows["social_insurance"])
    assert summary.contribution_periods == len(rows["contribution_period"])
    assert summary.benefits == len(rows["benefit"])
    assert summary.unemployment_benefits == len(rows["unemployment_benefit"])
    assert summary.health_insurance_cards == len(rows["health_insurance_card"])
    assert summary.medical_visits == len(rows["medical_visit"])
    assert summary.elapsed_seconds > 0


def test_constraints_and_indexes_are_restored(databases: dict[str, Seeded]) -> None:
    seeded = databases["first"]
    assert _catalogue(seeded.url) == seeded.catalogue_before


def test_sequences_continue_after_the_seeded_ids(databases: dict[str, Seeded]) -> None:
    with psycopg.connect(databases["first"].url) as conn:
        for table, key in TABLE_KEYS.items():
            if key != "id":
                continue
            row = conn.execute(
                f"SELECT coalesce(max(id), 0), nextval(pg_get_serial_sequence('{table}', 'id')) FROM {table}"
            ).fetchone()
            assert row is not None
            assert row[1] == row[0] + 1, table
        conn.rollback()


def test_same_seed_gives_identical_data(databases: dict[str, Seeded]) -> None:
    assert _fingerprints(databases["first"].url) == _fingerprints(databases["again"].url)


def test_another_seed_gives_other_data(databases: dict[str, Seeded]) -> None:
    first, other = _fingerprints(databases["first"].url), _fingerprints(databases["other"].url)
    for table in (
        "person",
        "employer",
        "contribution_period",
        "health_insurance_card",
        "medical_visit",
    ):
        assert first[table] != other[table], table
    assert first["health_facility"] == other["health_facility"]  # fixed geography


def test_refuses_a_database_holding_persons(databases: dict[str, Seeded]) -> None:
    with pytest.raises(
        SeedError, match=f"^database already holds {PERSONS} persons; seed into an empty database$"
    ):
        seed_database(databases["first"].url, persons=10, progress=False)


def test_generation_in_a_pool_equals_generation_in_process() -> None:
    """Chunk ids depend on all earlier chunks; workers must agree with a sequential build, and
    with the parent's "today" (a day other than the module's default, which workers start from)."""
    persons = 2_300  # three chunks, the last one partial
    today = date(2026, 12, 20)
    common.set_today(today)
    _, employers = build_employers(7, persons)
    pooled = list(generate(7, persons, employers, workers=2, today=today))
    sequential = list(generate(7, persons, employers, workers=1, today=today))
    assert pooled == sequential
    assert [size for size, _, _ in pooled] == [1000, 1000, 300]
    authorities = Counter(
        line.split(b"\t")[14]
        for _, _, payloads in pooled
        for table, data in payloads
        if table == "person"
        for line in data.splitlines()
    )
    restricted = authorities[b"DEFENCE"] + authorities[b"PUBLIC_SECURITY"]
    assert 0.004 <= restricted / persons <= 0.02  # about 1 % (DOMAIN.md §0)


def _identified(p: dict[str, Any], birth_year: int) -> bool:
    """A personal ID agreeing with the record, or, for a foreign worker, a passport of their
    state and no personal ID. Whether the person has a personal ID."""
    if p["identification_number"] in (None, NULL):
        assert p["nationality"] != "VN"
        validate_passport(p["passport_number"], p["nationality"])
        return False
    assert p["nationality"] == "VN"
    validate_personal_id(
        p["identification_number"], sex=Sex(p["sex"]), birth_year=birth_year, today=AS_OF
    )
    return True


def test_identifiers_agree_with_the_records(rows: dict[str, list[dict[str, Any]]]) -> None:
    for p in rows["person"]:
        if _identified(p, p["birth_date"].year):
            assert p["identification_number"][1:3] == p["birth_registration_province_code"]
    for r in rows["relative"]:
        if r["identification_number"] is not None:
            validate_personal_id(r["identification_number"], today=AS_OF)
    for e in rows["employer"]:
        validate_tax_code(e["tax_code"])
    numbers = [p["identification_number"] for p in rows["person"] if p["identification_number"]]
    assert len(set(numbers)) == len(numbers)


def test_cards_agree_with_category_level_and_bhxh_code(
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    bhxh = {s["person_id"]: s["bhxh_code"] for s in rows["social_insurance"]}
    died = {p["id"]: p["died_on"] for p in rows["person"]}
    for card in rows["health_insurance_card"]:
        parsed = parse_bhyt_code(card["code"])
        assert parsed.category == card["category_code"]
        assert (
            parsed.benefit_level
            == card["benefit_level"]
            == BHYT_CATEGORY_BY_CODE[card["category_code"]].benefit_level
        )
        assert parsed.legacy_province_code == card["province_code"]
        assert parsed.bhxh_code == card["short_code"] == bhxh[card["person_id"]]
        # A card per year, ending on 31 December unless a child's or an allowance's cover, or
        # the holder's life, ends.
        assert card["valid_from"] <= card["valid_to"] <= date(card["valid_from"].year, 12, 31)
        if (
            card["category_code"] not in ("TE", "TN")
            and card["valid_to"] != died[card["person_id"]]
        ):
            assert (card["valid_to"].month, card["valid_to"].day) == (12, 31)
        expired = card["valid_to"] < AS_OF
        assert (card["status"] == "EXPIRED") == (expired and card["status"] != "REVOKED"), card


def test_cover_before_the_kept_cards_is_recorded_on_the_first(
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    """The seed models cover from before 2018 as the officer's record on the first kept card
    (the five-year date is derived from it when read), never on a later card."""
    recorded = [c for c in rows["health_insurance_card"] if c["continuous_cover_since"]]
    assert recorded
    for c in recorded:
        assert c["valid_from"].year == CARD_FIRST_YEAR and c["status"] != "REVOKED"
        assert c["continuous_cover_since"] < date(CARD_FIRST_YEAR, 1, 1)
    assert len({c["person_id"] for c in recorded}) == len(recorded)


def test_unemployment_claims_follow_the_duration_rule(
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    for claim in rows["unemployment_benefit"]:
        assert claim["months_granted"] == rules.bhtn_months_granted(
            claim["contribution_months_counted"]
        )
        assert 0 <= claim["months_used"] <= claim["months_granted"]
        assert claim["filed_on"] <= claim["decided_on"] and claim["filed_on"] <= claim["starts_on"]


def test_households_are_consistent(rows: dict[str, list[dict[str, Any]]]) -> None:
    born = {p["id"]: p["birth_date"] for p in rows["person"]}
    members: dict[int, list[dict[str, Any]]] = {}
    for m in rows["household_member"]:
        members.setdefault(m["household_id"], []).append(m)
    for household in rows["household"]:
        group = members[household["id"]]
        heads = [m for m in group if m["relation_to_head"] == "HEAD"]
        assert len(heads) == 1 and 1 <= len(group) <= 6
        head_born = born[heads[0]["person_id"]]
        for m in group:
            if m["relation_to_head"] in ("CHILD", "GRANDCHILD"):
                assert born[m["person_id"]] > head_born
            if m["relation_to_head"] == "PARENT":
                assert born[m["person_id"]] < head_born


def test_minors_have_a_legal_representative(rows: dict[str, list[dict[str, Any]]]) -> None:
    represented = {r["person_id"] for r in rows["relative"] if r["kind"] == "LEGAL_REPRESENTATIVE"}
    minors = {p["id"] for p in rows["person"] if (AS_OF - p["birth_date"]).days < 18 * 365}
    assert minors and minors <= represented
    names = {p["id"]: p["full_name"] for p in rows["person"]}
    for r in rows["relative"]:
        if r["relative_person_id"] is not None:
            assert r["full_name"] == names[r["relative_person_id"]]


def test_shares_are_roughly_national(rows: dict[str, list[dict[str, Any]]]) -> None:
    persons = len(rows["person"])
    insured = {
        c["person_id"] for c in rows["health_insurance_card"] if c["valid_to"].year == AS_OF.year
    }
    assert 0.85 <= len(insured) / persons <= 0.99  # BHYT ~94 % (DOMAIN.md §7)
    categories = Counter(s["participant_category"] for s in rows["social_insurance"])
    participants = sum(categories[c] for c in PARTICIPATING)
    assert 0.05 <= categories["VOLUNTARY"] / participants <= 0.20  # 10–13 % of BHXH
    kinh = sum(p["ethnicity_code"] == "01" for p in rows["person"]) / persons
    assert 0.75 <= kinh <= 0.95
    vague = sum(p["birth_date_precision"] != "DAY" for p in rows["person"]) / persons
    assert 0.02 <= vague <= 0.15


def test_restricted_persons_hold_armed_forces_cards(rows: dict[str, list[dict[str, Any]]]) -> None:
    restricted = {p["id"] for p in rows["person"] if p["managing_authority"] != "FINANCE"}
    current = {
        c["person_id"]: c for c in rows["health_insurance_card"] if c["valid_to"].year == AS_OF.year
    }
    for pid in restricted:
        assert (
            current[pid]["category_code"] in ("QN", "CA", "CY")
            and current[pid]["benefit_level"] == 5
        )
    armed = {
        c["person_id"]
        for c in rows["health_insurance_card"]
        if c["category_code"] in ("QN", "CA", "CY")
    }
    assert armed <= restricted


def _columns(table: str, line: str) -> dict[str, str]:
    return dict(zip(COLUMNS[table], line.split("\t"), strict=True))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), chunk=st.integers(0, MAX_CHUNKS - 1))
def test_any_chunk_of_any_seed_is_consistent(seed: int, chunk: int) -> None:
    common.set_today(AS_OF)  # chunks built directly use the process's "today"
    _, employers = build_employers(seed, 500)
    built = build_chunk(seed, chunk, 80, employers)
    tables = {
        table: [_columns(table, line) for line in data.decode().splitlines()]
        for table, data in render(built, dict.fromkeys(NUMBERED, 1))
    }
    for p in tables["person"]:
        _identified(p, date.fromisoformat(p["birth_date"]).year)
    for card in tables["health_insurance_card"]:
        parsed = parse_bhyt_code(card["code"])
        assert parsed.bhxh_code == card["short_code"] and parsed.category == card["category_code"]
        assert parsed.benefit_level == int(card["benefit_level"])
    for claim in tables["unemployment_benefit"]:
        counted, granted = int(claim["contribution_months_counted"]), int(claim["months_granted"])
        assert (
            granted == rules.bhtn_months_granted(counted) and int(claim["months_used"]) <= granted
        )
    restricted = {p["id"] for p in tables["person"] if p["managing_authority"] != "FINANCE"}
    for card in tables["health_insurance_card"]:
        armed = card["category_code"] in ("QN", "CA", "CY")
        if card["valid_to"].startswith(str(AS_OF.year)):
            assert armed == (card["person_id"] in restricted)
        assert not armed or card["person_id"] in restricted
    for visit in tables["medical_visit"]:
        total, fund, patient = (
            int(visit[c]) for c in ("total_cost_vnd", "fund_paid_vnd", "patient_paid_vnd")
        )
        assert total == fund + patient and fund >= 0 and patient >= 0


def test_foreign_workers_have_a_passport_and_compulsory_bhxh_only() -> None:
    """Foreign workers (Law 41/2024 art. 2(2)): adults without a personal ID or relatives on the
    record, in compulsory BHXH (and the accident fund) from 12/2018 at the earliest, never in BHTN; about 0.2 % of the
    working-age adults."""
    common.set_today(AS_OF)
    _, employers = build_employers(3, 500)
    foreign: dict[str, dict[str, str]] = {}
    tables: dict[str, list[dict[str, str]]] = {}
    adults = 0
    for chunk in range(12):
        built = build_chunk(3, chunk, 1000, employers)
        for table, data in render(built, dict.fromkeys(NUMBERED, 1)):
            rows = [_columns(table, line) for line in data.decode().splitlines()]
            tables.setdefault(table, []).extend(rows)
    for p in tables["person"]:
        age = AS_OF.year - date.fromisoformat(p["birth_date"]).year
        adults += 22 <= age <= 60
        if not _identified(p, date.fromisoformat(p["birth_date"]).year):
            foreign[p["id"]] = p
    assert 0.0005 <= len(foreign) / adults <= 0.006, (len(foreign), adults)
    assert {p["nationality"] for p in foreign.values()} <= {"CN", "KR", "JP", "TW", "TH"}
    passports = [(p["nationality"], p["passport_number"]) for p in foreign.values()]
    assert len(set(passports)) == len(passports)
    assert not [r for r in tables["relative"] if r["person_id"] in foreign]
    insured = {s["person_id"] for s in tables["social_insurance"]}
    assert set(foreign) <= insured
    periods = [c for c in tables["contribution_period"] if c["person_id"] in foreign]
    # The accident fund insures them too (Decree 143/2018 art. 2); BHTN does not.
    assert {c["scheme"] for c in periods} == {"COMPULSORY_SOCIAL", "OCCUPATIONAL_ACCIDENT"}
    assert min(c["from_month"] for c in periods) >= "2018-12-01"
    # Contributed as foreign workers, as a declaration records them (migration 0016's check).
    assert {c["participant_category"] for c in periods} == {"FOREIGN_WORKER"}


def test_relatives_named_without_a_record_are_ordinary(
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    """The API shows a relative whose record the caller may not see (a ministry's, say) as one
    the record names by name and personal ID only: for that to tell nothing, such relatives must
    be common, of every kind that links to a ministry's person."""
    authority = {p["id"]: p["managing_authority"] for p in rows["person"]}
    secret = Counter(
        r["kind"]
        for r in rows["relative"]
        if r["relative_person_id"] is not None and authority[r["relative_person_id"]] != "FINANCE"
    )
    unrecorded = Counter(
        r["kind"]
        for r in rows["relative"]
        if r["relative_person_id"] is None and r["identification_number"] is not None
    )
    assert secret
    for kind, n in secret.items():
        assert unrecorded[kind] >= n, kind


def test_book_fields_are_filled(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Issue 9's columns (db/seed/book_fields.py): a cover for every book with a history, notes
    and arduous rows among the employed, state support only on voluntary rows, BHYT payers."""
    with_history = {p["person_id"] for p in rows["contribution_period"]}
    for s in rows["social_insurance"]:
        assert (s["issued_on"] is not None) == (s["person_id"] in with_history)
        assert s["issued_on"] is None or s["issued_on"] <= AS_OF
    periods = rows["contribution_period"]
    assert any(p["arduous"] for p in periods)
    assert any(p["notes"] for p in periods)
    for p in periods:
        if p["state_support_pct"] is not None:
            assert p["scheme"] == "VOLUNTARY_SOCIAL"
    payers = Counter(c["payer"] for c in rows["health_insurance_contribution"])
    assert payers["EMPLOYER"] == payers["EMPLOYEE"] > 0
    assert payers["STATE_BUDGET"] > 0
    pensions = [b for b in rows["benefit"] if b["regime"] == "RETIREMENT" and b["amount_vnd"]]
    assert all(45 <= b["pension_rate_pct"] <= 75 for b in pensions)
