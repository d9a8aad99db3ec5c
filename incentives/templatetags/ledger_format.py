"""How the ledger writes its figures: signed points (+5, -3) and amounts in
yuan with the sign before the currency (¥50.00, -¥100.00)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def signed(value) -> str:
    try:
        return f"{int(value or 0):+d}"
    except (TypeError, ValueError):
        return ""


@register.filter
def cny(value) -> str:
    try:
        amount = Decimal(value or 0).quantize(Decimal("0.01"))
    except (TypeError, ArithmeticError, ValueError):
        return ""
    return f"-¥{-amount:,}" if amount < 0 else f"¥{amount:,}"
