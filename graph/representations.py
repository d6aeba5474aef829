"""`_entities` representations, checked one by one before any is resolved.

A representation is `{"__typename": <entity>, <key>: <string>}` and nothing else: the gateway
sends exactly the `@key` fields of this subgraph's entities. Each one that is not — not an
object, no or an unknown `__typename`, a missing, extra, non-string or malformed key — becomes a
`BAD_USER_INPUT` error at its own position (`argument` names which:
`representations[3].identificationNumber`), its item null; the valid ones resolve as usual.
"""

from collections.abc import Callable, Mapping
from typing import Any, Final

from graph import validation
from graph.errors import BadUserInput

Validator = Callable[[str, str], object]
"""Returns the key in canonical form (a household id comes back as its number)."""

ENTITY_KEYS: Final[Mapping[str, tuple[str, Validator]]] = {
    "Person": ("identificationNumber", validation.personal_id),
    "Employer": ("taxCode", validation.tax_code),
    "Household": ("id", validation.household_id),
    "HealthInsuranceCard": ("code", validation.bhyt_code),
}
"""Each entity's key field and the check of its format (a test ties this to the schema's @key)."""


def checked(index: int, representation: Any) -> dict[str, str] | BadUserInput:
    """The representation with its key in canonical form, or the error that names the fault."""
    where = f"representations[{index}]"
    if not isinstance(representation, dict):
        return BadUserInput(where, "must be an object with __typename and the entity's key")
    typename = representation.get("__typename")
    if not isinstance(typename, str) or typename not in ENTITY_KEYS:
        names = ", ".join(ENTITY_KEYS)
        return BadUserInput(f"{where}.__typename", f"must name an entity of this subgraph: {names}")
    key, validate = ENTITY_KEYS[typename]
    for extra in representation.keys() - {"__typename", key}:
        return BadUserInput(f"{where}.{extra}", f"is not the key of {typename} ({key})")
    value = representation.get(key)
    if value is None:
        return BadUserInput(f"{where}.{key}", f"is required for {typename}")
    if not isinstance(value, str):
        return BadUserInput(f"{where}.{key}", "must be a string")
    try:
        return {"__typename": typename, key: str(validate(value, f"{where}.{key}"))}
    except BadUserInput as error:
        return error
