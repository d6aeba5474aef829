"""Lines of business: what employers are called, what they register (VSIC lines) and which jobs
their workers hold, with a pay level relative to the regional minimum wage."""

from dataclasses import dataclass

from db.seed.common import cumulative
from db.seed.copy import check_clean


@dataclass(frozen=True, slots=True)
class Sector:
    word: str  # goes into the employer's name: "Công ty TNHH May mặc Hưng Thịnh"
    lines: tuple[str, ...]
    jobs: tuple[str, ...]  # the first ones are the most common
    pay: float
    weight: float
    manual: bool  # factory and site work: accidents, and many leave formal work after forty
    job_cum: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        # Job frequencies fall off geometrically: many workers, few supervisors.
        object.__setattr__(
            self, "job_cum", tuple(cumulative([0.6**i for i in range(len(self.jobs))]))
        )


BUSINESS: tuple[Sector, ...] = (
    Sector(
        "May mặc",
        ("May trang phục (trừ trang phục từ da lông thú)", "Sản xuất sợi", "Hoàn thiện sản phẩm dệt"),
        ("Công nhân may", "Công nhân cắt", "Nhân viên kiểm hàng", "Tổ trưởng chuyền may", "Kỹ thuật viên may mẫu", "Nhân viên kế toán", "Quản đốc phân xưởng"),
        1.05, 12, True,
    ),
    Sector(
        "Điện tử",
        ("Sản xuất linh kiện điện tử", "Sản xuất sản phẩm điện tử dân dụng", "Sản xuất thiết bị truyền thông"),
        ("Công nhân lắp ráp", "Công nhân vận hành máy", "Kỹ thuật viên bảo trì", "Kỹ sư điện tử", "Nhân viên kho", "Trưởng ca sản xuất"),
        1.25, 7, True,
    ),
    Sector(
        "Da giày",
        ("Sản xuất giày dép", "Sản xuất vali, túi xách và các loại tương tự"),
        ("Công nhân may mũ giày", "Công nhân gò", "Công nhân đóng gói", "Tổ trưởng sản xuất", "Nhân viên kế hoạch"),
        1.0, 5, True,
    ),
    Sector(
        "Xây dựng",
        ("Xây dựng nhà để ở", "Xây dựng công trình đường bộ", "Lắp đặt hệ thống điện", "Hoàn thiện công trình xây dựng"),
        ("Công nhân xây dựng", "Thợ hàn", "Lái máy xúc", "Kỹ sư xây dựng", "Nhân viên dự toán", "Chỉ huy trưởng công trình"),
        1.15, 10, True,
    ),
    Sector(
        "Thương mại",
        ("Bán buôn thực phẩm", "Bán lẻ hàng hóa trong siêu thị", "Bán buôn máy móc, thiết bị và phụ tùng máy", "Bán buôn đồ dùng khác cho gia đình"),
        ("Nhân viên bán hàng", "Nhân viên kinh doanh", "Thu ngân", "Nhân viên kho", "Kế toán viên", "Quản lý cửa hàng"),
        1.1, 16, False,
    ),
    Sector(
        "Vận tải",
        ("Vận tải hàng hóa bằng đường bộ", "Kho bãi và lưu giữ hàng hóa", "Hoạt động dịch vụ hỗ trợ khác liên quan đến vận tải"),
        ("Lái xe tải", "Nhân viên giao nhận", "Nhân viên kho", "Điều phối vận tải", "Thủ kho"),
        1.15, 6, True,
    ),
    Sector(
        "Công nghệ",
        ("Lập trình máy vi tính", "Tư vấn máy vi tính và quản trị hệ thống máy vi tính", "Cổng thông tin"),
        ("Lập trình viên", "Kỹ sư phần mềm", "Kiểm thử phần mềm", "Chuyên viên phân tích nghiệp vụ", "Quản trị hệ thống", "Trưởng nhóm phát triển"),
        2.2, 4, False,
    ),
    Sector(
        "Thực phẩm",
        ("Chế biến, bảo quản thủy sản và các sản phẩm từ thủy sản", "Sản xuất thực phẩm khác chưa được phân vào đâu", "Chế biến và bảo quản rau quả"),
        ("Công nhân chế biến", "Công nhân đóng gói", "Nhân viên kiểm nghiệm", "Tổ trưởng sản xuất", "Nhân viên kế toán"),
        1.0, 7, True,
    ),
    Sector(
        "Du lịch",
        ("Dịch vụ lưu trú ngắn ngày", "Nhà hàng và các dịch vụ ăn uống phục vụ lưu động", "Điều hành tua du lịch"),
        ("Nhân viên phục vụ", "Nhân viên lễ tân", "Đầu bếp", "Nhân viên buồng phòng", "Hướng dẫn viên du lịch", "Quản lý nhà hàng"),
        1.05, 6, False,
    ),
    Sector(
        "Tài chính",
        ("Hoạt động trung gian tiền tệ khác", "Bảo hiểm phi nhân thọ", "Hoạt động tư vấn quản lý"),
        ("Giao dịch viên", "Chuyên viên tín dụng", "Chuyên viên phân tích", "Kiểm toán viên", "Trưởng phòng"),
        2.0, 3, False,
    ),
    Sector(
        "Cơ khí",
        ("Gia công cơ khí; xử lý và tráng phủ kim loại", "Sản xuất các cấu kiện kim loại", "Sửa chữa máy móc, thiết bị"),
        ("Công nhân vận hành máy", "Thợ tiện", "Thợ hàn", "Kỹ sư cơ khí", "Tổ trưởng sản xuất"),
        1.15, 6, True,
    ),
    Sector(
        "Nông nghiệp",
        ("Trồng cây cà phê", "Trồng cây cao su", "Nuôi trồng thủy sản nội địa", "Trồng rừng, chăm sóc rừng và ươm giống cây lâm nghiệp"),
        ("Công nhân nông trường", "Công nhân chăm sóc vườn cây", "Kỹ thuật viên nông nghiệp", "Đội trưởng sản xuất"),
        0.9, 4, True,
    ),
    Sector(
        "Dịch vụ",
        ("Hoạt động dịch vụ hỗ trợ kinh doanh khác còn lại", "Dịch vụ bảo vệ cá nhân", "Vệ sinh nhà cửa và các công trình khác"),
        ("Nhân viên bảo vệ", "Nhân viên vệ sinh", "Nhân viên hành chính", "Nhân viên chăm sóc khách hàng", "Giám sát dịch vụ"),
        0.95, 8, False,
    ),
)  # fmt: skip

