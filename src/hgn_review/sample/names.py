"""Vietnamese names for synthetic households: people, villages and reviewers, drawn vectorised."""

from __future__ import annotations

import numpy as np

from hgn_review.text import slug

# Surnames with rough national shares (Kinh); the long tail is folded into the weights.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.0), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 4.0), ("Huỳnh", 1.5),
    ("Phan", 4.5), ("Vũ", 3.5), ("Võ", 1.0), ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.4), ("Hồ", 1.3),
    ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5), ("Đinh", 0.8), ("Trịnh", 0.6), ("Đào", 0.6), ("Mai", 0.4),
    ("Lương", 0.4), ("Tạ", 0.3), ("Cao", 0.4), ("Vương", 0.2), ("Phùng", 0.3), ("Tô", 0.3), ("Hà", 0.5),
    ("Lại", 0.2), ("Khúc", 0.1), ("Nghiêm", 0.1),
)
# Surnames used by some ethnic minorities (household surname follows the household's group).
MINORITY_SURNAMES: dict[str, tuple[str, ...]] = {
    "Tày": ("Hoàng", "Nông", "Lương", "Vi", "Lục", "Ma", "Hà"),
    "Nùng": ("Hoàng", "Nông", "Lăng", "Vi", "Lục", "Chu"),
    "Thái": ("Lò", "Cầm", "Quàng", "Tòng", "Lường", "Vi"),
    "Mường": ("Bùi", "Đinh", "Quách", "Hà", "Xa"),
    "Mông": ("Giàng", "Vàng", "Sùng", "Thào", "Hờ", "Mua", "Lầu"),
    "Dao": ("Triệu", "Bàn", "Đặng", "Lý", "Phùng"),
    "Hoa": ("Lâm", "Trương", "Quách", "Lý", "Hứa", "Diệp"),
    "Khơ Me": ("Thạch", "Sơn", "Danh", "Kim", "Lâm"),
    "Sán Dìu": ("Diệp", "Lam", "Trương", "Lý"),
}
# The ethnic mix of a lowland province: mostly Kinh, a few minorities (shares of people).
ETHNIC_MIX: tuple[tuple[str, float], ...] = (
    ("Kinh", 95.0), ("Tày", 1.0), ("Mường", 1.0), ("Nùng", 0.6), ("Thái", 0.6), ("Hoa", 0.5), ("Sán Dìu", 0.5),
    ("Dao", 0.4), ("Mông", 0.2), ("Khơ Me", 0.2),
)

