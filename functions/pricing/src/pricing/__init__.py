"""Quotes in exact decimal arithmetic: money never goes through floats."""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Volume discount: 10% from 10 items, 20% from 100.
TIERS = ((100, Decimal("0.20")), (10, Decimal("0.10")))
MAX_ITEMS = 10_000


class QuoteError(ValueError):
    """A request that cannot be priced, with the field at fault."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def quote(items, unit_price):
    """The total for `items` at `unit_price` (decimal strings), with the discount applied."""
    try:
        count = int(items)
    except (TypeError, ValueError):
        raise QuoteError("items", "items must be a whole number") from None
    if count < 1 or count > MAX_ITEMS:
        raise QuoteError("items", f"items must be between 1 and {MAX_ITEMS}")
    try:
        price = Decimal(unit_price)
    except (TypeError, InvalidOperation):
        raise QuoteError("unit", "unit must be a decimal amount such as 2.50") from None
    if not price.is_finite() or price <= 0:
        raise QuoteError("unit", "unit must be a positive amount")
    discount = next((rate for threshold, rate in TIERS if count >= threshold), Decimal("0"))
    subtotal = price * count
    total = (subtotal * (1 - discount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {"items": count, "unit": str(price), "discount": str(discount), "total": str(total)}
