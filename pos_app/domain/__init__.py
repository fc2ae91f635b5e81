"""Pure business rules of the store: money, products, baskets, promotions, tenders, returns, receipts.

No Qt, no SQLAlchemy, no I/O; everything here is deterministic and unit-testable.
"""
