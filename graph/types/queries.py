"""The root query fields (DESIGN.md, "Interface contract")."""

from datetime import date
from typing import Annotated

import strawberry

from db.enums import Sex
from db.queries import person as person_queries
from graph import validation
from graph.arguments import After, First
from graph.authz.policy import list_scope
from graph.authz.principal import Role
from graph.context import Info
from graph.errors import BadUserInput, Forbidden, NotFound
from graph.loaders import prime_social_insurance
from graph.pagination import Connection, connection, page_params, selects
from graph.types.employer import Employer
from graph.types.health_insurance import HealthInsuranceCard, find_card
from graph.types.household import Household
from graph.types.person import Person


@strawberry.input(description="Filters of the persons list; all optional, combined with AND.")
class PersonFilter:
    residence_province_code: str | None = strawberry.field(
        default=None, description="Mã tỉnh thường trú — 2-digit province code of residence."
    )
    sex: Sex | None = strawberry.field(default=None, description="Giới tính — sex.")
    born_from: date | None = strawberry.field(
        default=None, description="Born on or after this date."
    )
    born_to: date | None = strawberry.field(
        default=None, description="Born on or before this date."
    )


@strawberry.type
class Query:
    @strawberry.federation.field(
        authenticated=True,
        description="The caller's own e-book (sổ BHXH điện tử của tôi); citizens only.",
    )
    async def me(self, info: Info) -> Person | None:
        principal = info.context.require_principal()
        if principal.role is not Role.CITIZEN:
            raise Forbidden("`me` answers for citizens; use person(identificationNumber:)")
        row = await info.context.loaders.citizen(principal.subject)
        if (person := await Person.admit(info, row)) is None:
            raise NotFound("no insurance record for the caller's personal ID")
        return person

    @strawberry.federation.field(
        authenticated=True,
        description=(
            "A person's e-book by personal ID (số định danh cá nhân) or by BHXH code (mã số"
            " BHXH): give exactly one. A foreign worker known by passport only has just the"
            " BHXH code."
        ),
    )
    async def person(
        self,
        info: Info,
        identification_number: Annotated[
            str | None,
            strawberry.argument(description="Số định danh cá nhân — the 12-digit personal ID."),
        ] = None,
        bhxh_code: Annotated[
            str | None,
            strawberry.argument(description="Mã số BHXH — the 10-digit social insurance code."),
        ] = None,
    ) -> Person | None:
        info.context.require_principal()
        if (identification_number is None) == (bhxh_code is None):
            raise BadUserInput(
                "identificationNumber", "give exactly one of identificationNumber and bhxhCode"
            )
        if identification_number is not None:
            key, argument = validation.personal_id(identification_number), "identificationNumber"
        else:
            assert bhxh_code is not None
            key, argument = validation.bhxh_code(bhxh_code), "bhxhCode"
        row = await info.context.loaders.person_by_key.load(key)
        if (person := await Person.admit(info, row)) is None:
            raise NotFound(f"no person with this {argument}")
        return person

    @strawberry.federation.field(
        authenticated=True,
        description="Persons the caller may list (insurance officers, ministries), by record.",
    )
    async def persons(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        filter: Annotated[
            PersonFilter | None, strawberry.argument(description="Bộ lọc — optional filters.")
        ] = None,
    ) -> Connection[Person]:
        principal = info.context.require_principal()
        if principal.role not in (Role.OFFICER, Role.MINISTRY):
            raise Forbidden("listing persons needs an insurance officer or ministry token")
        scope = list_scope(principal)
        if scope.nobody:
            raise Forbidden("this token reads no person's data, so it lists nobody")
        page = page_params(first, after, int)
        f = filter or PersonFilter()
        if f.born_from and f.born_to and f.born_from > f.born_to:
            raise BadUserInput("filter.bornFrom", "must not be after filter.bornTo")
        filters = person_queries.person_filter_params(
            person_queries.list_params(
                scope.authorities, scope.employed_authorities, scope.employer
            ),
            province=f.residence_province_code,
            sex=f.sex.value if f.sex else None,
            born_from=f.born_from,
            born_to=f.born_to,
        )
        reader = info.context.reader
        rows, records = await person_queries.persons_page(
            reader, filters, limit=page.limit, after_id=page.after_id
        )
        prime_social_insurance(info.context.loaders.social_insurance, records)
        # Counting a million records is the expensive part: only when the caller asks for it.
        asked = selects(info, "totalCount")
        total = await person_queries.persons_count(reader, filters) if asked else 0
        people = await Person.admit_listed(info, rows)
        result = connection(rows, first, "id", lambda r: people[r["id"]])
        result.total_count = total  # the page's rows carry no total: it came from its own count
        return result

    @strawberry.federation.field(
        authenticated=True, description="An employer by tax code (mã số thuế)."
    )
    async def employer(
        self,
        info: Info,
        tax_code: Annotated[
            str, strawberry.argument(description="Mã số thuế — the employer's tax code.")
        ],
    ) -> Employer | None:
        info.context.require_principal()
        key = validation.tax_code(tax_code)
        row = await info.context.loaders.employer_by_tax_code.load(key)
        if row is None:
            raise NotFound("no employer with this taxCode")
        return Employer.from_row(row)

    @strawberry.federation.field(authenticated=True, description="A household by ID (hộ gia đình).")
    async def household(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Mã hộ — the household ID.")],
    ) -> Household | None:
        info.context.require_principal()
        validation.household_id(str(id))
        if (household := await Household.find(info, str(id))) is None:
            raise NotFound("no household with this id")
        return household

    @strawberry.federation.field(
        authenticated=True,
        description="A BHYT card by its 15-character or 10-digit code (mã thẻ BHYT); the latest issue.",
    )
    async def health_insurance_card(
        self,
        info: Info,
        code: Annotated[
            str,
            strawberry.argument(
                description="Mã thẻ — the 15-character card code or the 10-digit code (mã số BHXH)."
            ),
        ],
    ) -> HealthInsuranceCard | None:
        info.context.require_principal()
        key = validation.bhyt_code(code)
        if (card := await find_card(info, key)) is None:
            raise NotFound("no card with this code")
        return card
