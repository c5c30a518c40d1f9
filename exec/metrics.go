package exec

import "sync/atomic"

// Counter is a monotonically increasing metric, safe to read concurrently.
type Counter struct{ v atomic.Int64 }

func (c *Counter) Add(n int64) { c.v.Add(n) }
func (c *Counter) Load() int64 { return c.v.Load() }

// Gauge is a metric that goes up and down.
type Gauge struct{ v atomic.Int64 }

func (g *Gauge) Set(n int64) { g.v.Store(n) }
func (g *Gauge) Load() int64 { return g.v.Load() }
