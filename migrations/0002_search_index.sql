-- Search index (issue #6). drizzle-kit cannot express FTS5 virtual tables or triggers, so this
-- migration is written by hand; worker/search/tables.ts describes the same tables for typed queries.
--
-- One row in search_documents per ACTIVE product (draft and archived products are not searchable),
-- with a stable integer key (products has a TEXT primary key, whose implicit rowid SQLite may
-- renumber on VACUUM, so it cannot key an index). Triggers on the catalog tables keep it, the
-- full-text index and the facet counts in step with every write, in the same transaction.

CREATE TABLE `search_documents` (
	`doc_id` integer PRIMARY KEY NOT NULL,
	`product_id` text NOT NULL,
	`category_id` text NOT NULL,
	`category_path` text NOT NULL,
	`brand_id` text,
	`vendor_id` text,
	`price` integer NOT NULL,
	`rating` integer NOT NULL,
	`rating_count` integer NOT NULL,
	`in_stock` integer NOT NULL,
	`featured` integer NOT NULL,
	`sold` integer NOT NULL,
	`created_at` text NOT NULL,
	-- ",12,57," : ids from search_attribute_values, comma-delimited on both sides for instr() tests.
	`attribute_ids` text DEFAULT ',' NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `search_documents_product_uq` ON `search_documents` (`product_id`);--> statement-breakpoint
-- Covers the sort keys too: a category page is read and ordered from this index alone.
CREATE INDEX `search_documents_category_idx` ON `search_documents` (`category_path`,`price`,`featured`,`sold`,`created_at`,`rating`,`rating_count`);--> statement-breakpoint
CREATE INDEX `search_documents_brand_idx` ON `search_documents` (`brand_id`);--> statement-breakpoint
CREATE INDEX `search_documents_vendor_idx` ON `search_documents` (`vendor_id`);--> statement-breakpoint
CREATE INDEX `search_documents_price_idx` ON `search_documents` (`price`);--> statement-breakpoint
CREATE INDEX `search_documents_rating_idx` ON `search_documents` (`rating`,`rating_count`);--> statement-breakpoint
CREATE INDEX `search_documents_created_idx` ON `search_documents` (`created_at`);--> statement-breakpoint
CREATE INDEX `search_documents_sold_idx` ON `search_documents` (`sold`);--> statement-breakpoint
CREATE INDEX `search_documents_featured_idx` ON `search_documents` (`featured`,`sold`);--> statement-breakpoint

-- Every (name, value) attribute pair gets a small integer id, so a document lists its attributes compactly.
CREATE TABLE `search_attribute_values` (
	`value_id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `search_attribute_values_name_value_uq` ON `search_attribute_values` (`name`,`value`);--> statement-breakpoint
INSERT INTO `search_attribute_values` (`name`, `value`) SELECT DISTINCT `name`, `value` FROM `product_attributes`;--> statement-breakpoint

-- Facet counts of the whole searchable catalog per cell of (category, in stock, price bucket,
-- rating bucket), so browsing everything, a category, in-stock items, a price bucket or a minimum
-- rating (the widest candidate sets) never reads documents. facet: total (value '') | brand |
-- vendor | attr (value = search_attribute_values.value_id). Price buckets start at 0, 25, 50,
-- 100, 200 and 500 in the currency's major unit (worker/search/schema.ts PRICE_BUCKETS);
-- rating buckets are whole stars rounded down.
CREATE TABLE `search_facet_counts` (
	`facet` text NOT NULL,
	`value` text NOT NULL,
	`category_id` text NOT NULL,
	`in_stock` integer NOT NULL,
	`price_bucket` integer NOT NULL,
	`rating_bucket` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`facet`, `value`, `category_id`, `in_stock`, `price_bucket`, `rating_bucket`)
) WITHOUT ROWID;
--> statement-breakpoint
-- A category's cells without reading every category's (covering: the count is in the index).
CREATE INDEX `search_facet_counts_category_idx` ON `search_facet_counts` (`category_id`,`facet`,`value`,`count`);
--> statement-breakpoint

-- Full text: name above brand above category above description (weights are
-- given to bm25() at query time). Case and diacritics fold; 2- and 3-letter prefixes are indexed
-- so typing "he" is one lookup. rowid = search_documents.doc_id.
CREATE VIRTUAL TABLE `search_fts` USING fts5(
	name, brand, category, description,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3'
);
--> statement-breakpoint
-- The live vocabulary of the index, for "did you mean" spelling corrections.
CREATE VIRTUAL TABLE `search_vocabulary` USING fts5vocab(`search_fts`, 'row');
--> statement-breakpoint

-- ---------------------------------------------------------------------------------------------
-- search_documents -> full-text rows and facet counts

CREATE TRIGGER `search_documents_ai` AFTER INSERT ON `search_documents` BEGIN
	INSERT INTO `search_fts` (rowid, name, brand, category, description)
	SELECT new.doc_id, p.name, coalesce(b.name, ''),
		coalesce((SELECT group_concat(c.name, ' ') FROM categories c WHERE instr(new.category_path, '/' || c.id || '/') > 0), ''),
		p.description
	FROM products p LEFT JOIN brands b ON b.id = p.brand_id WHERE p.id = new.product_id;
	INSERT INTO `search_facet_counts` (facet, value, category_id, in_stock, price_bucket, rating_bucket, count)
	SELECT j.key, j.value, new.category_id, new.in_stock, CASE WHEN new.price < 2500 THEN 0 WHEN new.price < 5000 THEN 1 WHEN new.price < 10000 THEN 2 WHEN new.price < 20000 THEN 3 WHEN new.price < 50000 THEN 4 ELSE 5 END, min(max(new.rating, 0), 500) / 100, 1
	FROM json_each(json_object('total', '', 'brand', new.brand_id, 'vendor', new.vendor_id)) j WHERE j.value IS NOT NULL
	ON CONFLICT (facet, value, category_id, in_stock, price_bucket, rating_bucket) DO UPDATE SET count = count + 1;
	INSERT INTO `search_facet_counts` (facet, value, category_id, in_stock, price_bucket, rating_bucket, count)
	SELECT 'attr', CAST(j.value AS TEXT), new.category_id, new.in_stock, CASE WHEN new.price < 2500 THEN 0 WHEN new.price < 5000 THEN 1 WHEN new.price < 10000 THEN 2 WHEN new.price < 20000 THEN 3 WHEN new.price < 50000 THEN 4 ELSE 5 END, min(max(new.rating, 0), 500) / 100, 1
	FROM json_each('[' || trim(new.attribute_ids, ',') || ']') j WHERE true
	ON CONFLICT (facet, value, category_id, in_stock, price_bucket, rating_bucket) DO UPDATE SET count = count + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `search_documents_ad` AFTER DELETE ON `search_documents` BEGIN
	DELETE FROM `search_fts` WHERE rowid = old.doc_id;
	INSERT INTO `search_facet_counts` (facet, value, category_id, in_stock, price_bucket, rating_bucket, count)
	SELECT j.key, j.value, old.category_id, old.in_stock, CASE WHEN old.price < 2500 THEN 0 WHEN old.price < 5000 THEN 1 WHEN old.price < 10000 THEN 2 WHEN old.price < 20000 THEN 3 WHEN old.price < 50000 THEN 4 ELSE 5 END, min(max(old.rating, 0), 500) / 100, -1
	FROM json_each(json_object('total', '', 'brand', old.brand_id, 'vendor', old.vendor_id)) j WHERE j.value IS NOT NULL
	ON CONFLICT (facet, value, category_id, in_stock, price_bucket, rating_bucket) DO UPDATE SET count = count - 1;
	INSERT INTO `search_facet_counts` (facet, value, category_id, in_stock, price_bucket, rating_bucket, count)
	SELECT 'attr', CAST(j.value AS TEXT), old.category_id, old.in_stock, CASE WHEN old.price < 2500 THEN 0 WHEN old.price < 5000 THEN 1 WHEN old.price < 10000 THEN 2 WHEN old.price < 20000 THEN 3 WHEN old.price < 50000 THEN 4 ELSE 5 END, min(max(old.rating, 0), 500) / 100, -1
	FROM json_each('[' || trim(old.attribute_ids, ',') || ']') j WHERE true
	ON CONFLICT (facet, value, category_id, in_stock, price_bucket, rating_bucket) DO UPDATE SET count = count - 1;
END;
--> statement-breakpoint
CREATE TRIGGER `search_documents_facets_au` AFTER UPDATE OF category_id, in_stock, brand_id, vendor_id, price, rating, attribute_ids ON `search_documents`
WHEN old.category_id IS NOT new.category_id OR old.in_stock IS NOT new.in_stock OR old.brand_id IS NOT new.brand_id OR old.vendor_id IS NOT new.vendor_id
	OR old.price IS NOT new.price OR old.rating IS NOT new.rating
BEGIN
	INSERT INTO `search_facet_counts` (facet, value, category_id, in_stock, price_bucket, rating_bucket, count)
	SELECT j.key, j.value, old.category_id, old.in_stock, CASE WHEN old.price < 2500 THEN 0 WHEN old.price < 5000 THEN 1 WHEN old.price < 10000 THEN 2 WHEN old.price < 20000 THEN 3 WHEN old.price < 50000 THEN 4 ELSE 5 END, min(max(old.rating, 0), 500) / 100, -1
	FROM json_each(json_object('total', '', 'brand', old.brand_id, 'vendor', old.vendor_id)) j WHERE j.value IS NOT NULL
	ON CONFLICT (facet, value, category_id, in_stock, price_bucket, rating_bucket) DO UPDATE SET count = count - 1;
	INSERT INTO `search_facet_counts` (facet, value, category_id, in_stock, price_bucket, rating_bucket, count)
	SELECT 'attr', CAST(j.value AS TEXT), old.category_id, old.in_stock, CASE WHEN old.price < 2500 THEN 0 WHEN old.price < 5000 THEN 1 WHEN old.price < 10000 THEN 2 WHEN old.price < 20000 THEN 3 WHEN old.price < 50000 THEN 4 ELSE 5 END, min(max(old.rating, 0), 500) / 100, -1
	FROM json_each('[' || trim(old.attribute_ids, ',') || ']') j WHERE true
	ON CONFLICT (facet, value, category_id, in_stock, price_bucket, rating_bucket) DO UPDATE SET count = count - 1;
	INSERT INTO `search_facet_counts` (facet, value, category_id, in_stock, price_bucket, rating_bucket, count)
	SELECT j.key, j.value, new.category_id, new.in_stock, CASE WHEN new.price < 2500 THEN 0 WHEN new.price < 5000 THEN 1 WHEN new.price < 10000 THEN 2 WHEN new.price < 20000 THEN 3 WHEN new.price < 50000 THEN 4 ELSE 5 END, min(max(new.rating, 0), 500) / 100, 1
	FROM json_each(json_object('total', '', 'brand', new.brand_id, 'vendor', new.vendor_id)) j WHERE j.value IS NOT NULL
	ON CONFLICT (facet, value, category_id, in_stock, price_bucket, rating_bucket) DO UPDATE SET count = count + 1;
	INSERT INTO `search_facet_counts` (facet, value, category_id, in_stock, price_bucket, rating_bucket, count)
	SELECT 'attr', CAST(j.value AS TEXT), new.category_id, new.in_stock, CASE WHEN new.price < 2500 THEN 0 WHEN new.price < 5000 THEN 1 WHEN new.price < 10000 THEN 2 WHEN new.price < 20000 THEN 3 WHEN new.price < 50000 THEN 4 ELSE 5 END, min(max(new.rating, 0), 500) / 100, 1
	FROM json_each('[' || trim(new.attribute_ids, ',') || ']') j WHERE true
	ON CONFLICT (facet, value, category_id, in_stock, price_bucket, rating_bucket) DO UPDATE SET count = count + 1;
END;
--> statement-breakpoint

-- Only the attribute list changed (an attribute row was added or removed): move just those counts.
CREATE TRIGGER `search_documents_attributes_au` AFTER UPDATE OF attribute_ids ON `search_documents`
WHEN old.attribute_ids IS NOT new.attribute_ids AND old.category_id IS new.category_id AND old.in_stock IS new.in_stock AND old.brand_id IS new.brand_id
	AND old.vendor_id IS new.vendor_id AND old.price IS new.price AND old.rating IS new.rating
BEGIN
	INSERT INTO `search_facet_counts` (facet, value, category_id, in_stock, price_bucket, rating_bucket, count)
	SELECT 'attr', CAST(j.value AS TEXT), old.category_id, old.in_stock, CASE WHEN old.price < 2500 THEN 0 WHEN old.price < 5000 THEN 1 WHEN old.price < 10000 THEN 2 WHEN old.price < 20000 THEN 3 WHEN old.price < 50000 THEN 4 ELSE 5 END, min(max(old.rating, 0), 500) / 100, -1
	FROM json_each('[' || trim(old.attribute_ids, ',') || ']') j WHERE instr(new.attribute_ids, ',' || j.value || ',') = 0
	ON CONFLICT (facet, value, category_id, in_stock, price_bucket, rating_bucket) DO UPDATE SET count = count - 1;
	INSERT INTO `search_facet_counts` (facet, value, category_id, in_stock, price_bucket, rating_bucket, count)
	SELECT 'attr', CAST(j.value AS TEXT), new.category_id, new.in_stock, CASE WHEN new.price < 2500 THEN 0 WHEN new.price < 5000 THEN 1 WHEN new.price < 10000 THEN 2 WHEN new.price < 20000 THEN 3 WHEN new.price < 50000 THEN 4 ELSE 5 END, min(max(new.rating, 0), 500) / 100, 1
	FROM json_each('[' || trim(new.attribute_ids, ',') || ']') j WHERE instr(old.attribute_ids, ',' || j.value || ',') = 0
	ON CONFLICT (facet, value, category_id, in_stock, price_bucket, rating_bucket) DO UPDATE SET count = count + 1;
END;
--> statement-breakpoint

-- ---------------------------------------------------------------------------------------------
-- products -> search_documents (and the full-text row when searchable text changes)

CREATE TRIGGER `search_products_ai` AFTER INSERT ON `products` WHEN new.status = 'active' BEGIN
	INSERT INTO `search_documents` (product_id, category_id, category_path, brand_id, vendor_id, price, rating, rating_count, in_stock, featured, sold, created_at, attribute_ids)
	VALUES (new.id, new.category_id, new.category_path, new.brand_id, new.vendor_id, new.min_price, new.rating_avg_x100, new.rating_count, new.in_stock, new.featured, new.sold_count, new.created_at,
		coalesce((SELECT ',' || group_concat(v.value_id, ',') || ',' FROM product_attributes a JOIN search_attribute_values v ON v.name = a.name AND v.value = a.value WHERE a.product_id = new.id), ','));
END;
--> statement-breakpoint
CREATE TRIGGER `search_products_activated` AFTER UPDATE OF status ON `products` WHEN old.status <> 'active' AND new.status = 'active' BEGIN
	INSERT INTO `search_documents` (product_id, category_id, category_path, brand_id, vendor_id, price, rating, rating_count, in_stock, featured, sold, created_at, attribute_ids)
	VALUES (new.id, new.category_id, new.category_path, new.brand_id, new.vendor_id, new.min_price, new.rating_avg_x100, new.rating_count, new.in_stock, new.featured, new.sold_count, new.created_at,
		coalesce((SELECT ',' || group_concat(v.value_id, ',') || ',' FROM product_attributes a JOIN search_attribute_values v ON v.name = a.name AND v.value = a.value WHERE a.product_id = new.id), ','));
END;
--> statement-breakpoint
CREATE TRIGGER `search_products_deactivated` AFTER UPDATE OF status ON `products` WHEN old.status = 'active' AND new.status <> 'active' BEGIN
	DELETE FROM `search_documents` WHERE product_id = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_products_au` AFTER UPDATE ON `products` WHEN old.status = 'active' AND new.status = 'active' BEGIN
	UPDATE `search_documents` SET product_id = new.id, category_id = new.category_id, category_path = new.category_path, brand_id = new.brand_id, vendor_id = new.vendor_id,
		price = new.min_price, rating = new.rating_avg_x100, rating_count = new.rating_count, in_stock = new.in_stock, featured = new.featured, sold = new.sold_count, created_at = new.created_at
	WHERE product_id = old.id;
	UPDATE `search_fts` SET name = new.name,
		brand = coalesce((SELECT b.name FROM brands b WHERE b.id = new.brand_id), ''),
		category = coalesce((SELECT group_concat(c.name, ' ') FROM categories c WHERE instr(new.category_path, '/' || c.id || '/') > 0), ''),
		description = new.description
	WHERE rowid = (SELECT doc_id FROM search_documents WHERE product_id = new.id)
		AND (old.name IS NOT new.name OR old.description IS NOT new.description OR old.brand_id IS NOT new.brand_id OR old.category_path IS NOT new.category_path);
END;
--> statement-breakpoint
CREATE TRIGGER `search_products_ad` AFTER DELETE ON `products` WHEN old.status = 'active' BEGIN
	DELETE FROM `search_documents` WHERE product_id = old.id;
END;
--> statement-breakpoint

-- Variant price and stock changes (the inventory mirror) refresh the product's denormalized
-- price and in-stock columns, which reach search through the trigger above.
CREATE TRIGGER `search_variants_au` AFTER UPDATE OF price, stock_available ON `product_variants`
WHEN old.price IS NOT new.price OR old.stock_available IS NOT new.stock_available BEGIN
	UPDATE `products` SET
		min_price = (SELECT min(price) FROM product_variants WHERE product_id = new.product_id),
		max_price = (SELECT max(price) FROM product_variants WHERE product_id = new.product_id),
		in_stock = EXISTS (SELECT 1 FROM product_variants WHERE product_id = new.product_id AND stock_available > 0)
	WHERE id = new.product_id;
END;
--> statement-breakpoint

-- ---------------------------------------------------------------------------------------------
-- attributes, brands and categories -> documents and full-text rows

CREATE TRIGGER `search_attributes_ai` AFTER INSERT ON `product_attributes` BEGIN
	INSERT OR IGNORE INTO `search_attribute_values` (name, value) VALUES (new.name, new.value);
	UPDATE `search_documents` SET attribute_ids = attribute_ids || (SELECT value_id FROM search_attribute_values WHERE name = new.name AND value = new.value) || ','
	WHERE product_id = new.product_id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_attributes_ad` AFTER DELETE ON `product_attributes` BEGIN
	UPDATE `search_documents` SET attribute_ids = replace(attribute_ids, ',' || (SELECT value_id FROM search_attribute_values WHERE name = old.name AND value = old.value) || ',', ',')
	WHERE product_id = old.product_id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_attributes_au` AFTER UPDATE ON `product_attributes` BEGIN
	INSERT OR IGNORE INTO `search_attribute_values` (name, value) VALUES (new.name, new.value);
	UPDATE `search_documents` SET attribute_ids = replace(attribute_ids, ',' || (SELECT value_id FROM search_attribute_values WHERE name = old.name AND value = old.value) || ',', ',')
	WHERE product_id = old.product_id;
	UPDATE `search_documents` SET attribute_ids = attribute_ids || (SELECT value_id FROM search_attribute_values WHERE name = new.name AND value = new.value) || ','
	WHERE product_id = new.product_id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_brands_au` AFTER UPDATE OF name ON `brands` WHEN old.name IS NOT new.name BEGIN
	UPDATE `search_fts` SET brand = new.name WHERE rowid IN (SELECT doc_id FROM search_documents WHERE brand_id = new.id);
END;
--> statement-breakpoint
CREATE TRIGGER `search_categories_au` AFTER UPDATE OF name ON `categories` WHEN old.name IS NOT new.name BEGIN
	UPDATE `search_fts` SET category = coalesce((SELECT group_concat(c.name, ' ') FROM categories c WHERE instr(d.category_path, '/' || c.id || '/') > 0), '')
	FROM search_documents d WHERE d.doc_id = search_fts.rowid AND instr(d.category_path, '/' || new.id || '/') > 0;
END;
--> statement-breakpoint

-- Index what is already in the catalog.
INSERT INTO `search_documents` (product_id, category_id, category_path, brand_id, vendor_id, price, rating, rating_count, in_stock, featured, sold, created_at, attribute_ids)
SELECT p.id, p.category_id, p.category_path, p.brand_id, p.vendor_id, p.min_price, p.rating_avg_x100, p.rating_count, p.in_stock, p.featured, p.sold_count, p.created_at,
	coalesce((SELECT ',' || group_concat(v.value_id, ',') || ',' FROM product_attributes a JOIN search_attribute_values v ON v.name = a.name AND v.value = a.value WHERE a.product_id = p.id), ',')
FROM products p WHERE p.status = 'active';
