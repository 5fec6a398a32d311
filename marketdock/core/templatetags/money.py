"""`{% load money %}` → `{{ amount|money:currency }}`: every amount from a marketplace is shown
with its own currency ("US$69.08", "12,900원")."""

from django import template

from marketdock.core.money import KRW, format_money

register = template.Library()


@register.filter
def money(value, currency=KRW) -> str:
    return format_money(value, currency or KRW)
