"""The database's closed vocabularies exposed as GraphQL enums (values are the stored text),
each value described with its Vietnamese legal term."""

from enum import Enum

import strawberry

from db import enums
from graph.authz.policy import DataGroup
from graph.authz.principal import Role


def _register(enum: type[Enum], description: str, values: dict[str, str]) -> None:
    strawberry.enum(enum, description=description)
    missing = {m.name for m in enum} - set(values)
    if missing:  # every value is described: the published schema promises it
        raise ValueError(f"{enum.__name__}: no description for {sorted(missing)}")
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values[value.name]


_register(enums.Sex, "Giới tính — sex.", {"MALE": "Nam — male.", "FEMALE": "Nữ — female."})
_register(
    enums.DatePrecision,
    "How much of a date is known (many old records hold only the year).",
    {
        "DAY": "Ngày, tháng, năm — the full date.",
        "MONTH": "Tháng, năm — month and year only.",
        "YEAR": "Năm — the year only.",
    },
)
_register(
    enums.ManagingAuthority,
    "Cơ quan quản lý — the ministry that keeps the person's insurance book.",
    {
        "FINANCE": "Bộ Tài chính (BHXH Việt Nam) — the Ministry of Finance's social insurance.",
        "DEFENCE": "Bộ Quốc phòng — the Ministry of Defence (state secret).",
        "PUBLIC_SECURITY": "Bộ Công an — the Ministry of Public Security (state secret).",
    },
)
_register(
    enums.RelativeKind,
    "Quan hệ — father, mother, spouse or legal representative.",
    {
        "FATHER": "Cha — father.",
        "MOTHER": "Mẹ — mother.",
        "SPOUSE": "Vợ/chồng — spouse.",
        "LEGAL_REPRESENTATIVE": "Người đại diện theo pháp luật — legal representative.",
    },
)
_register(
    enums.HouseholdRelation,
    "Quan hệ với chủ hộ — relationship to the household head.",
    {
        "HEAD": "Chủ hộ — head of household.",
        "SPOUSE": "Vợ/chồng — spouse of the head.",
        "CHILD": "Con — child.",
        "PARENT": "Cha/mẹ — parent.",
        "GRANDCHILD": "Cháu — grandchild.",
        "SIBLING": "Anh/chị/em — sibling.",
        "OTHER": "Khác — other.",
    },
)
_register(
    enums.EnterpriseType,
    "Loại hình doanh nghiệp — the employer's legal form.",
    {
        "PRIVATE_ENTERPRISE": "Doanh nghiệp tư nhân — sole proprietorship.",
        "LIMITED_COMPANY": "Công ty TNHH — limited liability company.",
        "JOINT_STOCK_COMPANY": "Công ty cổ phần — joint-stock company.",
        "STATE_OWNED": "Doanh nghiệp nhà nước — state-owned enterprise.",
        "FOREIGN_INVESTED": "Doanh nghiệp FDI — foreign-invested enterprise.",
        "COOPERATIVE": "Hợp tác xã — cooperative.",
        "STATE_AGENCY": "Cơ quan nhà nước — state agency.",
        "PUBLIC_SERVICE_UNIT": "Đơn vị sự nghiệp công lập — public service unit.",
        "HOUSEHOLD_BUSINESS": "Hộ kinh doanh — household business.",
    },
)
_register(
    enums.ParticipantCategory,
    "Đối tượng tham gia BHXH — participant category.",
    {
        "EMPLOYEE": "Người lao động — employee under a labour contract.",
        "CIVIL_SERVANT": "Cán bộ, công chức, viên chức — civil servant.",
        "MANAGER": "Người quản lý doanh nghiệp — enterprise manager.",
        "FOREIGN_WORKER": "Người lao động nước ngoài — foreign worker.",
        "VOLUNTARY": "Người tham gia BHXH tự nguyện — voluntary participant.",
        "PENSIONER": "Người hưởng lương hưu — pensioner.",
        "NOT_PARTICIPATING": "Không tham gia — holds a code but does not contribute now.",
        "ARMED_FORCES_OFFICER": "Sĩ quan quân đội nhân dân — army officer (Law 41/2024 art. 2(1)(đ)).",
        "PROFESSIONAL_SOLDIER": (
            "Quân nhân chuyên nghiệp — professional soldier (Law 41/2024 art. 2(1)(đ))."
        ),
        "POLICE_OFFICER": (
            "Sĩ quan, hạ sĩ quan công an nhân dân — police officer or NCO (Law 41/2024 art."
            " 2(1)(đ))."
        ),
        "CIPHER_STAFF": (
            "Người làm công tác cơ yếu — cipher staff paid as soldiers (Law 41/2024 art. 2(1)(đ))."
        ),
        "CONSCRIPT": (
            "Hạ sĩ quan, chiến sĩ phục vụ có thời hạn; học viên — conscript soldier or police,"
            " or a cadet on an allowance (Law 41/2024 art. 2(1)(e)): the state pays on the base"
            " salary."
        ),
    },
)
_register(
    enums.PaymentMethod,
    "Phương thức đóng — how often contributions are paid.",
    {
        "MONTHLY": "Hằng tháng — monthly.",
        "QUARTERLY": "03 tháng một lần — every 3 months.",
        "SEMI_ANNUAL": "06 tháng một lần — every 6 months.",
        "ANNUAL": "12 tháng một lần — every 12 months.",
        "LUMP_SUM_FUTURE": "Đóng một lần cho những năm còn lại — lump sum for future years.",
        "LUMP_SUM_MISSING": "Đóng một lần cho thời gian còn thiếu — lump sum for missing months.",
    },
)
_register(
    enums.Scheme,
    "Chế độ đóng — compulsory or voluntary BHXH, BHTN, or the occupational accident fund.",
    {
        "COMPULSORY_SOCIAL": "BHXH bắt buộc — compulsory social insurance.",
        "VOLUNTARY_SOCIAL": "BHXH tự nguyện — voluntary social insurance.",
        "UNEMPLOYMENT": "Bảo hiểm thất nghiệp (BHTN) — unemployment insurance.",
        "OCCUPATIONAL_ACCIDENT": "Quỹ TNLĐ-BNN — occupational accident and disease fund.",
    },
)
_register(
    enums.ContributionNote,
    "Ghi chú — what the book notes on a history row.",
    {
        "BACK_PAYMENT": "Truy đóng — paid afterwards for months already past.",
        "MATERNITY": (
            "Nghỉ thai sản — maternity leave: months with 14 or more working days of it count"
            " as contribution time, with nothing paid (Law 58/2014 art. 39(2))."
        ),
        "PAID_LATE": "Chậm đóng — paid after the deadline (interest due, Law 41/2024 art. 40).",
    },
)
_register(
    enums.HealthInsurancePayer,
    "Người đóng BHYT — who pays a BHYT contribution (Law on Health Insurance art. 12–13).",
    {
        "EMPLOYER": "Người sử dụng lao động — the employer (2/3 of an employee's 4.5 %).",
        "EMPLOYEE": "Người lao động — the employee (1/3 of the 4.5 %).",
        "SOCIAL_INSURANCE_FUND": "Quỹ BHXH — the social insurance fund (pensioners, benefits).",
        "UNEMPLOYMENT_FUND": "Quỹ BHTN — the unemployment fund (while on the allowance).",
        "STATE_BUDGET": "Ngân sách nhà nước — the state budget (children, the poor, merit…).",
        "HOUSEHOLD": "Hộ gia đình — the household (household-based cover).",
        "SELF": "Người tham gia tự đóng — the participant (students' own share, for example).",
    },
)
_register(
    enums.BenefitRegime,
    "Chế độ hưởng — benefit regime.",
    {
        "SICKNESS": "Ốm đau — sickness.",
        "MATERNITY": "Thai sản — maternity.",
        "RETIREMENT": "Hưu trí — retirement pension.",
        "SURVIVORSHIP": "Tử tuất — survivorship.",
        "OCCUPATIONAL_ACCIDENT": "Tai nạn lao động, bệnh nghề nghiệp — occupational accident.",
        "LUMP_SUM_WITHDRAWAL": "BHXH một lần — lump-sum withdrawal.",
        "SOCIAL_PENSION": "Trợ cấp hưu trí xã hội — social pension allowance.",
    },
)
_register(
    enums.LumpSumReason,
    "Lý do hưởng BHXH một lần — why a lump sum is paid (Law 41/2024 art. 70(1)).",
    {
        "REACHED_RETIREMENT_AGE": (
            "Đủ tuổi nghỉ hưu mà chưa đủ 15 năm đóng — retirement age reached without the 15"
            " years a pension needs (checked against the book)."
        ),
        "EMIGRATION": "Ra nước ngoài để định cư — emigrating (on the officer's documents).",
        "SERIOUS_ILLNESS": (
            "Mắc bệnh nguy hiểm đến tính mạng — a life-threatening illness (on the officer's"
            " documents)."
        ),
        "ARMED_FORCES_DISCHARGE": (
            "Phục viên, xuất ngũ, thôi việc không đủ điều kiện hưởng lương hưu — left the armed"
            " forces without a pension (on the officer's documents)."
        ),
        "TWELVE_MONTHS_OUT": (
            "Sau 12 tháng không tham gia BHXH — contributed before 1/7/2025, then 12 months"
            " without compulsory or voluntary insurance, fewer than 20 years in all (checked"
            " against the book)."
        ),
    },
)
_register(
    enums.CardStatus,
    "Trạng thái thẻ BHYT — card status.",
    {
        "ACTIVE": "Còn hiệu lực — in force.",
        "REVOKED": "Bị thu hồi — revoked.",
        "TEMPORARILY_LOCKED": "Tạm khóa — temporarily locked.",
        "EXPIRED": "Hết hạn — expired.",
    },
)
_register(
    enums.VisitType,
    "Hình thức KCB — outpatient (ngoại trú) or inpatient (nội trú).",
    {"OUTPATIENT": "Ngoại trú — outpatient.", "INPATIENT": "Nội trú — inpatient."},
)
_register(
    DataGroup,
    "Nhóm dữ liệu — the decree's groups of a person's data, and the person's own records.",
    {
        "IDENTITY": "Thông tin định danh — names, birth, sex, IDs, ethnicity, residence.",
        "RELATIVES": "Thân nhân — father, mother, spouse, legal representative.",
        "CONTACT": "Thông tin liên hệ — phone, email, contact address.",
        "HOUSEHOLD": "Hộ gia đình — household and members.",
        "SOCIAL_INSURANCE": "Bảo hiểm xã hội — BHXH record, contributions, benefits.",
        "HEALTH_INSURANCE": "Bảo hiểm y tế — BHYT cards.",
        "MEDICAL": "Dữ liệu khám chữa bệnh — medical examination records.",
        "UNEMPLOYMENT_INSURANCE": "Bảo hiểm thất nghiệp — BHTN contributions and decisions.",
        "CONSENTS": "Sự đồng ý — the person's consents (never shareable).",
        "ACCESS_LOG": "Nhật ký truy cập — who read the person's data (never shareable).",
        "CHANGE_LOG": "Nhật ký thay đổi — who changed the person's records (never shareable).",
    },
)
_register(
    Role,
    "Vai trò — who a token speaks for.",
    {
        "CITIZEN": "Công dân — a person (or their legal representative).",
        "EMPLOYER": "Đơn vị sử dụng lao động — an employer.",
        "HEALTH_FACILITY": "Cơ sở khám chữa bệnh — a healthcare facility.",
        "OFFICER": "Cán bộ BHXH — an insurance officer.",
        "PARTNER_AGENCY": "Cơ quan khai thác dữ liệu — a partner agency (with consent).",
        "MINISTRY": "Bộ Quốc phòng / Bộ Công an — a ministry keeping its own books.",
        "AUDITOR": "Kiểm toán — an auditor of access.",
    },
)
