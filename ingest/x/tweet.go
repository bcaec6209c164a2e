package x

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/mention"
)

// Platform is the platform of every record this source publishes.
const Platform = "x"

// Query parameters of the stream and of recent search: the fields and
// expansions the mapping reads.
const (
	tweetFields = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang,public_metrics,entities"
	expansions  = "author_id,referenced_tweets.id,referenced_tweets.id.author_id"
	userFields  = "username,name,verified,public_metrics"
)

// Reasons a post is not published (earshot_ingest_records_rejected_total).
const (
	ReasonMalformed = "malformed_post"
	ReasonEmptyText = "empty_text"
)

// Tweet is an X API v2 Post object (the fields requested).
type Tweet struct {
	ID               string          `json:"id"`
	Text             string          `json:"text"`
	CreatedAt        time.Time       `json:"created_at"`
	AuthorID         string          `json:"author_id"`
	ConversationID   string          `json:"conversation_id"`
	InReplyToUserID  string          `json:"in_reply_to_user_id"`
	Lang             string          `json:"lang"`
	ReferencedTweets []ReferencedRef `json:"referenced_tweets"`
	PublicMetrics    struct {
		RetweetCount int64 `json:"retweet_count"`
		ReplyCount   int64 `json:"reply_count"`
		LikeCount    int64 `json:"like_count"`
		QuoteCount   int64 `json:"quote_count"`
	} `json:"public_metrics"`
	Entities struct {
		Mentions []struct {
			Username string `json:"username"`
			ID       string `json:"id"`
		} `json:"mentions"`
		Hashtags []struct {
			Tag string `json:"tag"`
		} `json:"hashtags"`
	} `json:"entities"`
}

// ReferencedRef is one entry of referenced_tweets.
type ReferencedRef struct {
	Type string `json:"type"` // replied_to, quoted, retweeted
	ID   string `json:"id"`
}

// User is an X API v2 User object from includes.users.
type User struct {
	ID            string `json:"id"`
	Username      string `json:"username"`
	Name          string `json:"name"`
	Verified      bool   `json:"verified"`
	PublicMetrics struct {
		FollowersCount int64 `json:"followers_count"`
	} `json:"public_metrics"`
}

// Includes are a response's expansions.
type Includes struct {
	Users  []User  `json:"users"`
	Tweets []Tweet `json:"tweets"`
}

// APIError is one entry of a response's errors array (a problem object).
type APIError struct {
	Title          string `json:"title"`
	Detail         string `json:"detail"`
	Type           string `json:"type"`
	DisconnectType string `json:"disconnect_type"`
	Message        string `json:"message"`
}

func (e APIError) String() string {
	s := e.Title
	if e.DisconnectType != "" {
		s += " (" + e.DisconnectType + ")"
	}
	for _, d := range []string{e.Detail, e.Message} {
		if d != "" {
			s += ": " + d
			break
		}
	}
	return s
}

// StreamLine is one line of the filtered stream: a post with its
// expansions and the rules it matched, or (without data) a message such
// as an operational disconnect.
type StreamLine struct {
	Data          *Tweet     `json:"data"`
	Includes      Includes   `json:"includes"`
	Errors        []APIError `json:"errors"`
	MatchingRules []struct {
		ID  string `json:"id"`
		Tag string `json:"tag"`
	} `json:"matching_rules"`
}

