// Package ingest fetches a client's press sources — RSS and Atom feeds and
// corporate news pages read through CSS selectors — and writes the raw items
// (package item's Raw) that normalization reads: one JSON array per UTC day at
// ingested/<client_id>/<YYYY>/<MM>/<DD>/items.json, merged by item_id.
//
// # Configuration
//
// The source catalog and the client configurations are YAML files in the
// config bucket (see CatalogKey, ClientKey, ParseCatalog, ParseClient and the
// example in testdata/). A client enables bouquets of sources plus extra
// sources; an event's sources replace that list.
//
// # Items
//
// Items are built as the original ingester did: HTML is removed from titles
// and contents (item.CleanText), item_id is
// "<source_key>_<YYYYMMDD of published_at>_<first 6 hex of md5(title)>"
// (item.DeriveItemID) and content_hash is "sha256:" and the SHA-256 of
// the lower-cased, white-space-collapsed content, or of the title when there
// is no content (item.DeriveContentHash): the original hashed the
// content alone, which the tests check against its items. published_at comes from the feed or page;
// when it has none, the ingest date is used and published_at_fallback is
// true. Items outside the event's window are dropped, and items whose
// content hash was already seen (in another source of the run or in the day
// file) are left out.
//
// # Coordination
//
// Concurrent invocations share the work through the coordination table:
// each (source, window) is a claim of package claim, taken in one
// transaction with the invocation lease's guard, so that a source is
// fetched once per window. Items written by this package:
//
//	pk = "ingest#<env>#<client_id>#<from>:<to>", sk = "source#<source_key>"
//	  a claim (package claim's layout) with its lease's scope; n_items is
//	  the number of items the source gave in the window (0 when free)
//
//	pk = "ingest#<env>#<client_id>", sk = "http#<source_key>"
//	  url, etag, last_modified  S  validators of the last full fetch
//	  from, to, fetched  S  the window it covered and its UTC day
//	  gc_at        N
//
// A claim whose holder is no longer live in its lease scope (the lease
// manager's rule) is taken over; a source that failed is marked free for a
// later invocation; a source's done mark and its validators are written in
// one transaction. Conditional GET (If-None-Match, If-Modified-Since) is
// used only when the remembered fetch already wrote every day of the new
// window, so a 304 never hides items.
//
// An Ingester is safe for concurrent use.
package ingest
