-- One index per sort order within a category: (path, then the sort's columns). With them a category's products
-- come out in every sort order a listing offers (price already had search_documents_category_idx), so a browse of
-- a category subtree reads each category's first rows and merges them instead of sorting every product of the
-- subtree (worker/search/service/browse-page.ts `browsePageSql`). At 1,000,000 products the first page of the
-- 23 categories of four departments (the departments and their subcategories) by rating took 72-83 ms summed
-- through the category index and a sort, 6 ms through its own index; each index took 0.7-1.7 s to build and
-- 28-50 MB (BENCHMARKS.md).
CREATE INDEX `search_documents_category_rating_idx` ON `search_documents` (`category_path`,`rating`,`rating_count`);
--> statement-breakpoint
CREATE INDEX `search_documents_category_featured_idx` ON `search_documents` (`category_path`,`featured`,`sold`);
--> statement-breakpoint
CREATE INDEX `search_documents_category_created_idx` ON `search_documents` (`category_path`,`created_at`);
--> statement-breakpoint
CREATE INDEX `search_documents_category_sold_idx` ON `search_documents` (`category_path`,`sold`);
