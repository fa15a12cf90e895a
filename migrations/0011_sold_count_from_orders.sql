-- products.sold_count follows paid orders (the "bestselling" and "relevance" sorts read it): each order
-- remembers whether its units are counted, so counting and uncounting happen once however often a status
-- change is retried (worker/orders/sold-count.ts).
ALTER TABLE `orders` ADD `sold_counted` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Orders already paid before this migration: count them once (a store that never counted starts exact;
-- the demo catalog's generated counts keep their head start).
UPDATE `products` SET `sold_count` = `sold_count` + (
	SELECT coalesce(sum(ol.`quantity`), 0) FROM `order_lines` ol JOIN `orders` o ON o.`id` = ol.`order_id`
	WHERE ol.`product_id` = `products`.`id` AND o.`status` IN ('paid', 'fulfilling', 'shipped', 'delivered', 'partially_refunded')
) WHERE `id` IN (
	SELECT ol.`product_id` FROM `order_lines` ol JOIN `orders` o ON o.`id` = ol.`order_id`
	WHERE o.`status` IN ('paid', 'fulfilling', 'shipped', 'delivered', 'partially_refunded')
);--> statement-breakpoint
UPDATE `orders` SET `sold_counted` = 1 WHERE `status` IN ('paid', 'fulfilling', 'shipped', 'delivered', 'partially_refunded');
