package replay

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/earshot-dev/earshot/mention"
)

// The CrowdFlower / Figure Eight ("Data for Everyone") labelled tweet CSVs,
// found by their header:
//
//   - Twitter US Airline Sentiment (Kaggle's Tweets.csv, or CrowdFlower's
//     Airline-Sentiment-2-w-AA.csv with "airline_sentiment:confidence" and
//     _unit_id): tweet_id, airline_sentiment, airline_sentiment_confidence,
//     negativereason, negativereason_confidence, airline,
//     airline_sentiment_gold, name, negativereason_gold, retweet_count,
//     text, tweet_coord, tweet_created ("2015-02-24 11:35:52 -0800"),
//     tweet_location, user_timezone.
//   - Brands and product emotions (SXSW 2011): tweet_text,
//     emotion_in_tweet_is_directed_at,
//     is_there_an_emotion_directed_at_a_brand_or_product — no id, no date,
//     no author.
//   - Other files of the series with a text column and a sentiment column
//     (the GOP debate file: candidate, sentiment, sentiment_confidence, …).
//
// Mapping:
//   - id: x:<tweet_id> (platform x) only when the row has a real tweet id;
//     else crowdflower:<_unit_id> when CrowdFlower's unit id is there; else
//     a content id (see contentIDs) under platform crowdflower.
//   - author: name (the screen name) as id and handle; "anonymous" when the
//     file has none (these files replaced the authors with "@mention").
//   - created_at: tweet_created (or created_at, date); rows without one get
//     Config.DefaultCreatedAt and extra.created_at_default = true.
//   - text: read as Windows-1252 when it is not UTF-8, the CrowdFlower
//     mojibake repaired (Config.CrowdFlower.RepairMojibake), the HTML
//     entities &amp; &lt; &gt; &quot; undone.
//   - extra.target: the airline, brand or product the label is about;
//     extra.label: positive, negative, neutral ("No emotion toward brand or
//     product") or cant_tell ("I can't tell"), extra.label_raw the cell as
//     written, extra.label_confidence, extra.negative_reason,
//     extra.negative_reason_confidence, extra.label_gold,
//     extra.negative_reason_gold; extra.user_location,
//     extra.user_timezone, extra.coordinates; extra.dataset = crowdflower;
//     extra.line = the CSV line of the row.
//   - retweet_count: engagement.reposts.
//
// A tweet id, when there is one, is a conversation of its own (the files
// carry no reply structure).

// Platform and source of crowdflower records.
const (
	PlatformCrowdFlower = "crowdflower"
	SourceCrowdFlower   = "replay:crowdflower"
	// AnonymousAuthor is the author id of rows that name no author.
	AnonymousAuthor = "anonymous"
)

// Column names of the CrowdFlower files, normalised (normalizeColumn), in
// order of preference.
var (
	cfTextColumns   = []string{"text", "tweet_text", "content"}
	cfLabelColumns  = []string{"airline_sentiment", "is_there_an_emotion_directed_at_a_brand_or_product", "sentiment"}
	cfTargetColumns = []string{"airline", "emotion_in_tweet_is_directed_at", "candidate", "brand", "product"}
	cfDateColumns   = []string{"tweet_created", "created_at", "date"}
	cfNameColumns   = []string{"name", "screen_name", "user_name", "username"}
	cfReasonColumns = []string{"negativereason", "negative_reason"}
)

// cfColumns holds the index of each column used (-1: absent) and the
// settings a row is decoded with.
type cfColumns struct {
	text, label, labelConf, labelGold, target int
	reason, reasonConf, reasonGold            int
	tweetID, unitID, name, created, retweets  int
	location, timezone, coord                 int
	n                                         int
	repair                                    bool
	defaultCreated                            time.Time
	loc                                       *time.Location
}

func findColumn(norm []string, names []string) int {
	for _, want := range names {
		for i, h := range norm {
			if h == want {
				return i
			}
		}
	}
	return -1
}

// isCrowdFlowerHeader reports whether a header has a CrowdFlower text and
// sentiment column.
func isCrowdFlowerHeader(rec []string) bool {
	norm := make([]string, len(rec))
	for i, h := range rec {
		norm[i] = normalizeColumn(h)
	}
	return findColumn(norm, cfTextColumns) >= 0 && findColumn(norm, cfLabelColumns) >= 0
}

