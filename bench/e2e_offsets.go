package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/earshot-dev/earshot/bus"
)

// endOffsets reads topics' end offsets over one long-lived connection.
// bus.Lag opens a transport per call: polled every 50 ms that is a new
// connection each time, and the dev broker's listen backlog is 5 — the
// churn delays the pipeline's own connections.
type endOffsets struct {
	tr     *kafka.Transport
	client *kafka.Client
	parts  map[string][]int
}

func newEndOffsets(ctx context.Context, kc bus.Config, topics ...string) (*endOffsets, error) {
	tr := kc.Transport()
	e := &endOffsets{tr: tr, client: &kafka.Client{Addr: kafka.TCP(kc.Brokers...), Timeout: 10 * time.Second, Transport: tr}, parts: map[string][]int{}}
	meta, err := e.client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("bench: metadata of %v: %w", topics, err)
	}
	for _, t := range meta.Topics {
		if t.Error != nil {
			e.Close()
			return nil, fmt.Errorf("bench: topic %s: %w", t.Name, t.Error)
		}
		for _, p := range t.Partitions {
			e.parts[t.Name] = append(e.parts[t.Name], p.ID)
		}
	}
	return e, nil
}

// Ends returns the sum of each topic's partitions' end offsets.
func (e *endOffsets) Ends(ctx context.Context) (map[string]int64, error) {
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for t, ps := range e.parts {
		for _, p := range ps {
			req.Topics[t] = append(req.Topics[t], kafka.LastOffsetOf(p))
		}
	}
	lo, err := e.client.ListOffsets(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("bench: end offsets: %w", err)
	}
	out := map[string]int64{}
	for t, ps := range lo.Topics {
		for _, po := range ps {
			if po.Error != nil {
				return nil, fmt.Errorf("bench: end offset of %s/%d: %w", t, po.Partition, po.Error)
			}
			out[t] += po.LastOffset
		}
	}
	return out, nil
}

func (e *endOffsets) Close() { e.tr.CloseIdleConnections() }
