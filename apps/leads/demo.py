"""Demo leads: thirty Korean companies a marketing agency would prospect, and two lead lists.

The first two are SPEC.md's own examples; the others are invented but shaped like the real data
(법인/사업자 numbers with correct check digits, 시/도 and 시/군/구 split out, revenue in KRW).
"""

import datetime

from apps.salesone_leads.models import Industry
from apps.salesone_leads.services import leads_import, salesone_import_targets
from common.demo import demo_get_or_create
from common.korean_ids import business_check_digit, corporation_check_digit

from .models import Lead, LeadList
from .services import lead_list_add_leads

INDUSTRIES = {
    "G47312": "가전제품 소매업",
    "J58222": "응용 소프트웨어 개발 및 공급업",
    "S96113": "피부 미용업",
    "C20423": "화장품 제조업",
    "C10797": "건강기능식품 제조업",
    "G47912": "전자상거래 소매업",
    "M71310": "광고 대행업",
    "I56111": "한식 일반 음식점업",
    "C29172": "공기조화장치 제조업",
    "H49301": "일반 화물자동차 운송업",
    "P85501": "일반 교과 학원",
    "F41112": "아파트 건설업",
}

# name, owner, email, phone, homepage, employees, revenue (KRW), address, 시/도, 시/군/구, founded, KSIC
# fmt: off
COMPANIES = [
    ("(주)대우캐리어판매", "이경남", "dcc2000@korea.com", "02-849-7976", "airconhouse.co.kr", 16, 21_857_000_000,
     "서울특별시 영등포구 도신로 148 (신길동)", "서울특별시", "영등포구", "1999-06-12", "G47312"),
    ("주식회사 넥스파시스템", "서종렬", "shym0518@nexpa.co.kr", "02-2243-4011", "nexpa.co.kr", 11, 10_589_738_000,
     "서울특별시 금천구 가산디지털1로 25 (가산동, 대륭테크노타운17차) 1806호~1809호", "서울특별시", "금천구",
     "2003-10-17", "J58222"),
    ("(주)리퓨어헬스케어", "강윤구", "contact@repurehc.com", "02-6951-1120", "repurehc.com", 24, 8_420_000_000,
     "서울특별시 강남구 테헤란로 427 (삼성동)", "서울특별시", "강남구", "2015-03-02", "C10797"),
    ("주식회사 온누리뷰티", "박서연", "hello@onnuribeauty.kr", "02-545-8812", "onnuribeauty.kr", 38, 12_300_000_000,
     "서울특별시 강남구 도산대로 318 (논현동)", "서울특별시", "강남구", "2012-08-21", "C20423"),
    ("(주)그린테이블", "최민호", "ceo@greentable.co.kr", "02-3142-7755", "greentable.co.kr", 52, 6_780_000_000,
     "서울특별시 마포구 양화로 45 (서교동)", "서울특별시", "마포구", "2010-05-11", "I56111"),
    ("주식회사 스킨랩클리닉", "정하은", "skinlab@skinlabclinic.com", "02-517-3300", "skinlabclinic.com", 9,
     1_250_000_000, "서울특별시 서초구 강남대로 61길 15 (서초동)", "서울특별시", "서초구", "2018-11-05", "S96113"),
    ("(주)데이터브릿지", "김도윤", "biz@databridge.io", "02-6203-4400", "databridge.io", 73, 15_600_000_000,
     "서울특별시 구로구 디지털로 300 (구로동, 지밸리비즈플라자) 12층", "서울특별시", "구로구", "2014-01-20", "J58222"),
    ("한빛애드 주식회사", "윤지호", "ad@hanbitad.co.kr", "02-739-2211", "hanbitad.co.kr", 27, 4_900_000_000,
     "서울특별시 종로구 율곡로 75 (안국동)", "서울특별시", "종로구", "2008-04-14", "M71310"),
    ("(주)코리아공조", "한상철", "sales@koreaac.co.kr", "031-8041-5520", "koreaac.co.kr", 145, 48_200_000_000,
     "경기도 화성시 동탄산단6길 15 (방교동)", "경기도", "화성시", "1996-09-30", "C29172"),
    ("주식회사 바른먹거리", "오수빈", "order@bareunfood.kr", "031-712-9030", "bareunfood.kr", 31, 9_150_000_000,
     "경기도 성남시 분당구 판교역로 235 (삼평동)", "경기도", "성남시 분당구", "2016-06-01", "G47912"),
    ("(주)다온에듀", "임채원", "info@daonedu.co.kr", "031-908-1700", "daonedu.co.kr", 44, 3_600_000_000,
     "경기도 고양시 일산동구 중앙로 1275 (장항동)", "경기도", "고양시 일산동구", "2011-02-25", "P85501"),
    ("주식회사 수원물류", "장민석", "cs@suwonlogis.com", "031-296-4488", "suwonlogis.com", 210, 36_700_000_000,
     "경기도 수원시 권선구 산업로 88 (고색동)", "경기도", "수원시 권선구", "2002-12-09", "H49301"),
    ("(주)한결건설", "조영훈", "hk@hangyeolcnc.co.kr", "032-431-6600", "hangyeolcnc.co.kr", 96, 72_400_000_000,
     "인천광역시 남동구 남동대로 215 (논현동)", "인천광역시", "남동구", "1994-07-18", "F41112"),
    ("주식회사 인천에스테틱", "신유나", "ic.esthetic@gmail.com", "032-875-2020", "", 6, 620_000_000,
     "인천광역시 연수구 컨벤시아대로 165 (송도동)", "인천광역시", "연수구", "2019-09-09", "S96113"),
    ("(주)해운대푸드", "배정우", "hfood@haeundaefood.kr", "051-742-3311", "haeundaefood.kr", 58, 11_800_000_000,
     "부산광역시 해운대구 센텀중앙로 97 (재송동)", "부산광역시", "해운대구", "2007-03-15", "C10797"),
    ("부산뷰티랩 주식회사", "송지민", "", "051-808-1144", "busanbeautylab.com", 14, 2_300_000_000,
     "부산광역시 부산진구 중앙대로 672 (부전동)", "부산광역시", "부산진구", "2017-05-22", "C20423"),
    ("(주)동백소프트", "류현우", "dev@dongbaeksoft.com", "051-611-7070", "dongbaeksoft.com", 35, 5_400_000_000,
     "부산광역시 남구 문현금융로 40 (문현동)", "부산광역시", "남구", "2013-10-01", "J58222"),
    ("주식회사 대구메디컬뷰티", "권나래", "dmb@dgmedibeauty.co.kr", "053-756-2233", "dgmedibeauty.co.kr", 19,
     3_100_000_000, "대구광역시 수성구 동대구로 346 (범어동)", "대구광역시", "수성구", "2014-04-04", "S96113"),
    ("(주)달구벌공조", "황보석", "info@dalgubeolac.kr", "053-384-9900", "dalgubeolac.kr", 67, 19_900_000_000,
     "대구광역시 북구 유통단지로 8 (산격동)", "대구광역시", "북구", "2001-08-27", "C29172"),
    ("주식회사 빛고을한식", "노은지", "bitgoeul@naver.com", "062-222-5858", "", 23, 1_850_000_000,
     "광주광역시 동구 금남로 245 (금남로3가)", "광주광역시", "동구", "2012-12-12", "I56111"),
    ("(주)대전바이오텍", "문성진", "contact@djbiotech.co.kr", "042-862-3030", "djbiotech.co.kr", 81, 23_500_000_000,
     "대전광역시 유성구 대덕대로 593 (도룡동)", "대전광역시", "유성구", "2009-06-30", "C10797"),
    ("주식회사 한밭애드", "구민재", "ad@hanbatad.kr", "042-488-1212", "hanbatad.kr", 12, 1_400_000_000,
     "대전광역시 서구 둔산로 100 (둔산동)", "대전광역시", "서구", "2016-02-19", "M71310"),
    ("(주)울산에너지공조", "전태식", "uec@ulsanenergy.co.kr", "052-257-4100", "ulsanenergy.co.kr", 132, 54_300_000_000,
     "울산광역시 남구 산업로 915 (여천동)", "울산광역시", "남구", "1998-11-11", "C29172"),
    ("주식회사 세종에듀테크", "홍서윤", "hello@sejongedutech.kr", "044-867-3456", "sejongedutech.kr", 29,
     2_950_000_000, "세종특별자치시 한누리대로 2130 (보람동)", "세종특별자치시", "세종시", "2018-03-05", "P85501"),
    ("(주)강원청정식품", "엄기현", "sales@gwfood.co.kr", "033-254-7788", "gwfood.co.kr", 47, 8_800_000_000,
     "강원특별자치도 춘천시 퇴계농공로 20 (퇴계동)", "강원특별자치도", "춘천시", "2005-05-05", "C10797"),
    ("주식회사 청주뷰티코스", "차예린", "cs@cjbeautycos.com", "043-269-1500", "cjbeautycos.com", 63, 14_200_000_000,
     "충청북도 청주시 흥덕구 오송읍 오송생명2로 150", "충청북도", "청주시 흥덕구", "2011-09-19", "C20423"),
    ("(주)천안택배물류", "양준혁", "ops@cheonanlogis.kr", "041-553-8080", "cheonanlogis.kr", 188, 29_600_000_000,
     "충청남도 천안시 서북구 백석공단1로 10 (백석동)", "충청남도", "천안시 서북구", "2004-10-10", "H49301"),
    ("주식회사 전주비빔마켓", "서다은", "market@jeonjubibim.kr", "063-287-6161", "jeonjubibim.kr", 21, 4_100_000_000,
     "전북특별자치도 전주시 완산구 전주객사3길 22 (고사동)", "전북특별자치도", "전주시 완산구", "2015-07-07",
     "G47912"),
    ("(주)여수해양건설", "김태양", "yeosu@yshaeyang.co.kr", "061-690-2200", "yshaeyang.co.kr", 74, 38_800_000_000,
     "전라남도 여수시 시청로 1 (학동)", "전라남도", "여수시", "2000-01-17", "F41112"),
    ("주식회사 제주그린스킨", "고은별", "hello@jejugreenskin.com", "064-748-9090", "jejugreenskin.com", 17,
     2_700_000_000, "제주특별자치도 제주시 첨단로 213-3 (영평동)", "제주특별자치도", "제주시", "2016-11-28", "C20423"),
]
# fmt: on

