"""Which rows a book holds, read from this project's response and from a peer's, and compared.

The peers serve every person; this project hides persons managed by Defence or Public Security
from anyone but themselves and their ministry (README: Who reads what). So, for an officer:
a ministry-managed person is NOT_FOUND, a relative who is one is shown with `person: null`, and
a household holding one does not exist (`household: null`). Those are the only differences the
comparison accepts, and it accepts them only where the peer's rows say the person is one.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MINISTRIES = frozenset({"DEFENCE", "PUBLIC_SECURITY"})

Json = dict[str, Any]


@dataclass(frozen=True)
class Linked:
    """A person a book points at (a relative's record, a household member)."""

    identification_number: str
    hidden: bool
    """Managed by a ministry: this project must not show the person to an officer."""


@dataclass(frozen=True)
class Household:
    code: str
    members: tuple[tuple[str, str | Linked], ...]
    """(relation to head, member): the member as an ID in this project's keys, `Linked` in a peer's.
    Compared in ID order: this project lists the head first, the peer in key order."""


@dataclass(frozen=True)
class BookKeys:
    """The row keys of one book: enough to tell whether two servers read the same rows."""

    identification_number: str
    managing_authority: str | None
    relatives: tuple[tuple[str, str, str | Linked | None], ...]
    household: Household | None
    bhxh_code: str | None
    periods: tuple[tuple[str, str, str | None], ...]
    periods_total: int
    benefits: tuple[str, ...]
    benefits_total: int
    cards: tuple[tuple[str, str], ...]
    cards_total: int
    visits: tuple[str, ...]
    visits_total: int
    unemployment_decisions: tuple[str, ...]
    unemployment_periods: tuple[tuple[str, str | None], ...]
    unemployment_periods_total: int


def _month(value: str | None) -> str | None:
    return value[:7] if value else None


def _instant(value: str) -> str:
    """Timestamps compared as instants: the servers format offsets and fractions differently."""
    return datetime.fromisoformat(value).astimezone(UTC).isoformat()


def _by_id(members: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(members, key=lambda m: m[1]))


def _nodes(connection: Json | None) -> list[Json]:
    if not connection:
        return []
    if "nodes" in connection:
        return list(connection["nodes"])
    return [edge["node"] for edge in connection["edges"]]


def _total(connection: Json | None) -> int:
    return int(connection["totalCount"]) if connection else 0


def ours(book: Json) -> BookKeys:
    """Keys of a book as this project answers the e-book fragment."""
    social = book.get("socialInsurance") or {}
    health = book.get("healthInsurance") or {}
    unemployment = book.get("unemploymentInsurance") or {}
    household = book.get("household")
    periods = social.get("contributionPeriods")
    benefits = social.get("benefits")
    cards = health.get("cards")
    visits = book.get("medicalVisits")
    ui_periods = unemployment.get("contributionPeriods")
    return BookKeys(
        identification_number=book["identificationNumber"],
        managing_authority=book.get("managingAuthority"),
        relatives=tuple(
            (r["kind"], r["fullName"], (r["person"] or {}).get("identificationNumber"))
            for r in book.get("relatives") or []
        ),
        household=Household(
            code=household["householdCode"],
            members=_by_id(
                (m["relationToHead"], m["person"]["identificationNumber"])
                for m in household["members"]
            ),
        )
        if household
        else None,
        bhxh_code=social.get("bhxhCode"),
        periods=tuple((p["scheme"], p["fromMonth"], _month(p["toMonth"])) for p in _nodes(periods)),
        periods_total=_total(periods),
        benefits=tuple(b["decisionNumber"] for b in _nodes(benefits)),
        benefits_total=_total(benefits),
        cards=tuple((c["code"], c["validFrom"]) for c in _nodes(cards)),
        cards_total=_total(cards),
        visits=tuple(_instant(v["admittedAt"]) for v in _nodes(visits)),
        visits_total=_total(visits),
        unemployment_decisions=tuple(
            d["decisionNumber"] for d in unemployment.get("decisions") or []
        ),
        unemployment_periods=tuple(
            (p["fromMonth"], _month(p["toMonth"])) for p in _nodes(ui_periods)
        ),
        unemployment_periods_total=_total(ui_periods),
    )


def _linked(person: Json | None) -> Linked | None:
    if person is None:
        return None
    return Linked(person["identificationNumber"], person["managingAuthority"] in MINISTRIES)


def peer(book: Json) -> BookKeys:
    """Keys of a book as a peer answers bench/peers/queries/ebook.v*.graphql (v4 and v5 alike)."""
    membership = book.get("householdMemberByPersonId")
    household = membership["householdByHouseholdId"] if membership else None
    social = book.get("socialInsuranceByPersonId") or {}
    periods = book.get("contributionPeriodsByPersonId")
    benefits = book.get("benefitsByPersonId")
    cards = book.get("healthInsuranceCardsByPersonId")
    visits = book.get("medicalVisitsByPersonId")
    ui_periods = book.get("unemploymentPeriods")
    members: list[tuple[str, str | Linked]] = []
    for m in _nodes(household["householdMembersByHouseholdId"]) if household else []:
        member = _linked(m["personByPersonId"])
        assert member is not None, "a household member always has a person row"
        members.append((m["relationToHead"], member))
    return BookKeys(
        identification_number=book["identificationNumber"],
        managing_authority=book["managingAuthority"],
        relatives=tuple(
            (r["kind"], r["fullName"], _linked(r["personByRelativePersonId"]))
            for r in _nodes(book.get("relativesByPersonId"))
        ),
        household=Household(code=household["householdCode"], members=tuple(members))
        if household
        else None,
        bhxh_code=social.get("bhxhCode"),
        periods=tuple(
            (p["scheme"], _month(p["fromMonth"]) or "", _month(p["toMonth"]))
            for p in _nodes(periods)
        ),
        periods_total=_total(periods),
        benefits=tuple(b["decisionNumber"] for b in _nodes(benefits)),
        benefits_total=_total(benefits),
        cards=tuple((c["code"], c["validFrom"]) for c in _nodes(cards)),
        cards_total=_total(cards),
        visits=tuple(_instant(v["admittedAt"]) for v in _nodes(visits)),
        visits_total=_total(visits),
        unemployment_decisions=tuple(
            d["decisionNumber"] for d in _nodes(book.get("unemploymentBenefitsByPersonId"))
        ),
        unemployment_periods=tuple(
            (_month(p["fromMonth"]) or "", _month(p["toMonth"])) for p in _nodes(ui_periods)
        ),
        unemployment_periods_total=_total(ui_periods),
    )


@dataclass
class Comparison:
    """The outcome for a sample: differences fail the benchmark before anything is timed."""

    compared: int = 0
    hidden_persons: list[str] = field(default_factory=list)
    hidden_links: int = 0
    """Relatives and households this project hid by the ministry rule, as it must."""
    differences: list[str] = field(default_factory=list)


def _as_officer_sees(keys: BookKeys, comparison: Comparison) -> BookKeys:
    """A peer's keys with what this project must hide from an officer hidden."""
    relatives = []
    for kind, name, linked in keys.relatives:
        assert not isinstance(linked, str)
        if linked is not None and linked.hidden:
            comparison.hidden_links += 1
        relatives.append(
            (kind, name, None if linked is None or linked.hidden else linked.identification_number)
        )
    household = keys.household
    if household is not None:
        members = [(relation, m) for relation, m in household.members if isinstance(m, Linked)]
        if any(m.hidden for _, m in members):
            comparison.hidden_links += 1
            household = None
        else:
            household = Household(
                household.code,
                _by_id((r, m.identification_number) for r, m in members),
            )
    return BookKeys(
        **{
            **keys.__dict__,
            "relatives": tuple(relatives),
            "household": household,
            "managing_authority": None,
        }
    )


def compare(
    persons: list[str],
    ours_books: Mapping[str, Json | None],
    peer_books: Mapping[str, Json | None],
) -> Comparison:
    """Row keys of this project's officer answers against a peer's, person by person. A person
    missing from ours must be ministry-managed in the peer's rows; one ours shows must not be."""
    comparison = Comparison()
    for person in persons:
        comparison.compared += 1
        mine, theirs = ours_books.get(person), peer_books.get(person)
        if theirs is None:
            comparison.differences.append(f"{person}: the peer has no such person")
            continue
        hidden = theirs["managingAuthority"] in MINISTRIES
        if mine is None:
            if hidden:
                comparison.hidden_persons.append(person)
            else:
                comparison.differences.append(f"{person}: this project hides a person it may show")
            continue
        if hidden:
            comparison.differences.append(f"{person}: this project shows a ministry-managed person")
            continue
        expected = _as_officer_sees(peer(theirs), comparison)
        got = BookKeys(**{**ours(mine).__dict__, "managing_authority": None})
        for name in expected.__dataclass_fields__:
            if getattr(expected, name) != getattr(got, name):
                comparison.differences.append(
                    f"{person}: {name} differs: ours {getattr(got, name)!r}"
                    f" peer {getattr(expected, name)!r}"
                )
    return comparison


def same_response(v4: Json, v5: Json) -> list[str]:
    """Where two peers' whole responses differ, once what is theirs to differ in is set aside:
    v5 names the key column `rowId`, cursors are opaque, and timestamps are compared as instants."""
    differences: list[str] = []
    _diff(_normal(v4), _normal(v5), "", differences)
    return differences


_OPAQUE = frozenset({"cursor", "endCursor"})


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            ("id" if k == "rowId" else k): ((v is not None) if k in _OPAQUE else _normal(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[10:11] == "T":
        try:
            return _instant(value)
        except ValueError:
            return value
    return value


def _diff(a: Any, b: Any, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            _diff(a.get(key), b.get(key), f"{path}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path or '.'}: {a!r} != {b!r}")
