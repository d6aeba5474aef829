"""Vietnamese personal names: family name, middle name and given name, with correct diacritics.

Family names follow their national frequencies (Nguyễn ~38 %); Hoàng/Vũ are northern spellings of
the southern Huỳnh/Võ. Middle names carry sex (Văn, Thị) and, for the young, fashion: "Thị" and
"Văn" were near-universal before the 1980s and are much rarer for children born since 2000.
Some ethnic groups keep their own family names (Lò and Cầm among the Thái, Giàng and Vàng among the
Mông, Thạch and Danh among the Khmer…).
"""

import random
import unicodedata
from collections.abc import Sequence

from db.seed.common import cumulative, weighted
from db.seed.copy import check_clean


def _nfc(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFC", w) for w in words)


class _Pool:
    """Words with weights, drawn with one bisect over cumulative weights."""

    __slots__ = ("cum", "words")

    def __init__(self, weighted: Sequence[tuple[str, float]]) -> None:
        self.words = _nfc([w for w, _ in weighted])
        self.cum = cumulative([x for _, x in weighted])

    def pick(self, rng: random.Random) -> str:
        return weighted(rng, self.words, self.cum)


_COMMON_SURNAMES: list[tuple[str, float]] = [
    ("Nguyễn", 38.4),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 7.0),
    ("HOANG", 5.1),
    ("Phan", 4.5),
    ("VU", 3.9),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Trương", 0.8),
    ("Đinh", 0.7),
    ("Lâm", 0.6),
    ("Mai", 0.6),
    ("Đoàn", 0.6),
    ("Trịnh", 0.5),
    ("Lương", 0.5),
    ("Hà", 0.5),
    ("Cao", 0.4),
    ("Lưu", 0.3),
    ("Tô", 0.3),
    ("Tạ", 0.3),
    ("Châu", 0.3),
    ("Phùng", 0.3),
    ("La", 0.2),
    ("Quách", 0.2),
    ("Lại", 0.2),
    ("Thái", 0.2),
    ("Triệu", 0.2),
    ("Chu", 0.2),
    ("Vương", 0.2),
    ("Đàm", 0.2),
    ("Kiều", 0.1),
    ("Từ", 0.1),
    ("Tăng", 0.1),
    ("Âu", 0.1),
    ("Giang", 0.1),
    ("Tôn", 0.1),
    ("Nghiêm", 0.1),
    ("Hứa", 0.1),
    ("Mạc", 0.1),
    ("Thân", 0.1),
    ("Diệp", 0.1),
    ("Khúc", 0.05),
]
_NORTH = _Pool(
    [(("Hoàng" if s == "HOANG" else "Vũ" if s == "VU" else s), w) for s, w in _COMMON_SURNAMES]
)
_SOUTH = _Pool(
    [(("Huỳnh" if s == "HOANG" else "Võ" if s == "VU" else s), w) for s, w in _COMMON_SURNAMES]
)

# Family names of ethnic groups with their own naming traditions, keyed by ethnicity code.
_ETHNIC_SURNAMES: dict[str, _Pool] = {
    "02": _Pool(
        [
            ("Nông", 5),
            ("Hoàng", 5),
            ("Lục", 2),
            ("Đàm", 2),
            ("Ma", 2),
            ("Bế", 2),
            ("Hà", 2),
            ("Lương", 2),
        ]
    ),
    "07": _Pool(
        [("Nông", 4), ("Hoàng", 4), ("Lăng", 2), ("Vi", 2), ("Chu", 2), ("Lương", 2), ("Triệu", 1)]
    ),
    "03": _Pool(
        [
            ("Lò", 5),
            ("Cầm", 3),
            ("Lường", 3),
            ("Quàng", 2),
            ("Vì", 2),
            ("Lù", 1),
            ("Hà", 2),
            ("Tòng", 1),
        ]
    ),
    "06": _Pool([("Bùi", 6), ("Đinh", 4), ("Quách", 2), ("Hà", 2), ("Xa", 1)]),
    "08": _Pool(
        [
            ("Giàng", 4),
            ("Vàng", 4),
            ("Sùng", 3),
            ("Thào", 3),
            ("Lầu", 2),
            ("Mùa", 2),
            ("Hạng", 2),
            ("Lý", 2),
        ]
    ),
    "09": _Pool([("Triệu", 5), ("Bàn", 4), ("Lý", 3), ("Đặng", 3), ("Chảo", 2)]),
    "05": _Pool(
        [("Thạch", 5), ("Danh", 4), ("Sơn", 4), ("Kim", 3), ("Lâm", 2), ("Chau", 2), ("Trần", 2)]
    ),
    "04": _Pool(
        [
            ("Lâm", 4),
            ("Trương", 3),
            ("Quách", 2),
            ("Lý", 3),
            ("Hứa", 2),
            ("Tạ", 2),
            ("Diệp", 2),
            ("Mã", 2),
        ]
    ),
}

