"""`_entities` representations, checked one by one before any is resolved.

A representation is `{"__typename": <entity>, <key>: <string>}` and nothing else: the gateway
sends exactly the fields of one `@key` of this subgraph's entities (a Person by
`identificationNumber` or by `bhxhCode`, never both). Each one that is not — not an
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

ENTITY_KEYS: Final[Mapping[str, Mapping[str, Validator]]] = {
    "Person": {"identificationNumber": validation.personal_id, "bhxhCode": validation.bhxh_code},
    "Employer": {"taxCode": validation.tax_code},
    "Household": {"id": validation.household_id},
    "HealthInsuranceCard": {"code": validation.bhyt_code},
}
"""Each entity's key fields, one per @key, and the check of each one's format (a test ties this
to the schema's @key directives)."""


def checked(index: int, representation: Any) -> dict[str, str] | BadUserInput:
    """The representation with its key in canonical form, or the error that names the fault."""
    where = f"representations[{index}]"
    if not isinstance(representation, dict):
        return BadUserInput(where, "must be an object with __typename and the entity's key")
    typename = representation.get("__typename")
    if not isinstance(typename, str) or typename not in ENTITY_KEYS:
        names = ", ".join(ENTITY_KEYS)
        return BadUserInput(f"{where}.__typename", f"must name an entity of this subgraph: {names}")
    keys = ENTITY_KEYS[typename]
    names = " or ".join(keys)
    for extra in sorted(representation.keys() - {"__typename", *keys}):
        return BadUserInput(f"{where}.{extra}", f"is not a key of {typename} ({names})")
    given = [k for k in keys if k in representation]
    if len(given) > 1:
        return BadUserInput(f"{where}.{given[1]}", f"give one key of {typename}, not {names}")
    if not given and len(keys) > 1:
        return BadUserInput(where, f"needs one key of {typename}: {names}")
    key = given[0] if given else next(iter(keys))
    value = representation.get(key)
    if value is None:
        return BadUserInput(f"{where}.{key}", f"is required for {typename}")
    validate = keys[key]
    if not isinstance(value, str):
        return BadUserInput(f"{where}.{key}", "must be a string")
    try:
        return {"__typename": typename, key: str(validate(value, f"{where}.{key}"))}
    except BadUserInput as error:
        return error
