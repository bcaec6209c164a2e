package rss

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"

	"github.com/earshot-dev/earshot/ingest/internal/srcutil"
	"github.com/earshot-dev/earshot/mention"
)

// Platform is the platform of every record this source publishes.
const Platform = "rss"

// Reasons an item is skipped (earshot_ingest_records_rejected_total).
const (
	ReasonNoID      = "no_id"
	ReasonEmptyText = "empty_text"
)

// nativeID is the item's GUID when it is globally unique (a URL, a urn: or
// tag: URI — anything with a scheme), else its link, else the GUID
// qualified by the feed's host (a bare "1234" GUID is unique only within
// its feed).
func nativeID(feedURL string, it *gofeed.Item) string {
	guid := strings.TrimSpace(it.GUID)
	if guid != "" && strings.Contains(guid, ":") {
		return guid
	}
	if link := strings.TrimSpace(it.Link); link != "" {
		return link
	}
	if guid != "" {
		return hostOf(feedURL) + "/" + guid
	}
	return ""
}

// QualifiedID is the mention id of a native item id.
func QualifiedID(nativeID string) string { return mention.QualifiedID(Platform, nativeID) }

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// toMention maps a feed item. reason is set when the item cannot be mapped.
func toMention(feedURL string, feed *gofeed.Feed, it *gofeed.Item, received time.Time) (*mention.Mention, string) {
	id := nativeID(feedURL, it)
	if id == "" {
		return nil, ReasonNoID
	}
	title := srcutil.HTMLToText(it.Title)
	body := it.Content
	if strings.TrimSpace(body) == "" {
		body = it.Description
	}
	text := title
	if b := srcutil.HTMLToText(body); b != "" && b != title {
		if text != "" {
			text += "\n\n"
		}
		text += b
	}
	if strings.TrimSpace(text) == "" {
		return nil, ReasonEmptyText
	}
	text = truncate(text, mention.MaxTextBytes)

	created := received
	switch {
	case it.PublishedParsed != nil:
		created = *it.PublishedParsed
	case it.UpdatedParsed != nil:
		created = *it.UpdatedParsed
	}
	author := mention.Author{}
	people := it.Authors
	if len(people) == 0 && it.Author != nil {
		people = []*gofeed.Person{it.Author}
	}
	if len(people) == 0 && it.DublinCoreExt != nil && len(it.DublinCoreExt.Creator) > 0 {
		people = []*gofeed.Person{{Name: it.DublinCoreExt.Creator[0]}}
	}
	if len(people) > 0 && people[0] != nil {
		p := people[0]
		author.DisplayName = strings.TrimSpace(p.Name)
		author.Handle = author.DisplayName
		author.ID = strings.TrimSpace(p.Email)
		if author.ID == "" {
			author.ID = author.DisplayName
		}
	}
	if author.ID == "" {
		// The publication itself: its site, else the feed's host.
		author.ID = hostOf(feed.Link)
		if author.ID == "" {
			author.ID = hostOf(feedURL)
		}
		author.DisplayName = strings.TrimSpace(feed.Title)
	}
	qid := mention.QualifiedID(Platform, id)
	m := &mention.Mention{
		V:              mention.Version,
		ID:             qid,
		Platform:       Platform,
		NativeID:       id,
		URL:            strings.TrimSpace(it.Link),
		CreatedAt:      created.UTC(),
		IngestedAt:     received.UTC(),
		Source:         Platform,
		Author:         author,
		Text:           text,
		Lang:           language(feed.Language),
		ConversationID: qid,
		Extra:          map[string]any{"feed_url": feedURL},
	}
	return m, ""
}

// language keeps the primary subtag of a language tag ("en-US" → "en").
func language(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	return tag
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
