-- Edge caching (issue #12): the version of what anonymous catalog pages and catalog API answers show.
-- Every cached copy's key carries the version it was rendered at (worker/lib/response-cache.ts); a
-- catalog or settings write bumps it here, and every isolate reads it again within a few seconds
-- (worker/lib/cache-version.ts), so no location keeps serving the old copy. D1 rather than KV: a KV
-- write takes up to 60 s to reach other locations. See docs/caching.md.
CREATE TABLE `cache_versions` (
	`name` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL
);
