package mastodon

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/ingest/internal/srcutil"
	"github.com/earshot-dev/earshot/mention"
)

// Platform is the platform of every record this source publishes.
const Platform = "mastodon"

// Status is a Mastodon status entity (the fields earshot uses).
type Status struct {
	ID                 string    `json:"id"`
	URI                string    `json:"uri"`
	URL                string    `json:"url"`
	CreatedAt          time.Time `json:"created_at"`
	InReplyToID        *string   `json:"in_reply_to_id"`
	InReplyToAccountID *string   `json:"in_reply_to_account_id"`
	SpoilerText        string    `json:"spoiler_text"`
	Visibility         string    `json:"visibility"`
	Language           *string   `json:"language"`
	Content            string    `json:"content"`
	RepliesCount       int64     `json:"replies_count"`
	ReblogsCount       int64     `json:"reblogs_count"`
	FavouritesCount    int64     `json:"favourites_count"`
	Account            Account   `json:"account"`
	Reblog             *Status   `json:"reblog"`
	Mentions           []struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Acct     string `json:"acct"`
		URL      string `json:"url"`
	} `json:"mentions"`
}

// Account is the author of a status.
type Account struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	Acct           string `json:"acct"`
	DisplayName    string `json:"display_name"`
	FollowersCount int64  `json:"followers_count"`
	Bot            bool   `json:"bot"`
	URL            string `json:"url"`
}

// Reasons a status is skipped (earshot_ingest_records_rejected_total).
const (
	ReasonMalformed = "malformed_event"
	ReasonEmptyText = "empty_text"
)

var errMalformed = errors.New("malformed status")

// decodeStatus parses an update event's data (a status JSON object).
func decodeStatus(data []byte) (*Status, error) {
	var s Status
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if s.Reblog != nil { // a boost: the boosted status is the post
		s = *s.Reblog
	}
	if !validID(s.ID) || s.Account.ID == "" || s.CreatedAt.IsZero() {
		return nil, fmt.Errorf("%w: missing id, account or created_at", errMalformed)
	}
	return &s, nil
}

// validID accepts Mastodon's numeric string ids.
func validID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// newerID compares two numeric ids: a > b.
func newerID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// QualifiedID is the mention id of a status id on host.
func QualifiedID(host, id string) string { return mention.QualifiedID(Platform, host+"/"+id) }

// toMention maps a status read from host. root returns the conversation
// root of a parent status id when it is known.
func toMention(host string, s *Status, received time.Time, root func(parentID string) string) (*mention.Mention, string) {
	text := srcutil.HTMLToText(s.Content)
	if cw := strings.TrimSpace(s.SpoilerText); cw != "" {
		text = strings.TrimSpace(cw + "\n\n" + text)
	}
	if strings.TrimSpace(text) == "" {
		return nil, ReasonEmptyText
	}
	id := QualifiedID(host, s.ID)
	acct := s.Account.Acct
	if acct != "" && !strings.Contains(acct, "@") {
		acct += "@" + host
	}
	m := &mention.Mention{
		V:          mention.Version,
		ID:         id,
		Platform:   Platform,
		NativeID:   host + "/" + s.ID,
		URL:        firstNonEmpty(s.URL, s.URI),
		CreatedAt:  s.CreatedAt.UTC(),
		IngestedAt: received.UTC(),
		Source:     Platform,
		Author: mention.Author{
			ID:          host + "/" + s.Account.ID,
			Handle:      acct,
			DisplayName: s.Account.DisplayName,
			Followers:   max(s.Account.FollowersCount, 0),
		},
		Text:           text,
		ConversationID: id,
		Engagement: &mention.Engagement{
			Likes: max(s.FavouritesCount, 0), Reposts: max(s.ReblogsCount, 0), Replies: max(s.RepliesCount, 0),
		},
	}
	if s.Language != nil {
		m.Lang = strings.ToLower(*s.Language)
	}
	if s.InReplyToID != nil && validID(*s.InReplyToID) {
		m.InReplyTo = QualifiedID(host, *s.InReplyToID)
		// Best effort: the parent's root when the parent was seen, else
		// the parent itself.
		m.ConversationID = m.InReplyTo
		if r := root(*s.InReplyToID); r != "" {
			m.ConversationID = r
		}
	}
	var accts []string
	for _, mn := range s.Mentions {
		a := mn.Acct
		if a != "" && !strings.Contains(a, "@") {
			a += "@" + host
		}
		if a != "" {
			accts = append(accts, a)
		}
	}
	extra := map[string]any{}
	if len(accts) > 0 {
		extra["mentions"] = accts
	}
	if s.Visibility != "" {
		extra["visibility"] = s.Visibility
	}
	if s.Account.Bot {
		extra["bot"] = true
	}
	if len(extra) > 0 {
		m.Extra = extra
	}
	return m, ""
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
