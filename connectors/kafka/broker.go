package kafka

import (
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

// DefaultPort is where the embedded broker listens when it can.
const DefaultPort = 9092

// portRange is how many ports after the first StartEmbedded tries.
const portRange = 100

// Broker is an in-process, single-node Kafka-protocol broker (kfake) that
// any Kafka client (kcat, librdkafka, franz-go) can talk to.
//
// Persistence: with a state directory, kfake keeps topics, partitions,
// record segments, committed group offsets and transactional producer
// state in it and reloads them on the next start, so topics
// and their records survive a restart. Segments are written through the OS
// page cache and fsynced on segment roll and on Close (as real Kafka does
// by default): after a clean shutdown nothing is lost; after a machine
// crash the last unsynced writes may be.
type Broker struct {
	c    *kfake.Cluster
	addr string
}

// StartEmbedded starts the broker on 127.0.0.1 at port, or the first free
// port among the next 100; port 0 means any free port (tests). stateDir is
// the broker's own directory (created if needed); empty keeps everything
// in memory.
func StartEmbedded(stateDir string, port int) (*Broker, error) {
	first, last := port, port+portRange
	if port <= 0 {
		first, last = 0, 0
	}
	var ln net.Listener
	listen := func(network, _ string) (net.Listener, error) {
		var err error
		for p := first; p <= last; p++ {
			ln, err = net.Listen(network, fmt.Sprintf("127.0.0.1:%d", p))
			if err == nil {
				return ln, nil
			}
			if !errors.Is(err, syscall.EADDRINUSE) {
				return nil, err
			}
		}
		return nil, fmt.Errorf("ports %d to %d are all in use: %w", first, last, err)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ListenFn(listen),
		kfake.ClusterID("spate"),
		kfake.AllowAutoTopicCreation(),
		// As in a stock Kafka (num.partitions = 1); create topics with
		// more partitions explicitly.
		kfake.DefaultNumPartitions(1),
	}
	if stateDir != "" {
		opts = append(opts, kfake.DataDir(stateDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("embedded Kafka: %w", err)
	}
	return &Broker{c: c, addr: ln.Addr().String()}, nil
}

// Addr is the broker's host:port.
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker, writing its state to disk when it has a state
// directory.
func (b *Broker) Close() { b.c.Close() }
