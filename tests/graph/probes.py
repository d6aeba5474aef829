"""One field per data group: reading it (non-null) means the caller read that group."""

from graph.authz.policy import BOOK

PROBES = {
    "IDENTITY": "fullName",
    "RELATIVES": "relatives { kind }",
    "CONTACT": "contact { phone }",
    "HOUSEHOLD": "household { id }",
    "SOCIAL_INSURANCE": "socialInsurance { bhxhCode }",
    "HEALTH_INSURANCE": "healthInsurance { currentCard { status } }",
    "MEDICAL": "medicalVisits { totalCount }",
    "UNEMPLOYMENT_INSURANCE": "unemploymentInsurance { contributionPeriods { totalCount } }",
    "CONSENTS": "consents { id }",
    "ACCESS_LOG": "accessLog { totalCount }",
}
EVERYTHING = set(PROBES)
BOOK_GROUPS = {g.value for g in BOOK}


def fields(groups: set[str] | None = None) -> str:
    """The probes of `groups` (default all), each aliased by its group in lower case."""
    return " ".join(f"{g.lower()}: {PROBES[g]}" for g in sorted(groups or EVERYTHING))
