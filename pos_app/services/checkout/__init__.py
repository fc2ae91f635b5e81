"""The checkout of one terminal, in pieces of one use case each:

- ``reference``: promotions, member tiers and scan keys, cached until the platform sends new ones;
- ``policy``: who sells, and what the screen lets them do (a till's cashier, a kiosk's customer);
- ``sale``: the sale in progress (basket, payment, the charge waiting for an answer);
- ``scan``: a scan, classified and handed to the piece it is for;
- ``basket``: ringing up, quantities, voids, price overrides, starting again;
- ``members`` and ``coupons``: the member on the sale; coupons checked, reserved, capped offline;
- ``tenders`` and ``points``: taking payment, and spending and earning points;
- ``active`` and ``hold``: the basket kept on disk while money is involved, or while it is parked;
- ``completion`` and ``receipt``: the one transaction that writes the sale, and its receipt.

``CheckoutService`` (``service``) puts them together for the till. A kiosk composes the same pieces
with ``policy.SELF_SERVICE``.
"""

from pos_app.services.checkout.completion import CompletedSale
from pos_app.services.checkout.receipt import mask_reference
from pos_app.services.checkout.scan import ScanOutcome
from pos_app.services.checkout.service import CheckoutService

__all__ = ["CheckoutService", "CompletedSale", "ScanOutcome", "mask_reference"]