MIDDLE_MALE: tuple[tuple[str, float], ...] = (
    ("Văn", 40.0), ("Đức", 10.0), ("Minh", 8.0), ("Quang", 6.0), ("Hữu", 6.0), ("Công", 5.0), ("Xuân", 4.0),
    ("Thanh", 4.0), ("Ngọc", 3.0), ("Hoàng", 3.0), ("Tiến", 3.0), ("Duy", 3.0), ("Trọng", 2.0), ("Mạnh", 2.0),
    ("Anh", 1.0),
)
MIDDLE_FEMALE: tuple[tuple[str, float], ...] = (
    ("Thị", 55.0), ("Ngọc", 7.0), ("Thu", 6.0), ("Thanh", 6.0), ("Minh", 4.0), ("Kim", 4.0), ("Hồng", 4.0),
    ("Phương", 3.0), ("Bích", 2.0), ("Thùy", 3.0), ("Khánh", 2.0), ("Mai", 2.0), ("Hải", 2.0),
)
GIVEN_MALE: tuple[str, ...] = (
    "Hùng", "Dũng", "Tuấn", "Hải", "Long", "Nam", "Quân", "Thắng", "Sơn", "Bình", "Cường", "Hiếu", "Hoàng",
    "Khánh", "Phúc", "Trung", "Việt", "Đức", "Toàn", "Tùng", "Thành", "Minh", "Huy", "Lâm", "Vinh", "Hưng",
    "Thịnh", "Quyết", "Tâm", "Chiến", "Thuận", "Lộc", "Tài", "Đạt", "Kiên", "Hậu", "Nghĩa", "Phong", "Hòa",
    "Khải", "Bảo", "An", "Đông", "Tiến", "Thái", "Công", "Trường", "Vũ", "Sáng", "Hiệp",
)
GIVEN_FEMALE: tuple[str, ...] = (
    "Lan", "Hương", "Hoa", "Mai", "Linh", "Hà", "Thảo", "Trang", "Nga", "Hằng", "Huyền", "Ngọc", "Phương",
    "Thủy", "Yến", "Dung", "Loan", "Nhung", "Oanh", "Vân", "Hạnh", "Liên", "Lý", "Nhàn", "Tuyết", "Xuân",
    "Hồng", "Thúy", "Hiền", "Giang", "Anh", "Châm", "Quyên", "Duyên", "Thơm", "Hậu", "Lụa", "Tươi", "Chi",
    "Vy", "My", "Ngân", "Diệp", "Nhi", "Uyên", "Thắm", "Hường", "Bích", "Đào", "Lựu",
)
VILLAGE_WORDS: tuple[str, ...] = (
    "Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Cầu", "Đình", "Chùa", "An Lạc", "Phú Lộc", "Tân Hưng",
    "Bình Minh", "Hòa Bình", "Đồng Tâm", "Thanh Xá", "Yên Phú", "Kim Đôi", "Lạc Thị", "Vạn Phúc", "Đoàn Kết",
    "Quyết Tiến", "Hưng Thịnh", "Phú Mỹ", "Ngọc Lâm", "Mỹ Xá", "Đại Đồng", "Hợp Tiến", "Cổ Pháp",
)


def _pick(rng: np.random.Generator, table: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    values = np.array([v for v, _ in table], dtype=object)
    weights = np.array([w for _, w in table], dtype=float)
    return values[rng.choice(len(values), size=n, p=weights / weights.sum())]


def ethnicities(rng: np.random.Generator, n: int) -> np.ndarray:
    """One ethnic group per household."""
    return _pick(rng, ETHNIC_MIX, n)


def surnames(rng: np.random.Generator, ethnic: np.ndarray) -> np.ndarray:
    """A household surname per element, following the household's ethnic group."""
    out = _pick(rng, SURNAMES, len(ethnic))
    for group, names in MINORITY_SURNAMES.items():
        mask = ethnic == group
        if mask.any():
            pool = np.array(names, dtype=object)
            out[mask] = pool[rng.integers(0, len(pool), int(mask.sum()))]
    return out


def full_names(rng: np.random.Generator, surname: np.ndarray, male: np.ndarray) -> np.ndarray:
    """'Surname Middle Given' with diacritics, NFC, by sex."""
    n = len(surname)
    mid_m, mid_f = _pick(rng, MIDDLE_MALE, n), _pick(rng, MIDDLE_FEMALE, n)
    gm, gf = np.array(GIVEN_MALE, dtype=object), np.array(GIVEN_FEMALE, dtype=object)
    giv_m, giv_f = gm[rng.integers(0, len(gm), n)], gf[rng.integers(0, len(gf), n)]
    middle = np.where(male, mid_m, mid_f)
    given = np.where(male, giv_m, giv_f)
    return surname.astype(object) + " " + middle + " " + given


def villages(rng: np.random.Generator, urban: bool, count: int) -> list[str]:
    """Village (thôn) or residential-group (tổ dân phố, khu) names for one commune."""
    if urban:
        style = rng.integers(0, 2)
        return [f"Tổ dân phố số {i}" if style == 0 else f"Khu {i}" for i in range(1, count + 1)]
    if rng.random() < 0.5:
        return [f"Thôn {i}" for i in range(1, count + 1)]
    words = list(rng.permutation(np.array(VILLAGE_WORDS, dtype=object))[:count])
    return [f"Thôn {w}" for w in words]


def ascii_name(name: str) -> str:
    """'Phường Cẩm Thượng' -> 'phuong_cam_thuong' (for file names)."""
    return slug(name)
