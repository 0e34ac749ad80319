"""The report's terms, in both languages, chosen for a Vietnamese official: words of the
administration where they exist, and one meaning each ("cấp độ" only for a system's security
level, "mức" only for an alert's severity, "cấp" only for province and commune)."""

from __future__ import annotations

# (Vietnamese term, English term, what it means in Vietnamese, in English)
GLOSSARY: tuple[tuple[str, str, str, str], ...] = (
    ("Cảnh báo khẩn", "Page",
     "cảnh báo gọi ngay cán bộ trực, kể cả ngoài giờ hành chính",
     "an alert that calls the person on duty at once, at any hour"),
    ("Phiếu xử lý", "Ticket",
     "việc cần xử lý trong giờ hành chính, không gọi ngoài giờ",
     "work for office hours; nobody is called at night"),
    ("Mục tiêu chất lượng dịch vụ (SLO)", "Service level objective (SLO)",
     "tỷ lệ thời gian dịch vụ phải hoạt động trong kỳ, ví dụ 99,9%",
     "the share of time a service must work in the period, e.g. 99,9%"),
    ("Hạn mức lỗi cho phép", "Error budget",
     "phần thời gian được phép gián đoạn theo mục tiêu SLO (100% - SLO); không phải ngân sách "
     "nhà nước",
     "the downtime the SLO allows (100% - SLO); not a financial budget"),
    ("Thời gian tiếp nhận trung bình (MTTA)", "Mean time to acknowledge (MTTA)",
     "từ khi có cảnh báo an toàn thông tin đến khi cán bộ tiếp nhận",
     "from a security alert to its acknowledgement"),
    ("Thời gian khắc phục trung bình (MTTR)", "Mean time to resolve (MTTR)",
     "từ khi có cảnh báo đến khi xử lý xong",
     "from an alert to its resolution"),
    ("Mức cảnh báo", "Severity",
     "mức nghiêm trọng của một cảnh báo: thấp, trung bình, cao, nghiêm trọng",
     "how serious an alert is: low, medium, high, critical"),
    ("Cấp độ hệ thống thông tin", "Security level of an information system",
     "cấp độ 1 đến 5 theo Nghị định 85/2016/NĐ-CP",
     "levels 1 to 5 of Decree 85/2016"),
    ("Cấp tỉnh, cấp xã", "Province, commune level",
     "cấp hành chính của cơ quan giải quyết hồ sơ",
     "the administrative level of the agency that handles a dossier"),
    ("Nhóm dịch vụ", "Service tier",
     "mức quan trọng của nền tảng dùng chung (nhóm 1 quan trọng nhất), quyết định SLO",
     "how critical a shared platform is (tier 1 most), which sets its SLO"),
    ("Tạm dừng chờ bổ sung", "Paused for documents",
     "thời gian chờ công dân bổ sung hồ sơ, không tính vào thời hạn giải quyết",
     "time waiting for the citizen's documents, not counted against the due time"),
    ("Ngày làm việc", "Working day",
     "thứ Hai đến thứ Sáu, trừ ngày nghỉ lễ, Tết, cộng ngày làm bù theo thông báo hằng năm",
     "Monday to Friday, less holidays and Tết, plus announced compensatory working days"),
)  # fmt: skip
