// Package item is the data of the ingest-normalize Lambda: the invocation
// Event and its window of UTC days, the raw press item (Raw) and the one
// parser of the day files that hold them (a JSON array or JSON Lines, see
// ParseItems and Split), the identifiers that end up in S3 keys and how
// missing ones are derived, the cleaning of titles and contents, and the S3
// key layout:
//
//	ingested/<client_id>/<YYYY>/<MM>/<DD>/items.json            raw items of a day (InputKey)
//	normalized/<client_id>/<YYYY>/<MM>/<DD>/items/<item_id>.json  one record (ItemKey)
//	normalized/<client_id>/<YYYY>/<MM>/<DD>/items.json          a day's records (DayKey)
//
// Ingestion writes these items and normalization reads them; both import
// this package, which imports nothing of the module. It performs no I/O,
// keeps no global mutable state and takes time as an argument: every
// function is safe for concurrent use.
package item
