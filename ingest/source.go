package ingest

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/earshot-dev/earshot/bus"
)

// SourceDefaults checks and completes the collaborators every live source
// takes: a Kafka writer is required; a zero publisher configuration becomes
// the defaults, a nil logger discards, a nil clock is time.Now.
func SourceDefaults(source string, w bus.Writer, pub *PublisherConfig, log **slog.Logger, now *func() time.Time) error {
	if w == nil {
		return fmt.Errorf("ingest %s: no Kafka writer", source)
	}
	if *pub == (PublisherConfig{}) {
		*pub = DefaultPublisherConfig()
	}
	if *log == nil {
		*log = slog.New(slog.DiscardHandler)
	}
	if *now == nil {
		*now = time.Now
	}
	return nil
}
