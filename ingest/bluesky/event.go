package bluesky

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/earshot-dev/earshot/mention"
)

// Platform is the platform of every record this source publishes.
const Platform = "bluesky"

// Event is a Jetstream event (https://github.com/bluesky-social/jetstream):
// kind "commit", "identity" or "account".
type Event struct {
	Did      string    `json:"did"`
	TimeUS   int64     `json:"time_us"`
	Kind     string    `json:"kind"`
	Commit   *Commit   `json:"commit,omitempty"`
	Identity *Identity `json:"identity,omitempty"`
}

// Commit is a repository operation.
type Commit struct {
	Rev        string          `json:"rev"`
	Operation  string          `json:"operation"` // create, update, delete
	Collection string          `json:"collection"`
	RKey       string          `json:"rkey"`
	Record     json.RawMessage `json:"record,omitempty"`
	CID        string          `json:"cid"`
}

// Identity announces an account's current handle.
type Identity struct {
	Did    string `json:"did"`
	Handle string `json:"handle"`
	Seq    int64  `json:"seq"`
	Time   string `json:"time"`
}

// Post is an app.bsky.feed.post record (the fields earshot uses).
type Post struct {
	Type      string   `json:"$type"`
	Text      string   `json:"text"`
	CreatedAt string   `json:"createdAt"`
	Langs     []string `json:"langs"`
	Reply     *struct {
		Root   StrongRef `json:"root"`
		Parent StrongRef `json:"parent"`
	} `json:"reply"`
	Embed  *Embed  `json:"embed"`
	Facets []Facet `json:"facets"`
}

// StrongRef points at a record.
type StrongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

// Embed is the part of app.bsky.embed.record / recordWithMedia that names
// the quoted record.
type Embed struct {
	Type   string          `json:"$type"`
	Record json.RawMessage `json:"record"`
}

// Facet annotates a byte range of the text.
type Facet struct {
	Index struct {
		ByteStart int `json:"byteStart"`
		ByteEnd   int `json:"byteEnd"`
	} `json:"index"`
	Features []struct {
		Type string `json:"$type"`
		Did  string `json:"did"`
	} `json:"features"`
}

// Reasons a post is skipped (earshot_ingest_records_rejected_total).
const (
	ReasonMalformed = "malformed_frame"
	ReasonBadRecord = "bad_record"
)

// errMalformed marks a frame that is not a Jetstream event.
var errMalformed = errors.New("malformed frame")

// decodeEvent parses one frame.
func decodeEvent(data []byte) (*Event, error) {
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if ev.TimeUS <= 0 || ev.Kind == "" {
		return nil, fmt.Errorf("%w: missing time_us or kind", errMalformed)
	}
	switch ev.Kind {
	case "commit":
		if ev.Commit == nil || ev.Did == "" {
			return nil, fmt.Errorf("%w: commit event without commit or did", errMalformed)
		}
	case "identity":
		if ev.Identity == nil {
			return nil, fmt.Errorf("%w: identity event without identity", errMalformed)
		}
	}
	return &ev, nil
}

// PostURI is the at:// URI of a post.
func PostURI(did, rkey string) string { return "at://" + did + "/" + Collection + "/" + rkey }

// QualifiedID is the mention id of an at:// URI.
func QualifiedID(uri string) string { return mention.QualifiedID(Platform, uri) }

// isPostURI accepts at://<did>/app.bsky.feed.post/<rkey>.
func isPostURI(uri string) bool {
	rest, ok := strings.CutPrefix(uri, "at://")
	if !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	return len(parts) == 3 && parts[0] != "" && parts[1] == Collection && parts[2] != ""
}

// toMention maps a create commit of app.bsky.feed.post. handle returns the
// handle of a DID when known.
func toMention(ev *Event, received time.Time, handle func(did string) string) (*mention.Mention, error) {
	c := ev.Commit
	var p Post
	if err := json.Unmarshal(c.Record, &p); err != nil {
		return nil, fmt.Errorf("record: %v", err)
	}
	if c.RKey == "" || strings.Contains(c.RKey, "/") {
		return nil, fmt.Errorf("rkey %q", c.RKey)
	}
	uri := PostURI(ev.Did, c.RKey)
	id := QualifiedID(uri)
	eventTime := time.UnixMicro(ev.TimeUS).UTC()
	created, err := time.Parse(time.RFC3339Nano, p.CreatedAt)
	// createdAt is written by the client: keep it unless it is missing,
	// broken or ahead of the relay's clock (a wrong client clock).
	if err != nil || created.After(eventTime.Add(5*time.Minute)) || created.Year() < 2000 {
		created = eventTime
	}
	m := &mention.Mention{
		V:              mention.Version,
		ID:             id,
		Platform:       Platform,
		NativeID:       uri,
		URL:            "https://bsky.app/profile/" + ev.Did + "/post/" + c.RKey,
		CreatedAt:      created.UTC(),
		IngestedAt:     received.UTC(),
		Source:         Platform,
		Author:         mention.Author{ID: ev.Did, Handle: handle(ev.Did)},
		Text:           p.Text,
		ConversationID: id,
	}
	if len(p.Langs) > 0 {
		m.Lang = strings.ToLower(p.Langs[0])
	}
	if r := p.Reply; r != nil {
		if isPostURI(r.Parent.URI) {
			m.InReplyTo = QualifiedID(r.Parent.URI)
			m.ConversationID = m.InReplyTo
		}
		if isPostURI(r.Root.URI) {
			m.ConversationID = QualifiedID(r.Root.URI)
		}
	}
	if q := quotedURI(p.Embed); q != "" {
		m.QuotedID = QualifiedID(q)
	}
	if ms := mentions(p.Text, p.Facets, handle); len(ms) > 0 {
		m.Extra = map[string]any{"mentions": ms}
	}
	return m, nil
}

// quotedURI is the post an embed quotes, if it quotes a post.
func quotedURI(e *Embed) string {
	if e == nil || len(e.Record) == 0 {
		return ""
	}
	var ref StrongRef
	switch e.Type {
	case "app.bsky.embed.record":
		if json.Unmarshal(e.Record, &ref) != nil {
			return ""
		}
	case "app.bsky.embed.recordWithMedia":
		var wrap struct {
			Record StrongRef `json:"record"`
		}
		if json.Unmarshal(e.Record, &wrap) != nil {
			return ""
		}
		ref = wrap.Record
	default:
		return ""
	}
	if !isPostURI(ref.URI) {
		return ""
	}
	return ref.URI
}

// Mentioned is an account a post mentions (a mention facet).
type Mentioned struct {
	Did    string `json:"did"`
	Handle string `json:"handle,omitempty"`
}

// mentions lists the accounts the mention facets name, with the handle as
// written in the text ("@klm.com" → "klm.com") or else from the cache.
func mentions(text string, facets []Facet, handle func(string) string) []Mentioned {
	var out []Mentioned
	for _, f := range facets {
		for _, ft := range f.Features {
			if ft.Type != "app.bsky.richtext.facet#mention" || !strings.HasPrefix(ft.Did, "did:") {
				continue
			}
			h := ""
			s, e := f.Index.ByteStart, f.Index.ByteEnd
			if s >= 0 && e <= len(text) && s < e && e-s <= 256 {
				if span := text[s:e]; utf8.ValidString(span) && strings.HasPrefix(span, "@") {
					h = strings.TrimPrefix(span, "@")
				}
			}
			if h == "" {
				h = handle(ft.Did)
			}
			out = append(out, Mentioned{Did: ft.Did, Handle: h})
			if len(out) >= 50 {
				return out
			}
		}
	}
	return out
}