# SPEC.md's examples keep their real numbers; the others get numbers with correct check digits.
SPEC_NUMBERS = {
    "(주)대우캐리어판매": ("1101111713381", "1188120723"),
    "주식회사 넥스파시스템": ("1101112955908", "2068188409"),
}
REGISTRY_OFFICE = {
    "서울특별시": "110111",
    "경기도": "131111",
    "인천광역시": "120111",
    "부산광역시": "180111",
    "대구광역시": "170111",
    "광주광역시": "200111",
    "대전광역시": "160111",
    "울산광역시": "230111",
    "세종특별자치시": "164711",
    "강원특별자치도": "140111",
    "충청북도": "150111",
    "충청남도": "161511",
    "전북특별자치도": "210111",
    "전라남도": "205511",
    "제주특별자치도": "220111",
}

LISTS = [
    (
        "수도권 뷰티·건기식 브랜드",
        "서울·경기·인천의 화장품, 건강기능식품, 피부미용 업체 (네이버 검색광고 제안 대상)",
        lambda lead: (
            lead.si_nm in ("서울특별시", "경기도", "인천광역시")
            and lead.industry_id is not None
            and lead.industry.code in ("C20423", "C10797", "S96113")
        ),
    ),
    (
        "직원 50명 이상 법인",
        "매출 50억 이상·직원 50명 이상, 연간 계약 제안용",
        lambda lead: (lead.employee or 0) >= 50 and (lead.revenue or 0) >= 5_000_000_000,
    ),
]