// parseCrowdFlowerHeader finds the columns by name.
func parseCrowdFlowerHeader(rec []string, defaultCreated time.Time, loc *time.Location, repair bool) (*cfColumns, error) {
	norm := make([]string, len(rec))
	for i, h := range rec {
		norm[i] = normalizeColumn(h)
	}
	c := &cfColumns{n: len(rec), repair: repair, defaultCreated: defaultCreated, loc: loc}
	c.text = findColumn(norm, cfTextColumns)
	c.label = findColumn(norm, cfLabelColumns)
	if c.text < 0 || c.label < 0 {
		var missing []string
		if c.text < 0 {
			missing = append(missing, "a text column ("+strings.Join(cfTextColumns, ", ")+")")
		}
		if c.label < 0 {
			missing = append(missing, "a label column ("+strings.Join(cfLabelColumns, ", ")+")")
		}
		return nil, fmt.Errorf("crowdflower: header %q lacks %s; is this a CrowdFlower / Figure Eight tweet file? (else pass --format csv --map text=<column>,…)",
			clip(strings.Join(rec, ",")), strings.Join(missing, " and "))
	}
	labelName := norm[c.label]
	c.labelConf = findColumn(norm, []string{labelName + "_confidence"})
	c.labelGold = findColumn(norm, []string{labelName + "_gold"})
	c.target = findColumn(norm, cfTargetColumns)
	c.reason = findColumn(norm, cfReasonColumns)
	c.reasonConf, c.reasonGold = -1, -1
	if c.reason >= 0 {
		c.reasonConf = findColumn(norm, []string{norm[c.reason] + "_confidence"})
		c.reasonGold = findColumn(norm, []string{norm[c.reason] + "_gold"})
	}
	c.tweetID = findColumn(norm, []string{"tweet_id"})
	c.unitID = findColumn(norm, []string{"_unit_id"})
	c.name = findColumn(norm, cfNameColumns)
	c.created = findColumn(norm, cfDateColumns)
	c.retweets = findColumn(norm, []string{"retweet_count"})
	c.location = findColumn(norm, []string{"tweet_location", "user_location"})
	c.timezone = findColumn(norm, []string{"user_timezone"})
	c.coord = findColumn(norm, []string{"tweet_coord"})
	return c, nil
}

// Layouts of the CrowdFlower dates: Kaggle's "2015-02-24 11:35:52 -0800",
// RFC 3339, the X API's, and CrowdFlower's own US "2/24/15 11:35" (read in
// Config.TimeZone, as are the other layouts without an offset).
var cfTimeLayouts = []string{
	"2006-01-02 15:04:05 -0700", time.RFC3339, twcsTimeLayout,
	"2006-01-02 15:04:05", "2006-01-02 15:04", "1/2/06 15:04", "1/2/2006 15:04", "1/2/06 15:04:05", "1/2/2006 15:04:05",
}

func parseCrowdFlowerTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range cfTimeLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("tweet_created %q is not a date like %q", clip(s), "2015-02-24 11:35:52 -0800")
}

// crowdflowerLabel normalises a sentiment or emotion cell.
func crowdflowerLabel(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "positive", "positive emotion":
		return mention.SentimentPositive
	case "negative", "negative emotion":
		return mention.SentimentNegative
	case "neutral", "no emotion toward brand or product":
		return mention.SentimentNeutral
	case "i can't tell", "i cant tell", "can't tell", "cannot tell":
		return "cant_tell"
	}
	return ""
}

// parseConfidence reads a 0..1 confidence; empty is absent.
func parseConfidence(s string) (float64, bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 1 {
		return 0, false, fmt.Errorf("%q is not a confidence in 0..1", clip(s))
	}
	return v, true, nil
}

func (c *cfColumns) platform() string { return PlatformCrowdFlower }

func (c *cfColumns) cell(rec []string, i int) string {
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(decodeCell(rec[i]))
}

