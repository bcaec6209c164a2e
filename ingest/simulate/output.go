package simulate

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/earshot-dev/earshot/ingest"
	"github.com/earshot-dev/earshot/mention"
)

// WriteJSONL writes the records, one Mention v1 JSON object a line, in
// created_at order: the input of `earshot ingest replay`.
func (s *Simulation) WriteJSONL(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	for _, m := range s.Mentions {
		data, err := mention.Encode(m)
		if err != nil {
			return fmt.Errorf("simulate: record %s: %w", m.ID, err)
		}
		bw.Write(data)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// Publish hands the records to pub in created_at order and flushes it.
// prog may be nil.
func (s *Simulation) Publish(ctx context.Context, pub *ingest.Publisher, prog *ingest.Progress) error {
	for i, m := range s.Mentions {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := pub.Publish(ctx, m, int64(i+1)); err != nil {
			return err
		}
		prog.Add(1)
	}
	return pub.Flush(ctx)
}
