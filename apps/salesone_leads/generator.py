"""Synthetic but realistic company rows for demos and benchmarks (``generate_salesone_leads``).

Deterministic for a seed: row ``i`` depends only on (seed, i), so ``--start`` continues a file.
Identifiers carry valid check digits (common.korean_ids) and are unique per row index.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from common.korean_ids import business_check_digit, corporation_check_digit

from .data.regions import REGIONS
from .fields import FILE_FIELDS

DATA_DIR = Path(__file__).resolve().parent / "data"
KSIC_CSV = DATA_DIR / "ksic_codes.csv"

# 등기관서 codes (first four digits of a corporation number) and 법인 kinds (next two).
_REGISTRY_OFFICES = [
    "1101", "1311", "1201", "1801", "1701", "1601", "2001", "1501", "1345", "1358", "1744", "1946", "2201", "2301",
]  # fmt: skip
_KIND_STOCK, _KIND_LIMITED = "11", "14"
_BUSINESS_KINDS = ["81", "86", "87", "88"]
_TAX_OFFICES = 500

# (Korean, romanised) name parts; a name is prefix + suffix, e.g. 넥스 + 파시스템.
_PREFIXES = [
    ("넥스", "Nex"), ("대우", "Daewoo"), ("한빛", "Hanbit"), ("미래", "Mirae"), ("에이스", "Ace"), ("그린", "Green"),
    ("태성", "Taesung"), ("동방", "Dongbang"), ("우리", "Woori"), ("세종", "Sejong"), ("한결", "Hangyeol"),
    ("케이", "K"), ("제이", "J"), ("엘림", "Elim"), ("하나", "Hana"), ("코리아", "Korea"), ("글로벌", "Global"),
    ("스마트", "Smart"), ("디지털", "Digital"), ("신성", "Shinsung"), ("대한", "Daehan"), ("동양", "Dongyang"),
    ("서울", "Seoul"), ("한국", "Hankook"), ("새한", "Saehan"), ("진흥", "Jinheung"), ("삼원", "Samwon"),
    ("유니", "Uni"), ("이노", "Inno"), ("테크노", "Techno"), ("오성", "Osung"), ("청솔", "Cheongsol"),
    ("푸른", "Pureun"),
    ("다온", "Daon"), ("해솔", "Haesol"), ("라온", "Raon"), ("한울", "Hanul"), ("가온", "Gaon"), ("아름", "Areum"),
    ("비전", "Vision"), ("에코", "Eco"), ("웰", "Well"), ("메가", "Mega"), ("알파", "Alpha"), ("제일", "Jeil"),
    ("성진", "Sungjin"), ("영진", "Youngjin"), ("보성", "Boseong"), ("금강", "Geumgang"), ("백두", "Baekdu"),
    ("한라", "Halla"), ("태평양", "Taepyeongyang"), ("누리", "Nuri"), ("참", "Cham"), ("빛고을", "Bitgoeul"),
    ("드림", "Dream"), ("피앤씨", "PNC"), ("에스엠", "SM"), ("지엘", "GL"), ("씨엔", "CN"), ("티에스", "TS"),
    ("유진", "Eugene"), ("일신", "Ilshin"), ("경동", "Kyungdong"), ("동아", "Donga"), ("신한", "Shinhan"),
    ("파란", "Paran"), ("소망", "Somang"), ("온누리", "Onnuri"), ("정우", "Jungwoo"), ("휴먼", "Human"),
]  # fmt: skip
_SUFFIXES = [
    ("파시스템", "PA System"), ("시스템", "System"), ("테크", "Tech"), ("산업", "Industry"), ("건설", "Construction"),
    ("물산", "Trading"), ("캐리어판매", "Carrier Sales"), ("유통", "Distribution"), ("푸드", "Food"), ("바이오", "Bio"),
    ("소프트", "Soft"), ("에너지", "Energy"), ("전자", "Electronics"), ("상사", "Trading"), ("컨설팅", "Consulting"),
    ("디자인", "Design"), ("메디칼", "Medical"), ("정밀", "Precision"), ("화학", "Chemical"),
    ("엔지니어링", "Engineering"),
    ("기술", "Technology"), ("통상", "Trade"), ("네트웍스", "Networks"), ("솔루션", "Solution"), ("랩", "Lab"),
    ("에프앤비", "F&B"), ("코퍼레이션", "Corporation"), ("인터내셔널", "International"), ("모빌리티", "Mobility"),
    ("홀딩스", "Holdings"), ("로지스", "Logis"), ("팜", "Farm"), ("뷰티", "Beauty"), ("스튜디오", "Studio"),
    ("미디어", "Media"), ("개발", "Development"), ("플랜트", "Plant"), ("산전", "Electric"), ("제약", "Pharm"),
]  # fmt: skip
_SURNAMES = "김김김김이이이박박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나엄"
_GIVEN = "민서준도윤하지우현수영재진성경남종렬태호상철동혁은정미숙순희보람아름솔규석찬용기훈"
_GOODS = ["주차관제시스템", "공조기", "건강기능식품", "화장품", "산업용 필터", "사무용 가구", "의료기기", "반도체 장비",
          "물류 서비스", "광고 대행", "소프트웨어 라이선스", "식자재", "전기자재", "포장재", "자동차 부품"]  # fmt: skip
_KEYWORDS = {
    "A": ["농업", "친환경", "스마트팜"],
    "C": ["제조", "수출", "OEM", "ISO9001", "연구소", "벤처기업", "이노비즈"],
    "D": ["신재생에너지", "태양광", "발전"],
    "E": ["폐기물", "재활용", "환경"],
    "F": ["건설", "시공", "인테리어", "전기공사"],
    "G": ["도매", "유통", "온라인쇼핑", "수입", "B2B"],
    "H": ["물류", "운송", "택배"],
    "I": ["외식", "프랜차이즈", "카페", "숙박"],
    "J": ["SaaS", "AI", "클라우드", "플랫폼", "모바일앱", "벤처기업"],
    "K": ["투자", "금융"],
    "L": ["부동산", "임대"],
    "M": ["컨설팅", "마케팅", "연구개발", "디자인", "광고"],
    "N": ["인력", "아웃소싱"],
    "P": ["교육", "학원", "온라인강의"],
    "Q": ["병원", "의료", "건강검진"],
    "S": ["뷰티", "미용", "피부관리", "정비", "세탁"],
}
_ROADS = ["중앙로", "테헤란로", "가산디지털1로", "디지털로", "세종대로", "산업로", "공단로", "시청로", "역삼로",
          "번영로", "첨단로", "대학로", "문화로", "평화로", "해안로", "강변로", "한강대로", "판교역로",
          "월드컵북로", "도신로"]  # fmt: skip
_BUILDINGS = [
    "",
    "",
    "",
    " (대륭테크노타운17차)",
    " (에이스하이엔드타워)",
    " (SK V1센터)",
    " (우림라이온스밸리)",
    " 3층",
]
_DOMAINS = [".co.kr", ".com", ".kr", ".net"]
_MAILBOXES = ["info", "contact", "sales", "ceo", "admin"]
_DEFAULT_KEYWORDS = ["중소기업"]
_NO_FINANCE = (None,) * 11
_ORDINAL_1965 = date(1965, 1, 1).toordinal()
_FOUNDING_DAYS = date(2024, 12, 31).toordinal() - _ORDINAL_1965
_N_PREFIXES, _N_SUFFIXES, _N_ROADS, _N_BUILDINGS = len(_PREFIXES), len(_SUFFIXES), len(_ROADS), len(_BUILDINGS)
_N_SURNAMES, _N_GIVEN, _N_GOODS = len(_SURNAMES), len(_GIVEN), len(_GOODS)
_LIST_FIELDS = ("homepage", "handle_goods", "keywords")
_BOOL_FIELDS = ("is_normal_taxpayer", "is_corporation", "scraped_bizinfo")


def load_ksic(path: Path | str = KSIC_CSV) -> list[tuple[str, str]]:
    """(code, name) pairs from a KSIC CSV with ``code`` and ``name`` columns."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [(row["code"].strip(), row["name"].strip()) for row in csv.DictReader(handle) if row.get("code")]