// decode maps one CrowdFlower row.
func (c *cfColumns) decode(rec []string) (tableRow, string, error) {
	var row tableRow
	if len(rec) != c.n {
		return row, ReasonBadCSV, fmt.Errorf("row has %d fields, the header has %d", len(rec), c.n)
	}
	raw := decodeCell(rec[c.text])
	text := raw
	repaired := false
	if c.repair {
		text, repaired = repairMojibake(text)
	}
	text = entityUnescaper.Replace(text)
	if strings.TrimSpace(text) == "" {
		return row, ReasonEmptyText, errors.New("the text is empty")
	}
	m := &mention.Mention{V: mention.Version, Source: SourceCrowdFlower, Text: text, Extra: map[string]any{"dataset": PlatformCrowdFlower}}
	if repaired {
		m.Extra["text_repaired"] = true
	}
	switch {
	case c.tweetID >= 0 && c.cell(rec, c.tweetID) != "":
		s := c.cell(rec, c.tweetID)
		if strings.ContainsAny(s, "eE") {
			return row, ReasonBadID, fmt.Errorf("tweet_id %q is written in scientific notation, which lost its digits (re-export the column as text)", clip(s))
		}
		id, err := parseTweetID(s)
		if err != nil {
			return row, ReasonBadID, fmt.Errorf("tweet_id: %w", err)
		}
		m.Platform, m.NativeID = "x", strconv.FormatInt(id, 10)
		m.URL = "https://x.com/i/web/status/" + m.NativeID
	case c.unitID >= 0 && c.cell(rec, c.unitID) != "":
		id, err := parseTweetID(c.cell(rec, c.unitID))
		if err != nil {
			return row, ReasonBadID, fmt.Errorf("_unit_id: %w", err)
		}
		m.Platform, m.NativeID = PlatformCrowdFlower, strconv.FormatInt(id, 10)
	default:
		m.Platform = PlatformCrowdFlower
		row.hashText = raw
	}
	if m.NativeID != "" {
		m.ID = mention.QualifiedID(m.Platform, m.NativeID)
		m.ConversationID = m.ID
	}

	if name := c.cell(rec, c.name); name != "" {
		m.Author = mention.Author{ID: name, Handle: name}
		if strings.ContainsAny(name, " \t\r\n") { // a display name, not a screen name
			m.Author = mention.Author{ID: name, DisplayName: name}
		}
	} else {
		m.Author = mention.Author{ID: AnonymousAuthor}
	}

	if s := c.cell(rec, c.created); s != "" {
		t, err := parseCrowdFlowerTime(s, c.loc)
		if err != nil {
			return row, ReasonBadDate, err
		}
		m.CreatedAt = t
	} else {
		m.CreatedAt = c.defaultCreated
		m.Extra["created_at_default"] = true
	}

	if s := c.cell(rec, c.retweets); s != "" {
		n, err := parseCount(s)
		if err != nil {
			return row, ReasonBadCount, fmt.Errorf("retweet_count: %w", err)
		}
		if n > 0 {
			m.Engagement = &mention.Engagement{Reposts: n}
		}
	}

	if s := c.cell(rec, c.target); s != "" {
		m.Extra["target"] = s
	}
	if s := c.cell(rec, c.label); s != "" {
		m.Extra["label_raw"] = s
		if l := crowdflowerLabel(s); l != "" {
			m.Extra["label"] = l
		}
	}
	for _, f := range []struct {
		col  int
		name string
	}{{c.labelConf, "label_confidence"}, {c.reasonConf, "negative_reason_confidence"}} {
		v, ok, err := parseConfidence(c.cell(rec, f.col))
		if err != nil {
			return row, "bad_" + f.name, fmt.Errorf("%s: %w", f.name, err)
		}
		if ok {
			m.Extra[f.name] = v
		}
	}
	for _, f := range []struct {
		col  int
		name string
	}{{c.reason, "negative_reason"}, {c.labelGold, "label_gold"}, {c.reasonGold, "negative_reason_gold"},
		{c.location, "user_location"}, {c.timezone, "user_timezone"}, {c.coord, "coordinates"}} {
		if s := c.cell(rec, f.col); s != "" {
			m.Extra[f.name] = s
		}
	}
	row.m = m
	return row, "", nil
}
