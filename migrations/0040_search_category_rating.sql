-- A category's products by rating come out of this index in order, as they come out of
-- search_documents_category_idx by price: a browse of a category subtree sorted by rating reads each
-- category's first rows instead of sorting every product of the subtree. At 1,000,000 products, the first
-- page of the 23 categories of four departments (the departments and their subcategories) took 72-83 ms summed through the category index and a
-- sort, 6 ms through this one (BENCHMARKS.md); building it took 1 s.
CREATE INDEX `search_documents_category_rating_idx` ON `search_documents` (`category_path`,`rating`,`rating_count`);