# Companies of the SalesOne DB (the salesone_leads demo, seeded just before, loads it) imported into
# the demo user's leads and a list of their own, as a user would from the SalesOne search.
SALESONE_LIST = "SalesOne DB에서 가져온 서울 IT 기업"
SALESONE_FILTERS = {"si_nm": ["서울특별시"], "industry": ["J"]}
SALESONE_IMPORTED = 25


def _numbers(index: int, name: str, si_nm: str) -> tuple[str, str]:
    if name in SPEC_NUMBERS:
        return SPEC_NUMBERS[name]
    first_twelve = f"{REGISTRY_OFFICE[si_nm]}{(index * 7919 + 1234) % 1_000_000:06d}"
    first_nine = f"{(index * 37 + 101) % 900 + 100:03d}81{(index * 4049 + 2311) % 10000:04d}"
    return (
        f"{first_twelve}{corporation_check_digit(first_twelve)}",
        f"{first_nine}{business_check_digit(first_nine)}",
    )


def seed(ctx) -> None:
    # The salesone_leads demo loads the KSIC table first; codes it lacks are added, none renamed.
    industries = {
        code: Industry.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in INDUSTRIES.items()
    }
    leads = []
    for index, row in enumerate(COMPANIES):
        name, owner, email, phone, homepage, employee, revenue, address, si_nm, sgg_nm, founded, code = row
        corporation_number, business_number = _numbers(index, name, si_nm)
        lead, _ = demo_get_or_create(
            Lead,
            user=ctx.user,
            corporation_number=corporation_number,
            defaults={
                "business_number": business_number,
                "name": name,
                "owner": owner,
                "email": email,
                "phone": phone,
                "homepage": [homepage] if homepage else [],
                "employee": employee,
                "revenue": revenue,
                "address": address,
                "si_nm": si_nm,
                "sgg_nm": sgg_nm,
                "established_date": datetime.date.fromisoformat(founded),
                "industry": industries[code],
            },
        )
        leads.append(lead)

    lead_lists = []
    for list_name, description, member in LISTS:
        lead_list, _ = demo_get_or_create(
            LeadList, user=ctx.user, name=list_name, defaults={"description": description}
        )
        # Adding is idempotent: members already in the list are ignored.
        lead_list_add_leads(lead_list=lead_list, lead_ids=[lead.id for lead in leads if member(lead)])
        lead_list.refresh_from_db()
        lead_lists.append(lead_list)

    ctx.shared["leads"] = leads
    ctx.shared["lead_lists"] = lead_lists
    ctx.say(f"leads: {len(leads)}, lead lists: " + ", ".join(f"{ll.name} ({len(ll.lead_ids)})" for ll in lead_lists))
    _seed_salesone_import(ctx)


def _seed_salesone_import(ctx) -> None:
    """Import is idempotent (companies already held are skipped); nothing when the SalesOne DB has no match."""
    targets = salesone_import_targets(filters=SALESONE_FILTERS, limit=SALESONE_IMPORTED)
    if not targets:
        return
    lead_list, _ = demo_get_or_create(LeadList, user=ctx.user, name=SALESONE_LIST)
    imported = leads_import(user=ctx.user, corporation_numbers=targets, lead_list=lead_list)
    ctx.say(f"leads: {imported.created} imported from the SalesOne DB into {ctx.user.email}'s leads")