_MALE_MIDDLE_OLD = _Pool(
    [
        ("Văn", 55),
        ("Đức", 8),
        ("Hữu", 7),
        ("Công", 5),
        ("Quang", 5),
        ("Minh", 5),
        ("Đình", 5),
        ("Xuân", 3),
        ("Ngọc", 3),
        ("Thanh", 4),
    ]
)
_MALE_MIDDLE_YOUNG = _Pool([
    ("Văn", 18), ("Minh", 14), ("Đức", 9), ("Quang", 7), ("Gia", 7), ("Hoàng", 6), ("Anh", 5),
    ("Tuấn", 4), ("Thành", 4), ("Hữu", 4), ("Bảo", 5), ("Nhật", 4), ("Quốc", 4), ("Duy", 4),
    ("Trung", 3), ("Công", 2),
])  # fmt: skip
_FEMALE_MIDDLE_OLD = _Pool(
    [
        ("Thị", 70),
        ("Ngọc", 6),
        ("Thu", 5),
        ("Thanh", 5),
        ("Kim", 4),
        ("Bích", 3),
        ("Hồng", 3),
        ("Minh", 2),
        ("Phương", 2),
    ]
)
_FEMALE_MIDDLE_YOUNG = _Pool([
    ("Thị", 22), ("Ngọc", 10), ("Thu", 6), ("Thanh", 6), ("Minh", 7), ("Phương", 6), ("Khánh", 6),
    ("Bảo", 6), ("Gia", 5), ("Thùy", 5), ("Mai", 4), ("Diệu", 3), ("Quỳnh", 4), ("Hải", 3),
    ("Tường", 2), ("Hồng", 3), ("Kim", 2),
])  # fmt: skip
# A second middle name ("Trần Thị Bích Ngọc") is common for women.
_FEMALE_SECOND_MIDDLE = _Pool(
    [
        ("Bích", 3),
        ("Thu", 3),
        ("Ngọc", 3),
        ("Thanh", 3),
        ("Hồng", 2),
        ("Kim", 2),
        ("Mỹ", 2),
        ("Thúy", 2),
        ("Phương", 2),
    ]
)

