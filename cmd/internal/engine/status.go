package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spate-sql/spate/exec"
)

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// reportStatus shows the job's progress until ctx ends: a live line on a
// terminal, one slog line every few seconds otherwise.
func reportStatus(ctx context.Context, job *exec.Job, w io.Writer, log *slog.Logger) {
	tty := isTerminal(w)
	every := 5 * time.Second
	if tty {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	prevIn, prevOut := int64(0), int64(0)
	prev := time.Now()
	for {
		select {
		case <-ctx.Done():
			if tty {
				fmt.Fprint(w, "\r\033[K")
			}
			return
		case now := <-t.C:
			s := summarize(job.Stats())
			secs := now.Sub(prev).Seconds()
			inRate := float64(s.in-prevIn) / secs
			outRate := float64(s.out-prevOut) / secs
			prevIn, prevOut, prev = s.in, s.out, now
			if tty {
				fmt.Fprintf(w, "\r\033[Kin %s/s  out %s/s  lag %s  watermark %s  late %d  dead %d  %s",
					human(inRate), human(outRate), formatLag(s.lag), formatWatermark(s.wm), s.late, s.dead, strings.Join(s.views, "  "))
			} else {
				log.Info("progress", "events_in", s.in, "lag", s.lag, "events_in_per_s", int64(inRate), "rows_out_per_s", int64(outRate),
					"watermark", formatWatermark(s.wm), "late_events", s.late, "dead_letters", s.dead, "views", strings.Join(s.views, " "))
			}
		}
	}
}

type summary struct {
	in, out, late, dead int64
	lag                 int64 // -1: no source reports lag
	wm                  int64
	views               []string
}

func summarize(stats []exec.NodeStats) summary {
	s := summary{wm: exec.MaxWatermark, lag: -1}
	sawSource := false
	for _, n := range stats {
		switch n.Kind {
		case exec.KindSource:
			s.in += n.RowsIn
			s.dead += n.DeadLetters
			if n.Watermark < s.wm {
				s.wm = n.Watermark
			}
			sawSource = true
			if n.Lag >= 0 {
				s.lag = max(s.lag, 0) + n.Lag
			}
		case exec.KindSink:
			// RowsOut: what the sink wrote (MV rows committed, records
			// produced, samples delivered).
			s.out += n.RowsOut
			s.views = append(s.views, fmt.Sprintf("%s:%d", n.Name, n.RowsOut))
		}
		s.late += n.LateEvents
		if n.Kind != exec.KindSource {
			s.dead += n.DeadLetters
		}
	}
	if !sawSource {
		s.wm = exec.MinWatermark
	}
	return s
}

func formatLag(l int64) string {
	if l < 0 {
		return "-"
	}
	return human(float64(l))
}

func formatWatermark(wm int64) string {
	switch wm {
	case exec.MinWatermark:
		return "-"
	case exec.MaxWatermark:
		return "end"
	}
	return time.UnixMilli(wm).UTC().Format("2006-01-02T15:04:05.000Z")
}

func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