def corporation_number_for(index: int, kind: str = _KIND_STOCK) -> str:
    office = _REGISTRY_OFFICES[index % len(_REGISTRY_OFFICES)]
    serial = f"{index // len(_REGISTRY_OFFICES):06d}"
    first_twelve = office + kind + serial
    return first_twelve + str(corporation_check_digit(first_twelve))


def business_number_for(index: int) -> str:
    office = 101 + index % _TAX_OFFICES
    serial = (index // _TAX_OFFICES) % 10000
    kind = _BUSINESS_KINDS[(index // (_TAX_OFFICES * 10000)) % len(_BUSINESS_KINDS)]
    first_nine = f"{office:03d}{kind}{serial:04d}"
    return first_nine + str(business_check_digit(first_nine))


@dataclass
class CompanyGenerator:
    seed: int = 1
    industries: list[tuple[str, str]] | None = None

    def __post_init__(self):
        self.industries = self.industries or load_ksic()
        # 1,000 slots shared out by each region's share of companies: one random() picks a region.
        self._region_table = []
        for si_nm, area_code, share, districts in REGIONS:
            self._region_table += [(si_nm, area_code, districts)] * round(share * 1000)
        self._region_table += [self._region_table[0]] * (1001 - len(self._region_table))
        self._domain_stems = {
            (prefix_en, suffix_en): (prefix_en + suffix_en).lower().replace(" ", "").replace("&", "n")
            for _, prefix_en in _PREFIXES
            for _, suffix_en in _SUFFIXES
        }

    def rows(self, count: int, start: int = 0) -> Iterator[dict]:
        """``count`` rows as dicts of FILE_FIELDS values (lists as lists, booleans as bools)."""
        for values in self.tuples(count, start):
            row = dict(zip(FILE_FIELDS, values, strict=True))
            for field in _LIST_FIELDS:
                if row[field] is not None:
                    row[field] = json.loads(row[field])
            for field in _BOOL_FIELDS:
                row[field] = row[field] == "true"
            yield row

    def tuples(self, count: int, start: int = 0) -> Iterator[tuple]:
        """``count`` rows as tuples in FILE_FIELDS order, formatted as the CSV cells (None = empty)."""
        # One Random per block of rows keeps the output a pure function of (seed, index) without
        # reseeding per row, which would dominate the cost.
        block = 1000
        index = start
        end = start + count
        while index < end:
            rng = random.Random(self.seed * 1_000_003 + index // block)
            offset = index % block
            for skipped in range(index - offset, index):  # an unaligned start replays its block
                self._row(rng.random, skipped)
            stop = min(end, index - offset + block)
            while index < stop:
                yield self._row(rng.random, index)
                index += 1

    def _row(self, random_, index: int) -> tuple:
        prefix_ko, prefix_en = _PREFIXES[int(random_() * _N_PREFIXES)]
        suffix_ko, suffix_en = _SUFFIXES[int(random_() * _N_SUFFIXES)]
        stem = prefix_ko + suffix_ko
        form = random_()
        limited = form > 0.93
        if limited:
            name, name_eng = "유한회사 " + stem, f"{prefix_en} {suffix_en} LLC"
        elif form < 0.45:
            name, name_eng = "주식회사 " + stem, f"{prefix_en} {suffix_en} Co., Ltd."
        elif form < 0.75:
            name, name_eng = "(주)" + stem, f"{prefix_en} {suffix_en} Co., Ltd."
        elif form < 0.88:
            name, name_eng = stem + " 주식회사", f"{prefix_en} {suffix_en} Inc."
        else:
            name, name_eng = stem + "(주)", f"{prefix_en} {suffix_en} Corp."
        if random_() >= 0.6:
            name_eng = None

        si_nm, area_code, districts = self._region_table[int(random_() * 1000)]
        sgg_nm = districts[int(random_() * len(districts))]
        road = _ROADS[int(random_() * _N_ROADS)]
        number = 1 + int(random_() * 300)
        if sgg_nm == si_nm:  # 세종특별자치시 has no 시/군/구
            address = f"{si_nm} {road} {number}"
        else:
            address = f"{si_nm} {sgg_nm} {road} {number}{_BUILDINGS[int(random_() * _N_BUILDINGS)]}"

        code, industry_name = self.industries[int(random_() * len(self.industries))]
        owner = (
            _SURNAMES[int(random_() * _N_SURNAMES)]
            + _GIVEN[int(random_() * _N_GIVEN)]
            + _GIVEN[int(random_() * _N_GIVEN)]
        )
        domain = f"{self._domain_stems[prefix_en, suffix_en]}{index % 997}{_DOMAINS[int(random_() * 4)]}"
        email = f"{_MAILBOXES[int(random_() * 5)]}@{domain}" if random_() < 0.6 else None
        phone = f"{area_code}-{200 + int(random_() * 799)}-{1000 + int(random_() * 8999)}" if random_() < 0.8 else None
        homepage = f'["{domain}"]' if random_() < 0.4 else None
        goods = _GOODS[int(random_() * _N_GOODS)] if random_() < 0.3 else None

        # Employees: many small firms, a long tail of large ones.
        employee = int(random_() ** 4 * 800) + 1
        founded = _ORDINAL_1965 + int(random_() ** 0.6 * _FOUNDING_DAYS)
        if random_() < 0.85:
            revenue = int(employee * (80_000_000 + random_() * 220_000_000)) // 1000 * 1000
            operating = int(revenue * (-0.08 + random_() * 0.23))
            net = int(operating * (0.55 + random_() * 0.35))
            assets = int(revenue * (0.4 + random_() * 1.1))
            liabilities = int(assets * (0.2 + random_() * 0.6))
            equity = assets - liabilities
            capital = max(10_000_000, int(equity * (0.05 + random_() * 0.3)) // 10_000_000 * 10_000_000)
            finance = (
                "KRW",
                2021 + int(random_() * 4),
                revenue,
                operating,
                net + int(net * (random_() - 0.5) * 0.1),
                net,
                assets,
                liabilities,
                equity,
                capital,
                f"{liabilities * 100 / equity:.2f}" if equity > 0 else None,
            )
        else:
            finance = _NO_FINANCE
        section_keywords = _KEYWORDS.get(code[0], _DEFAULT_KEYWORDS)
        keyword_count = int(random_() * 4)
        if keyword_count:
            chosen = sorted({section_keywords[int(random_() * len(section_keywords))] for _ in range(keyword_count)})
            keywords = '["' + '", "'.join(chosen) + '"]'
        else:
            keywords = None
        if goods:
            description = f"{industry_name} 전문 기업, 주요 취급품목 {goods}"
            goods = f'["{goods}"]'
        else:
            description = industry_name + " 전문 기업"

        return (
            corporation_number_for(index, _KIND_LIMITED if limited else _KIND_STOCK),
            business_number_for(index),
            code,
            industry_name,
            name,
            name_eng,
            owner,
            email,
            phone,
            homepage,
            goods,
            employee,
            *finance,
            "true" if random_() < 0.9 else "false",
            "true" if random_() < 0.95 else "false",
            address,
            si_nm,
            sgg_nm,
            f"{int(random_() * 63000) + 1000:05d}",
            date.fromordinal(founded).isoformat(),
            description,
            keywords,
            "true" if random_() < 0.3 else "false",
        )


def write_csv(generator: CompanyGenerator, count: int, handle, start: int = 0) -> int:
    """The loader's CSV: SPEC field names as header, lists as JSON arrays, empty cells for null."""
    writer = csv.writer(handle)
    writer.writerow(FILE_FIELDS)
    writer.writerows(generator.tuples(count, start))
    return count


def write_jsonl(generator: CompanyGenerator, count: int, handle, start: int = 0) -> int:
    for row in generator.rows(count, start):
        handle.write(json.dumps(row, ensure_ascii=False))
        handle.write("\n")
    return count
