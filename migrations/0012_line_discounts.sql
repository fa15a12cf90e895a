-- Each order line carries its share of the order's discounts (minor units), so refunds, returns and
-- vendor commissions prorate from what was paid for the line. Existing orders had no discounts.
ALTER TABLE order_lines ADD COLUMN discount_total INTEGER NOT NULL DEFAULT 0;
