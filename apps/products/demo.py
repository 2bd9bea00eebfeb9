"""Demo products: the ad plans a Korean marketing agency sells."""

from common.demo import demo_get_or_create

from .models import Product

PRODUCTS = [
    ("네이버 검색 CPC 광고", Product.PlanType.MONTHLY, 2_500_000, "네이버 파워링크 검색광고 운영 대행"),
    ("SNS 마케팅 패키지", Product.PlanType.ONE_TIME, 1_500_000, "인스타그램·페이스북 콘텐츠 제작과 광고 집행"),
    ("카카오 비즈보드 광고", Product.PlanType.WEEKLY, 700_000, "카카오톡 채팅 탭 상단 배너 광고"),
    ("유튜브 인플루언서 협찬", Product.PlanType.ONE_TIME, 5_000_000, "구독자 10만 이상 채널 협찬 영상 1건"),
]


def seed(ctx) -> None:
    for name, plan_type, price, description in PRODUCTS:
        demo_get_or_create(
            Product,
            created_by=ctx.user,
            name=name,
            defaults={"plan_type": plan_type, "price": price, "currency": "krw", "description": description},
        )
    ctx.say(f"products: {len(PRODUCTS)}")
