// Package srcutil holds what the network sources (http, rss, bluesky,
// mastodon) share: a bounded, persisted seen-set of platform ids, atomic
// state files, the per-source connection metrics, jittered backoff,
// Retry-After parsing and secret loading from the environment or a file.
//
// It is internal to ingest: the sources' public surface is their Config and
// their Run method.
package srcutil
