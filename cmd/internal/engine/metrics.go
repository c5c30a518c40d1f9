package engine

import (
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/spate-sql/spate/exec"
)

// metricsCollector exports the host's jobs at scrape time: it reads each
// job's exec.Job.Stats (the runtime's own atomic counters) and the
// prometheus sinks' Stats, so nothing is counted twice. It is an
// "unchecked" collector (Describe sends nothing) because the set of jobs
// and nodes changes at run time.
type metricsCollector struct {
	host *Host
}

var nodeLabels = []string{"spate_job", "node", "kind", "name"}

func nodeDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, nodeLabels, nil)
}

func sinkDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, []string{"spate_job", "sink"}, nil)
}

var (
	descRecordsIn   = nodeDesc("spate_records_in_total", "Records read (sources) or received (operators, sinks).")
	descRecordsOut  = nodeDesc("spate_records_out_total", "Records emitted (sources, operators) or written (sinks: committed rows, delivered samples).")
	descLate        = nodeDesc("spate_late_events_total", "Events dropped because their window had closed.")
	descDead        = nodeDesc("spate_dead_letters_total", "Records sent to spate_dead_letters.")
	descStateRows   = nodeDesc("spate_state_rows", "Rows of operator state held (groups, open windows, sessions, timelines).")
	descWatermark   = nodeDesc("spate_watermark_seconds", "Last watermark delivered to the node (Unix seconds); absent before the first and after the last.")
	descLag         = nodeDesc("spate_source_lag_records", "Records behind the end of the source's input (Kafka: high watermark minus position).")
	descJobRunning  = prometheus.NewDesc("spate_job_running", "1 while the job runs, 0 once it stopped.", []string{"spate_job", "state"}, nil)
	descPromSent    = sinkDesc("spate_prometheus_samples_sent_total", "Samples the remote-write receiver accepted.")
	descPromReject  = sinkDesc("spate_prometheus_samples_rejected_total", "Samples dropped because the receiver refused their request (4xx: out of order, too old, bad labels).")
	descPromSkipped = sinkDesc("spate_prometheus_samples_skipped_total", "Samples not sent because their value or time was NULL.")
	descPromDropped = sinkDesc("spate_prometheus_series_dropped_total", "Samples of new series dropped because the sink reached max_series.")
	descPromSeries  = sinkDesc("spate_prometheus_series", "Distinct series the sink has sent (capped by max_series).")
	descPromReqs    = sinkDesc("spate_prometheus_requests_total", "Remote-write HTTP requests, retries included.")
	descPromRetries = sinkDesc("spate_prometheus_retries_total", "Remote-write requests retried after a network error, 5xx or 429.")
	descPromBytes   = sinkDesc("spate_prometheus_bytes_sent_total", "Bytes of remote-write request bodies (snappy-compressed protobuf), retries included.")
)

func (c metricsCollector) Describe(chan<- *prometheus.Desc) {}

func (c metricsCollector) Collect(ch chan<- prometheus.Metric) {
	for _, j := range c.host.Jobs() {
		if j.exec == nil {
			continue // known from its record only: nothing ran in this process
		}
		state, _ := j.State()
		running := 0.0
		if state == StateRunning {
			running = 1
		}
		ch <- prometheus.MustNewConstMetric(descJobRunning, prometheus.GaugeValue, running, j.ID, string(state))
		j.commits.Collect(ch)
		for _, n := range j.exec.Stats() {
			labels := []string{j.ID, strconv.Itoa(n.ID), strings.ToLower(n.Kind.String()), n.Name}
			ch <- prometheus.MustNewConstMetric(descRecordsIn, prometheus.CounterValue, float64(n.RowsIn), labels...)
			ch <- prometheus.MustNewConstMetric(descRecordsOut, prometheus.CounterValue, float64(n.RowsOut), labels...)
			ch <- prometheus.MustNewConstMetric(descLate, prometheus.CounterValue, float64(n.LateEvents), labels...)
			ch <- prometheus.MustNewConstMetric(descDead, prometheus.CounterValue, float64(n.DeadLetters), labels...)
			if n.Kind != exec.KindSource && n.Kind != exec.KindSink {
				ch <- prometheus.MustNewConstMetric(descStateRows, prometheus.GaugeValue, float64(n.StateRows), labels...)
			}
			if n.Watermark != exec.MinWatermark && n.Watermark != exec.MaxWatermark {
				ch <- prometheus.MustNewConstMetric(descWatermark, prometheus.GaugeValue, float64(n.Watermark)/1000, labels...)
			}
			if n.Kind == exec.KindSource && n.Lag >= 0 {
				ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, float64(n.Lag), labels...)
			}
		}
		for _, s := range j.sinks {
			st := s.sink.Stats()
			for _, m := range []struct {
				d   *prometheus.Desc
				t   prometheus.ValueType
				val int64
			}{
				{descPromSent, prometheus.CounterValue, st.SamplesSent},
				{descPromReject, prometheus.CounterValue, st.SamplesRejected},
				{descPromSkipped, prometheus.CounterValue, st.SamplesSkipped},
				{descPromDropped, prometheus.CounterValue, st.SeriesDropped},
				{descPromSeries, prometheus.GaugeValue, st.Series},
				{descPromReqs, prometheus.CounterValue, st.Requests},
				{descPromRetries, prometheus.CounterValue, st.Retries},
				{descPromBytes, prometheus.CounterValue, st.BytesSent},
			} {
				ch <- prometheus.MustNewConstMetric(m.d, m.t, float64(m.val), j.ID, s.name)
			}
		}
	}
}

// newRegistry holds the host's metrics and the Go runtime's and process's
// (memory, CPU, goroutines), which is where a job's memory shows.
func newRegistry(h *Host) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(metricsCollector{h}, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}
