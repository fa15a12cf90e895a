-- Checkout hold caps (issue #12): the open-order limiter keys (cart, customer, client address) a
-- pending-payment order counts against, so paying, cancelling or expiring it gives those slots back.
-- Cleared when the order stops waiting. See worker/orders/hold-limits.ts and docs/limits.md.
ALTER TABLE `orders` ADD `hold_slots` text;
