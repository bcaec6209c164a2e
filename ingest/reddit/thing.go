package reddit

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/mention"
)

// Platform is the platform of every record this source publishes.
const Platform = "reddit"

// Reasons an item is not published (earshot_ingest_records_rejected_total).
const (
	ReasonMalformed = "malformed_item"
	ReasonEmptyText = "empty_text"
)

// Listing is Reddit's listing envelope.
type Listing struct {
	Kind string `json:"kind"`
	Data struct {
		After    *string `json:"after"`
		Before   *string `json:"before"`
		Children []struct {
			Kind string          `json:"kind"`
			Data json.RawMessage `json:"data"`
		} `json:"children"`
	} `json:"data"`
}

// Thing is a link (t3) or a comment (t1): the fields earshot uses.
type Thing struct {
	Kind           string  `json:"-"`
	ID             string  `json:"id"`
	Name           string  `json:"name"` // the fullname, t3_… or t1_…
	Title          string  `json:"title"`
	Selftext       string  `json:"selftext"`
	Body           string  `json:"body"`
	Author         string  `json:"author"`
	AuthorFullname string  `json:"author_fullname"`
	CreatedUTC     float64 `json:"created_utc"`
	Permalink      string  `json:"permalink"`
	Subreddit      string  `json:"subreddit"`
	Score          int64   `json:"score"`
	NumComments    int64   `json:"num_comments"`
	ParentID       string  `json:"parent_id"`
	LinkID         string  `json:"link_id"`
	LinkTitle      string  `json:"link_title"`
	Over18         bool    `json:"over_18"`
	URL            string  `json:"url"`
}

var errMalformed = errors.New("malformed item")

// decodeListing parses a listing page.
func decodeListing(b []byte) (*Listing, error) {
	var l Listing
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if l.Kind != "Listing" {
		return nil, fmt.Errorf("%w: kind %q, want Listing", errMalformed, l.Kind)
	}
	return &l, nil
}

// decodeThing parses a listing child of kind t1 or t3.
func decodeThing(kind string, data []byte) (*Thing, error) {
	if kind != "t1" && kind != "t3" {
		return nil, fmt.Errorf("%w: kind %q, want t1 or t3", errMalformed, kind)
	}
	var t Thing
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	t.Kind = kind
	if t.Name == "" && validBase36(t.ID) {
		t.Name = kind + "_" + t.ID
	}
	if !validFullname(t.Name) || !strings.HasPrefix(t.Name, kind+"_") || t.CreatedUTC <= 0 || t.CreatedUTC > 1e11 || math.IsNaN(t.CreatedUTC) {
		return nil, fmt.Errorf("%w: missing or bad name or created_utc", errMalformed)
	}
	if kind == "t1" && (!validFullname(t.LinkID) || !validFullname(t.ParentID)) {
		return nil, fmt.Errorf("%w: comment without link_id or parent_id", errMalformed)
	}
	return &t, nil
}

func validBase36(s string) bool {
	if s == "" || len(s) > 13 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// validFullname accepts t<digit>_<base36>.
func validFullname(s string) bool {
	return len(s) > 3 && s[0] == 't' && s[1] >= '1' && s[1] <= '9' && s[2] == '_' && validBase36(s[3:])
}

// newerName reports whether fullname a is newer than b (same kind; ids
// are base36 counters).
func newerName(a, b string) bool {
	if !validFullname(a) || !validFullname(b) {
		return false
	}
	x, err1 := strconv.ParseUint(a[3:], 36, 64)
	y, err2 := strconv.ParseUint(b[3:], 36, 64)
	return err1 == nil && err2 == nil && x > y
}

// QualifiedID is the mention id of a fullname.
func QualifiedID(fullname string) string { return mention.QualifiedID(Platform, fullname) }

// removed says that a comment's or post's text was deleted.
func removed(s string) bool { return s == "[deleted]" || s == "[removed]" }

// toMention maps a thing.
func toMention(t *Thing, received time.Time) (*mention.Mention, string) {
	var text string
	if t.Kind == "t3" {
		text = strings.TrimSpace(t.Title)
		if st := strings.TrimSpace(t.Selftext); st != "" && !removed(st) {
			text += "\n\n" + st
		}
	} else if !removed(strings.TrimSpace(t.Body)) {
		text = strings.TrimSpace(t.Body)
	}
	if text == "" {
		return nil, ReasonEmptyText
	}
	id := QualifiedID(t.Name)
	sec, frac := math.Modf(t.CreatedUTC)
	m := &mention.Mention{
		V:              mention.Version,
		ID:             id,
		Platform:       Platform,
		NativeID:       t.Name,
		CreatedAt:      time.Unix(int64(sec), int64(frac*1e9)).UTC().Truncate(time.Millisecond),
		IngestedAt:     received.UTC(),
		Source:         Platform,
		Author:         mention.Author{ID: t.AuthorFullname, Handle: t.Author},
		Text:           text,
		ConversationID: id,
		Engagement:     &mention.Engagement{Likes: max(t.Score, 0), Replies: max(t.NumComments, 0)},
	}
	if t.Author == "[deleted]" {
		m.Author.Handle = ""
	}
	if m.Author.ID == "" {
		m.Author.ID = m.Author.Handle // deleted accounts have neither: Validate rejects
	}
	if strings.HasPrefix(t.Permalink, "/") {
		m.URL = "https://www.reddit.com" + t.Permalink
	}
	if t.Kind == "t1" {
		m.InReplyTo = QualifiedID(t.ParentID)
		m.ConversationID = QualifiedID(t.LinkID)
	}
	extra := map[string]any{}
	if t.Subreddit != "" {
		extra["subreddit"] = t.Subreddit
	}
	if t.Score < 0 {
		extra["score"] = t.Score
	}
	if t.Over18 {
		extra["over_18"] = true
	}
	if t.LinkTitle != "" {
		extra["link_title"] = t.LinkTitle
	}
	if len(extra) > 0 {
		m.Extra = extra
	}
	return m, ""
}