// SearchPage is one page of recent search.
type SearchPage struct {
	Data     []json.RawMessage `json:"data"`
	Includes Includes          `json:"includes"`
	Errors   []APIError        `json:"errors"`
	Meta     struct {
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
}

var errMalformed = errors.New("malformed post")

// decodeLine parses one stream line. A line with errors and no data is a
// message (ok, Data nil); a line whose data is not a usable post is an
// error.
func decodeLine(b []byte) (*StreamLine, error) {
	var l StreamLine
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if l.Data == nil {
		if len(l.Errors) == 0 {
			return nil, fmt.Errorf("%w: neither data nor errors", errMalformed)
		}
		return &l, nil
	}
	if err := checkTweet(l.Data); err != nil {
		return nil, err
	}
	return &l, nil
}

// decodeTweet parses one post of a search page.
func decodeTweet(b []byte) (*Tweet, error) {
	var t Tweet
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if err := checkTweet(&t); err != nil {
		return nil, err
	}
	return &t, nil
}

func checkTweet(t *Tweet) error {
	if !validID(t.ID) || !validID(t.AuthorID) || t.CreatedAt.IsZero() {
		return fmt.Errorf("%w: missing or bad id, author_id or created_at", errMalformed)
	}
	return nil
}

// validID accepts X's numeric string ids (snowflakes).
func validID(id string) bool {
	if id == "" || len(id) > 20 {
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

// QualifiedID is the mention id of a post id.
func QualifiedID(id string) string { return mention.QualifiedID(Platform, id) }

// ref returns the id of the referenced post of type typ.
func (t *Tweet) ref(typ string) string {
	for _, r := range t.ReferencedTweets {
		if r.Type == typ && validID(r.ID) {
			return r.ID
		}
	}
	return ""
}

// IsRetweet reports whether t is a retweet (a repost without text of its
// own), which the source skips.
func (t *Tweet) IsRetweet() bool { return t.ref("retweeted") != "" }

// X escapes &, < and > in text.
var unescapeText = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// toMention maps a post; users are the response's includes.users.
func toMention(t *Tweet, users []User, rules []string, received time.Time) (*mention.Mention, string) {
	text := unescapeText.Replace(t.Text)
	if strings.TrimSpace(text) == "" {
		return nil, ReasonEmptyText
	}
	id := QualifiedID(t.ID)
	m := &mention.Mention{
		V:              mention.Version,
		ID:             id,
		Platform:       Platform,
		NativeID:       t.ID,
		CreatedAt:      t.CreatedAt.UTC(),
		IngestedAt:     received.UTC(),
		Source:         Platform,
		Author:         mention.Author{ID: t.AuthorID},
		Text:           text,
		Lang:           strings.ToLower(t.Lang),
		ConversationID: id,
		Engagement: &mention.Engagement{
			Likes:   max(t.PublicMetrics.LikeCount, 0),
			Reposts: max(t.PublicMetrics.RetweetCount, 0),
			Replies: max(t.PublicMetrics.ReplyCount, 0),
			Quotes:  max(t.PublicMetrics.QuoteCount, 0),
		},
	}
	if m.Lang == "und" || m.Lang == "zxx" || m.Lang == "qme" || m.Lang == "qst" || m.Lang == "qam" || m.Lang == "qct" || m.Lang == "qht" {
		m.Lang = "" // X's "undetermined" and media/short-text codes
	}
	username := ""
	for i := range users {
		if users[i].ID == t.AuthorID {
			u := users[i]
			username = u.Username
			m.Author.Handle = u.Username
			m.Author.DisplayName = u.Name
			m.Author.Followers = max(u.PublicMetrics.FollowersCount, 0)
			m.Author.Verified = u.Verified
			break
		}
	}
	if username == "" {
		username = "i" // x.com/i/status/<id> resolves without the handle
	}
	m.URL = "https://x.com/" + username + "/status/" + t.ID
	if p := t.ref("replied_to"); p != "" {
		m.InReplyTo = QualifiedID(p)
	}
	if q := t.ref("quoted"); q != "" {
		m.QuotedID = QualifiedID(q)
	}
	if validID(t.ConversationID) {
		m.ConversationID = QualifiedID(t.ConversationID)
	}
	extra := map[string]any{}
	var mentions []string
	for _, mn := range t.Entities.Mentions {
		if mn.Username != "" {
			mentions = append(mentions, mn.Username)
		}
	}
	if len(mentions) > 0 {
		extra["mentions"] = mentions
	}
	var tags []string
	for _, h := range t.Entities.Hashtags {
		if h.Tag != "" {
			tags = append(tags, h.Tag)
		}
	}
	if len(tags) > 0 {
		extra["hashtags"] = tags
	}
	if validID(t.InReplyToUserID) {
		extra["in_reply_to_user_id"] = t.InReplyToUserID
	}
	if len(rules) > 0 {
		extra["matching_rules"] = rules
	}
	if len(extra) > 0 {
		m.Extra = extra
	}
	return m, ""
}
