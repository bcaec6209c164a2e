package bus

import (
	"context"
	"fmt"

	"github.com/segmentio/kafka-go"
)

// Lag returns, for a consumer group on a topic, the sum over partitions of
// (end offset − committed offset), and the sum of end offsets. A partition
// the group never committed counts its whole length. Lag 0 means the group
// has acknowledged every message written so far.
func Lag(ctx context.Context, c Config, group, topic string) (lag, end int64, err error) {
	// A transport of its own, as in EnsureTopics: the shared default one
	// serves metadata from a cache that may predate the topic, and would
	// keep idle connections to the brokers after the call.
	tr := c.Transport()
	defer tr.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(c.Brokers...), Timeout: c.DialTimeout, Transport: tr}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return 0, 0, fmt.Errorf("kafka: metadata of %s: %w", topic, err)
	}
	var parts []int
	for _, t := range meta.Topics {
		if t.Error != nil {
			return 0, 0, fmt.Errorf("kafka: topic %s: %w", topic, t.Error)
		}
		for _, p := range t.Partitions {
			parts = append(parts, p.ID)
		}
	}
	if len(parts) == 0 {
		return 0, 0, fmt.Errorf("kafka: topic %s has no partitions", topic)
	}
	reqs := make([]kafka.OffsetRequest, len(parts))
	for i, p := range parts {
		reqs[i] = kafka.LastOffsetOf(p)
	}
	lo, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return 0, 0, fmt.Errorf("kafka: end offsets of %s: %w", topic, err)
	}
	ends := map[int]int64{}
	for _, po := range lo.Topics[topic] {
		if po.Error != nil {
			return 0, 0, fmt.Errorf("kafka: end offset of %s/%d: %w", topic, po.Partition, po.Error)
		}
		ends[po.Partition] = po.LastOffset
	}
	of, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		return 0, 0, fmt.Errorf("kafka: committed offsets of group %s: %w", group, err)
	}
	committed := map[int]int64{}
	for _, p := range of.Topics[topic] {
		if p.Error != nil {
			return 0, 0, fmt.Errorf("kafka: committed offset of %s/%d: %w", topic, p.Partition, p.Error)
		}
		committed[p.Partition] = p.CommittedOffset
	}
	for _, p := range parts {
		e := ends[p]
		end += e
		c, ok := committed[p]
		if !ok || c < 0 {
			c = 0
		}
		if e > c {
			lag += e - c
		}
	}
	return lag, end, nil
}
