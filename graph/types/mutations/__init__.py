"""The schema's mutations, one class per domain, each on the write path (graph.writes)."""

import strawberry

from graph.types.mutations.benefits import BenefitMutations
from graph.types.mutations.consent import ConsentMutations
from graph.types.mutations.contact import ContactMutations
from graph.types.mutations.declaration import DeclarationMutations
from graph.types.mutations.health_insurance import HealthInsuranceCardMutations
from graph.types.mutations.medical_visit import MedicalVisitMutations


@strawberry.type(
    description=(
        "Writes. Each takes an idempotencyKey and is made once per key; each is allowed by the"
        " write policy (graph/authz/write_policy.py) and recorded in the person's change log."
    )
)
class Mutation(
    ConsentMutations,
    ContactMutations,
    DeclarationMutations,
    HealthInsuranceCardMutations,
    MedicalVisitMutations,
    BenefitMutations,
):
    pass
