"""The database's closed vocabularies exposed as GraphQL enums (values are the stored text)."""

import strawberry

from db import enums
from graph.authz.policy import DataGroup as _DataGroup
from graph.authz.principal import Role as _Role

Sex = strawberry.enum(enums.Sex, description="Giới tính — sex.")
DatePrecision = strawberry.enum(
    enums.DatePrecision,
    description="How much of a date is known (many old records hold only the year).",
)
ManagingAuthority = strawberry.enum(
    enums.ManagingAuthority,
    description="Cơ quan quản lý — the ministry that keeps the person's insurance book.",
)
RelativeKind = strawberry.enum(
    enums.RelativeKind, description="Quan hệ — father, mother, spouse or legal representative."
)
HouseholdRelation = strawberry.enum(
    enums.HouseholdRelation, description="Quan hệ với chủ hộ — relationship to the household head."
)
EnterpriseType = strawberry.enum(
    enums.EnterpriseType, description="Loại hình doanh nghiệp — the employer's legal form."
)
ParticipantCategory = strawberry.enum(
    enums.ParticipantCategory, description="Đối tượng tham gia BHXH — participant category."
)
PaymentMethod = strawberry.enum(
    enums.PaymentMethod, description="Phương thức đóng — how often contributions are paid."
)
Scheme = strawberry.enum(
    enums.Scheme,
    description="Chế độ đóng — compulsory or voluntary BHXH, BHTN, or the occupational accident fund.",
)
BenefitRegime = strawberry.enum(enums.BenefitRegime, description="Chế độ hưởng — benefit regime.")
CardStatus = strawberry.enum(enums.CardStatus, description="Trạng thái thẻ BHYT — card status.")
VisitType = strawberry.enum(
    enums.VisitType, description="Hình thức KCB — outpatient (ngoại trú) or inpatient (nội trú)."
)
DataGroup = strawberry.enum(
    _DataGroup, description="Nhóm dữ liệu — the decree's groups of a person's data."
)
Role = strawberry.enum(
    _Role, description="Vai trò — who a token speaks for (citizen, employer, officer, agency…)."
)
