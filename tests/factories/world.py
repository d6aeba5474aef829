"""A small population with a person of every kind the access rules tell apart, for tests that
ask every question of everyone (the differential test): books managed by each ministry, the
relations that grant or hide access, consents in every state, and access-log history."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg

from db.enums import HouseholdRelation, ManagingAuthority, RelativeKind, Sex
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.factories.book import Book, book
from tests.factories.consent import consent
from tests.factories.person import insert

Row = dict[str, Any]


@dataclass
class World:
    finance: Book
    """A Finance-managed full book, ongoing at `current_employer`; its household holds a
    Defence-managed member; its relatives: a spouse with a record, a father named only, a mother
    named by an unrecorded ID and a Defence-managed sibling-in-law as legal representative."""
    defence: Book
    public_security: Book
    empty: Row
    """A person with no insurance record of any kind."""
    child: Book
    representative: Row
    """The child's legal representative (a citizen with a book of their own: none)."""
    stranger: Row
    current_employer: Row
    former_employer: Row
    employees: list[Row]
    """Current employees of `current_employer` besides the finance book's holder."""
    consents: dict[str, Row]
    """The finance holder's consents by state: active (BNV), revoked (BYT), expired (NHCSXH)."""
    other_facility: Row

    @property
    def people(self) -> list[Row]:
        """Everyone whose personal ID a test may ask for."""
        return [
            self.finance.person,
            self.defence.person,
            self.public_security.person,
            self.empty,
            self.child.person,
            self.representative,
            self.stranger,
            *self.employees,
        ]


def world(conn: psycopg.Connection) -> World:
    finance = book(conn, periods=14, cards=3, visits=4, benefits=3, claims=2, ongoing=True)
    # Period i went to employers[i % 2]: the last (ongoing) one to employers[1].
    current, former = finance.employers[1], finance.employers[0]
    secret_member = persons.person(
        conn, full_name="Phạm Văn Quân", sex=Sex.MALE, authority=ManagingAuthority.DEFENCE
    )
    insert(
        conn,
        "household_member",
        {
            "person_id": secret_member["id"],
            "household_id": finance.household_id,
            "relation_to_head": HouseholdRelation.SIBLING,
        },
    )
    holder = finance.person
    persons.relative(
        conn,
        holder,
        RelativeKind.MOTHER,
        full_name="Lê Thị Hoa",
        identification_number=persons.unrecorded_id(Sex.FEMALE, 1960),
    )
    persons.relative(conn, holder, RelativeKind.LEGAL_REPRESENTATIVE, linked=secret_member)

    defence = book(conn, authority=ManagingAuthority.DEFENCE, full_name="Đỗ Văn Hải")
    public_security = book(
        conn, authority=ManagingAuthority.PUBLIC_SECURITY, full_name="Vũ Thị Mai"
    )
    empty = persons.person(conn, full_name="Hoàng Văn Nam", sex=Sex.MALE)

    child = book(
        conn,
        periods=0,
        cards=1,
        visits=1,
        benefits=0,
        claims=0,
        full_name="Nguyễn Minh An",
        birth_date=date(2016, 9, 2),
    )
    representative = persons.person(
        conn, full_name="Nguyễn Văn Ba", sex=Sex.MALE, birth_date=date(1980, 1, 1)
    )
    persons.relative(conn, child.person, RelativeKind.LEGAL_REPRESENTATIVE, linked=representative)
    stranger = persons.person(
        conn, full_name="Lê Văn Tư", sex=Sex.MALE, birth_date=date(1970, 1, 1)
    )

    staff = []
    for name, ongoing in (("Trần Thị Thu", True), ("Bùi Văn Long", True), ("Đặng Thị Hà", False)):
        employee = persons.person(conn, full_name=name)
        employers.employment(conn, employee, current, current=ongoing)
        if ongoing:
            staff.append(employee)

    consents = {
        "active": consent(conn, holder, "BNV", ("IDENTITY", "SOCIAL_INSURANCE", "MEDICAL")),
        "revoked": consent(conn, holder, "BYT", ("HEALTH_INSURANCE",), revoked=True),
        "expired": consent(conn, holder, "NHCSXH", ("IDENTITY",), expired=True),
    }
    _history(conn, holder, current)
    return World(
        finance=finance,
        defence=defence,
        public_security=public_security,
        empty=empty,
        child=child,
        representative=representative,
        stranger=stranger,
        current_employer=current,
        former_employer=former,
        employees=staff,
        consents=consents,
        other_facility=reference.facility(conn),
    )


def _history(conn: psycopg.Connection, person: Row, employer: Row) -> None:
    """Reads of `person` recorded before the test, at fixed times, so that the person's and the
    auditor's view of the log has pages to turn."""
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for i in range(7):
        insert(
            conn,
            "access_log",
            {
                "person_id": person["id"],
                "at": start + timedelta(days=i),
                "request_id": f"seeded-{i}",
                "operation_name": "Roster" if i % 2 else None,
                "actor_role": "EMPLOYER" if i % 2 else "OFFICER",
                "actor_subject": "hr-1" if i % 2 else "officer-1",
                "actor_org": employer["tax_code"] if i % 2 else None,
                "data_groups": ["IDENTITY", "SOCIAL_INSURANCE"][: 1 + i % 2],
                "grounds": ["employment"] if i % 2 else ["scope"],
            },
        )
