package bus

import (
	"context"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// Headers set on every dead-letter message.
const (
	HeaderReason    = "earshot-reason"
	HeaderStage     = "earshot-stage"
	HeaderTopic     = "earshot-source-topic"
	HeaderPartition = "earshot-source-partition"
	HeaderOffset    = "earshot-source-offset"
	HeaderTime      = "earshot-dead-at"
)

// DeadLetter builds the DLQ message for a poison input: the original key and
// value, and headers naming the stage, the reason and where it came from.
// from may be nil for input that did not come from Kafka.
func DeadLetter(stage, reason string, from *kafka.Message, key, value []byte) kafka.Message {
	h := []kafka.Header{
		{Key: HeaderReason, Value: []byte(reason)},
		{Key: HeaderStage, Value: []byte(stage)},
		{Key: HeaderTime, Value: []byte(time.Now().UTC().Format(time.RFC3339Nano))},
	}
	if from != nil {
		key, value = from.Key, from.Value
		h = append(h,
			kafka.Header{Key: HeaderTopic, Value: []byte(from.Topic)},
			kafka.Header{Key: HeaderPartition, Value: []byte(strconv.Itoa(from.Partition))},
			kafka.Header{Key: HeaderOffset, Value: []byte(strconv.FormatInt(from.Offset, 10))},
		)
	}
	return kafka.Message{Key: key, Value: value, Headers: h}
}

// Header returns a header's value, or "".
func Header(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// Writer is what stages need of a Kafka writer (a *kafka.Writer satisfies
// it); tests may count or fail writes.
type Writer interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
	Close() error
}