STATE_ADMIN = Sector(
    "Quản lý nhà nước",
    ("Hoạt động quản lý nhà nước nói chung và kinh tế tổng hợp",),
    ("Chuyên viên", "Cán sự", "Văn thư", "Kế toán"),
    1.0, 1, False,
)  # fmt: skip
EDUCATION = Sector(
    "Giáo dục",
    ("Giáo dục tiểu học", "Giáo dục trung học cơ sở và trung học phổ thông"),
    ("Giáo viên", "Giáo viên chủ nhiệm", "Nhân viên thư viện", "Kế toán", "Tổ trưởng chuyên môn"),
    1.0, 1, False,
)  # fmt: skip
HEALTH = Sector(
    "Y tế",
    ("Hoạt động của các bệnh viện, trạm y tế",),
    ("Điều dưỡng", "Bác sĩ", "Kỹ thuật viên xét nghiệm", "Dược sĩ", "Hộ sinh"),
    1.0, 1, False,
)  # fmt: skip
ARMED = Sector("Quốc phòng, an ninh", ("Hoạt động quốc phòng",), ("Sĩ quan",), 1.0, 0, False)

SECTORS: tuple[Sector, ...] = (*BUSINESS, STATE_ADMIN, EDUCATION, HEALTH, ARMED)
SECTOR_INDEX: dict[str, int] = {s.word: i for i, s in enumerate(SECTORS)}
BUSINESS_CUM: tuple[float, ...] = tuple(cumulative([s.weight for s in BUSINESS]))
# Foreign investors concentrate in electronics, garments, footwear and engineering.
FDI_SECTORS: tuple[int, ...] = tuple(
    SECTOR_INDEX[w] for w in ("Điện tử", "May mặc", "Da giày", "Cơ khí")
)

TRADE_NAMES: tuple[str, ...] = (
    "Hưng Thịnh", "Sao Mai", "Hồng Hà", "Phú Thái", "Minh Phát", "Thành Công", "An Phát",
    "Hoàng Long", "Đại Việt", "Phương Nam", "Trường Thịnh", "Vạn Xuân", "Bình Minh", "Tân Tiến",
    "Việt Tiến", "Nam Á", "Đông Á", "Thiên Long", "Kim Cương", "Hải Âu", "Thái Bình Dương",
    "Ánh Dương", "Toàn Cầu", "Phúc Lộc", "Tân Hoàng Minh", "Hòa Phát", "Đức Thành", "Mai Linh",
    "Sông Hồng", "Cửu Long", "Trường Sơn", "Hạ Long", "Bến Thành", "Thăng Long", "Hồng Phúc",
    "Tiến Phát", "Hợp Nhất", "Quang Minh", "Bảo Tín", "Nhật Quang", "Vĩnh Phát", "Lộc Thiên",
    "An Khang", "Gia Bảo", "Hải Nam", "Thuận Phát", "Phú Cường", "Thịnh Vượng", "Tâm Đức",
)  # fmt: skip
FOREIGN_NAMES: tuple[str, ...] = (
    "Hanwoo Electronics", "Sungjin Vina", "Daeyang Textile", "Kyoto Seiki", "Tokai Precision",
    "Meiko Tech", "Everwin Footwear", "Greenfield Garment", "Hualong Industrial", "Shinwon Apparel",
    "Fuji Components", "Taekwang Shoes", "Lotus Pacific", "Nippon Mold", "Jinhua Metal",
    "Pacific Crown", "Han Sung Industrial", "Oriental Sports", "Asia Pacific Wire", "Kumho Parts",
)  # fmt: skip


check_clean(text for s in SECTORS for text in (s.word, *s.lines, *s.jobs))
check_clean([*TRADE_NAMES, *FOREIGN_NAMES])
