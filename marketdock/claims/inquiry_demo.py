"""Demo: answer templates for each demo company (inquiries themselves arrive from the sandbox
marketplaces through the scheduled collection)."""

from __future__ import annotations

from marketdock.core.models import Company

from .models import AnswerTemplate

TEMPLATES = (
    ("배송 안내", "배송", "안녕하세요 {구매자}님. 주문하신 {상품명}은 {택배사} {송장번호}로 발송되었습니다. 감사합니다."),
    ("발송 일정", "배송", "안녕하세요 {구매자}님. 주문번호 {주문번호}는 영업일 기준 1~2일 안에 발송될 예정입니다."),
    ("사이즈 안내", "상품", "안녕하세요. {상품명}은 정사이즈로 나옵니다. 평소 입으시는 사이즈로 주문해 주세요."),
    ("교환·반품 안내", "교환/반품", "안녕하세요 {구매자}님. 상품 수령 후 7일 이내 교환·반품 신청이 가능합니다. "
                              "단순 변심의 경우 왕복 배송비가 부과됩니다."),
)


def demo_answer_templates(company: Company, out: list[str]) -> None:
    made = 0
    for name, category, text in TEMPLATES:
        _template, created = AnswerTemplate.objects.get_or_create(
            company=company, name=name, defaults={"category": category, "text": text})
        made += created
    if made:
        out.append(f"{company.code}: {made} answer templates")


DEMO_SENDER = "01000000000"  # not a real number: the demo's SMS go to the file/log backend


def demo_cs_settings(company: Company, out: list[str]) -> None:
    """A verified demo sender number (clearly a demo value) and a round-robin 담당자 rule that is off
    until the seller switches it on."""
    from django.utils import timezone

    from .models import AssignmentRule, SmsSender

    sender, created = SmsSender.objects.get_or_create(
        company=company, number=DEMO_SENDER,
        defaults={"label": "데모 발신번호 (실제 발송 안 됨)", "verified_at": timezone.now(), "is_default": True})
    if not AssignmentRule.objects.filter(company=company).exists():
        rule = AssignmentRule.objects.create(company=company, mode=AssignmentRule.Mode.ROUND_ROBIN,
                                             target=AssignmentRule.Target.BOTH, is_active=False)
        rule.users.set(company.users.filter(is_active=True))
    if created:
        out.append(f"{company.code}: demo SMS sender {sender.number}, 담당자 rule (off)")
