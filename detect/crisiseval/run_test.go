package crisiseval_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/detect"
	"github.com/earshot-dev/earshot/detect/crisiseval"
)

func TestDebugRun(t *testing.T) {
	win := []struct {
		brand    string
		from, to string
	}{{"o2", "2026-09-16T05:50:00Z", "2026-09-16T06:20:00Z"}, {"tesco", "2026-09-22T08:00:00Z", "2026-09-22T09:45:00Z"}}
	rep, err := crisiseval.Run(context.Background(), crisiseval.Options{Seed: 1, Detector: detect.DefaultConfig(), Trace: func(s detect.Signals) {
		for _, w := range win {
			f, _ := time.Parse(time.RFC3339, w.from)
			u, _ := time.Parse(time.RFC3339, w.to)
			if s.Brand == w.brand && !s.At.Before(f) && s.At.Before(u) {
				t.Logf("%s %s m=%.2f v=%d/%.1f z=%.1f neg=%d/%.1f z=%.1f share=%.2f/%.2f z=%.1f long v=%d/%.1f neg=%d/%.1f z=%.1f lsz=%.1f term=%.1f crisis=%.1f hold=%.1f", s.Brand, s.At.Format("01-02 15:04"), s.Market,
					s.Volume, s.ExpectedVolume, s.VolumeZ, s.Negative, s.ExpectedNegative, s.NegativeZ, s.NegativeShare, s.BaselineNegShare, s.NegativeShareZ,
					s.LongVolume, s.LongExpectedVolume, s.LongNegative, s.LongExpectedNeg, s.LongNegativeZ, s.LongNegativeShareZ, s.TermScore, s.CrisisScore, s.CrisisHold)
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	rep.Write(os.Stdout)
	for _, inc := range rep.Incidents {
		t.Logf("%s %s %s opened %s updated %s: %s", inc.ID, inc.Kind, inc.Severity, inc.OpenedAt, inc.UpdatedAt, inc.Summary)
	}
	t.Logf("elapsed %s", rep.Elapsed)
}