_MALE_GIVEN = _Pool([
    ("Anh", 5), ("An", 3), ("Bảo", 3), ("Bình", 3), ("Cường", 4), ("Dũng", 5), ("Duy", 3), ("Đạt", 4),
    ("Đức", 4), ("Hải", 4), ("Hiếu", 4), ("Hoàng", 3), ("Hùng", 5), ("Huy", 5), ("Hưng", 3), ("Khánh", 3),
    ("Khoa", 3), ("Kiên", 2), ("Long", 4), ("Lâm", 2), ("Lộc", 2), ("Minh", 5), ("Nam", 5), ("Nghĩa", 3),
    ("Phong", 3), ("Phúc", 3), ("Quân", 4), ("Quang", 3), ("Sơn", 4), ("Tài", 2), ("Thắng", 4),
    ("Thành", 4), ("Thịnh", 2), ("Tiến", 3), ("Toàn", 3), ("Trung", 4), ("Tuấn", 6), ("Tùng", 3),
    ("Việt", 3), ("Vinh", 3), ("Khang", 2), ("Nhân", 2), ("Trí", 2), ("Hậu", 2), ("Hòa", 2), ("Tâm", 2),
    ("Thông", 1), ("Chiến", 2), ("Hào", 1), ("Công", 1),
])  # fmt: skip
_FEMALE_GIVEN = _Pool([
    ("Anh", 6), ("An", 2), ("Bích", 2), ("Chi", 3), ("Dung", 3), ("Duyên", 2), ("Giang", 3), ("Hà", 4),
    ("Hạnh", 3), ("Hằng", 4), ("Hiền", 3), ("Hoa", 3), ("Hồng", 3), ("Hương", 5), ("Huyền", 4),
    ("Lan", 4), ("Liên", 2), ("Linh", 6), ("Loan", 2), ("Mai", 4), ("My", 3), ("Nga", 3), ("Ngân", 3),
    ("Ngọc", 4), ("Nhung", 3), ("Oanh", 2), ("Phương", 4), ("Quyên", 2), ("Tâm", 2), ("Thảo", 5),
    ("Thư", 3), ("Thủy", 4), ("Trang", 6), ("Trinh", 2), ("Uyên", 2), ("Vân", 3), ("Vy", 3), ("Yến", 3),
    ("Nhi", 3), ("Thanh", 2), ("Lụa", 1), ("Nhàn", 2), ("Xuân", 2), ("Hậu", 1), ("Thắm", 1),
])  # fmt: skip
# Given names of Mông men and women ("Giàng A Páo", "Vàng Thị Mỷ"), and of Khmer people.
_MONG_MALE = _Pool(
    [("Páo", 3), ("Chứ", 2), ("Sử", 2), ("Dình", 2), ("Chang", 2), ("Pó", 1), ("Tủa", 2), ("Lử", 1)]
)
_MONG_FEMALE = _Pool(
    [("Mỷ", 3), ("Súa", 2), ("Dua", 2), ("Pà", 2), ("Chở", 1), ("Sì", 2), ("Xo", 1)]
)
_KHMER_MALE = _Pool(
    [("Sô Phanh", 2), ("Sa Rát", 2), ("Sóc Kha", 2), ("Chanh Đa", 1), ("Sa Vy", 1), ("Thươl", 1)]
)
_KHMER_FEMALE = _Pool(
    [("Sa Rươl", 2), ("Sô Phi", 2), ("Thị Sa", 1), ("Chanh Thu", 1), ("Ni Ta", 1), ("Sà Phin", 1)]
)

MONG = "08"
KHMER = "05"


def surname(rng: random.Random, ethnicity: str, southern: bool) -> str:
    pool = _ETHNIC_SURNAMES.get(ethnicity)
    # Mông and Khmer given names only go with their own family names; other groups mix more.
    if pool is not None and (ethnicity in (MONG, KHMER) or rng.random() < 0.8):
        return pool.pick(rng)
    return (_SOUTH if southern else _NORTH).pick(rng)


def given_names(rng: random.Random, female: bool, birth_year: int, ethnicity: str) -> str:
    """Middle and given name(s): everything after the family name."""
    if ethnicity == MONG:
        return ("Thị " + _MONG_FEMALE.pick(rng)) if female else ("A " + _MONG_MALE.pick(rng))
    if ethnicity == KHMER and rng.random() < 0.6:
        return (_KHMER_FEMALE if female else _KHMER_MALE).pick(rng)
    young = birth_year >= 1985
    if female:
        middle = (_FEMALE_MIDDLE_YOUNG if young else _FEMALE_MIDDLE_OLD).pick(rng)
        if middle == "Thị" and rng.random() < 0.25:
            middle = f"Thị {_FEMALE_SECOND_MIDDLE.pick(rng)}"
        given = _FEMALE_GIVEN.pick(rng)
    else:
        middle = (_MALE_MIDDLE_YOUNG if young else _MALE_MIDDLE_OLD).pick(rng)
        given = _MALE_GIVEN.pick(rng)
    if middle.endswith(given):
        given = (_FEMALE_GIVEN if female else _MALE_GIVEN).pick(rng)
    return f"{middle} {given}"


def full_name(
    rng: random.Random, female: bool, birth_year: int, ethnicity: str, family: str
) -> str:
    return f"{family} {given_names(rng, female, birth_year, ethnicity)}"


_FOLD = str.maketrans({"đ": "d", "Đ": "D"})


def ascii_fold(text: str) -> str:
    """Diacritics removed, for e-mail addresses and domain names."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


check_clean(
    w
    for pool in (_NORTH, _SOUTH, *_ETHNIC_SURNAMES.values(), _MALE_GIVEN, _FEMALE_GIVEN)
    for w in pool.words
)
