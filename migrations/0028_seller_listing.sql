-- Marketplace listing (issue #15): a product is in the search index (listings, category pages, search,
-- suggestions, facets, seller storefronts) only while it is active AND its seller, if it has one, is active.
-- The index follows a seller's status in the same statement that changes it, through the triggers below,
-- so suspending a seller hides all its products at once and reinstating it brings them back, with the
-- facet counts and the isolates' change log kept exact by the search_documents triggers of 0002 and 0008.
-- A product whose vendor_id names no seller row counts as listed (the store's own products have none).
--
-- The product triggers of 0002 decided on the product's own status only; they are replaced by ones that
-- decide on "listed" as it is after the change, and insert or delete the document when it is missing or
-- should not be there (so any order of firing gives the same index).

DROP TRIGGER IF EXISTS `search_products_ai`;
--> statement-breakpoint
CREATE TRIGGER `search_products_ai` AFTER INSERT ON `products`
WHEN new.status = 'active' AND NOT EXISTS (SELECT 1 FROM vendors v WHERE v.id = new.vendor_id AND v.status <> 'active') BEGIN
	INSERT INTO `search_documents` (product_id, category_id, category_path, brand_id, vendor_id, price, rating, rating_count, in_stock, featured, sold, created_at, attribute_ids)
	VALUES (new.id, new.category_id, new.category_path, new.brand_id, new.vendor_id, new.min_price, new.rating_avg_x100, new.rating_count, new.in_stock, new.featured, new.sold_count, new.created_at,
		coalesce((SELECT ',' || group_concat(v.value_id, ',') || ',' FROM product_attributes a JOIN search_attribute_values v ON v.name = a.name AND v.value = a.value WHERE a.product_id = new.id), ','));
END;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `search_products_activated`;
--> statement-breakpoint
CREATE TRIGGER `search_products_activated` AFTER UPDATE OF status, vendor_id ON `products`
WHEN new.status = 'active' AND NOT EXISTS (SELECT 1 FROM vendors v WHERE v.id = new.vendor_id AND v.status <> 'active')
	AND NOT EXISTS (SELECT 1 FROM search_documents d WHERE d.product_id = new.id) BEGIN
	INSERT INTO `search_documents` (product_id, category_id, category_path, brand_id, vendor_id, price, rating, rating_count, in_stock, featured, sold, created_at, attribute_ids)
	VALUES (new.id, new.category_id, new.category_path, new.brand_id, new.vendor_id, new.min_price, new.rating_avg_x100, new.rating_count, new.in_stock, new.featured, new.sold_count, new.created_at,
		coalesce((SELECT ',' || group_concat(v.value_id, ',') || ',' FROM product_attributes a JOIN search_attribute_values v ON v.name = a.name AND v.value = a.value WHERE a.product_id = new.id), ','));
END;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `search_products_deactivated`;
--> statement-breakpoint
CREATE TRIGGER `search_products_deactivated` AFTER UPDATE OF status, vendor_id ON `products`
WHEN new.status <> 'active' OR EXISTS (SELECT 1 FROM vendors v WHERE v.id = new.vendor_id AND v.status <> 'active') BEGIN
	DELETE FROM `search_documents` WHERE product_id = old.id;
END;
--> statement-breakpoint

-- A seller leaves the store (suspended; or any other status from active): its documents go.
CREATE TRIGGER `search_vendors_unlisted` AFTER UPDATE OF status ON `vendors`
WHEN old.status = 'active' AND new.status <> 'active' BEGIN
	DELETE FROM `search_documents` WHERE product_id IN (SELECT p.id FROM products p WHERE p.vendor_id = new.id);
END;
--> statement-breakpoint
-- A seller becomes active (approved, reinstated): its active products are indexed again.
CREATE TRIGGER `search_vendors_listed` AFTER UPDATE OF status ON `vendors`
WHEN old.status <> 'active' AND new.status = 'active' BEGIN
	INSERT INTO `search_documents` (product_id, category_id, category_path, brand_id, vendor_id, price, rating, rating_count, in_stock, featured, sold, created_at, attribute_ids)
	SELECT p.id, p.category_id, p.category_path, p.brand_id, p.vendor_id, p.min_price, p.rating_avg_x100, p.rating_count, p.in_stock, p.featured, p.sold_count, p.created_at,
		coalesce((SELECT ',' || group_concat(v.value_id, ',') || ',' FROM product_attributes a JOIN search_attribute_values v ON v.name = a.name AND v.value = a.value WHERE a.product_id = p.id), ',')
	FROM products p
	WHERE p.vendor_id = new.id AND p.status = 'active' AND NOT EXISTS (SELECT 1 FROM search_documents d WHERE d.product_id = p.id);
END;
--> statement-breakpoint

-- What is indexed today under sellers that are not active leaves the index.
DELETE FROM `search_documents` WHERE product_id IN (SELECT p.id FROM products p JOIN vendors v ON v.id = p.vendor_id WHERE v.status <> 'active');
