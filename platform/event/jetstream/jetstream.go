// Package jetstream is Agora's event bus on NATS JetStream: an embedded
// in-process server with file storage by default, or an external cluster.
//
// All events live in one stream, AGORA (subjects "agora.>"), de-duplicated by
// event id. Consumers are durable pull consumers with explicit acks; a failed
// event is delivered again after a backoff, and after MaxDeliver attempts it
// is copied to the dead-letter stream AGORA_DLQ ("agora_dlq.<durable>.<type>")
// with the last error, and acknowledged.
package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	js "github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/agoracommerce/agora/platform/event"
)

// Stream names.
const (
	Stream    = "AGORA"
	DLQStream = "AGORA_DLQ"
)

// Config chooses and tunes the bus.
type Config struct {
	// URL of an external NATS server; empty starts an embedded one.
	URL string
	// Dir is where the embedded server keeps its file store.
	Dir string
	// MaxDeliver bounds delivery attempts before the dead-letter stream.
	MaxDeliver int
	// Backoff is the delay before each redelivery (the last value repeats).
	Backoff []time.Duration
	// AckWait is how long a consumer may take before a message is redelivered.
	AckWait time.Duration
	// Duplicates is the de-duplication window of the stream.
	Duplicates time.Duration
	// Replicas of the streams on an external cluster.
	Replicas int
	// Namespace isolates one deployment's events on a shared server: its
	// streams are AGORA_<NS> and AGORA_<NS>_DLQ, and every subject starts
	// with "<ns>.". Empty: AGORA and AGORA_DLQ, subjects as they are.
	Namespace string
}

// DefaultConfig returns the defaults: embedded server, 6 attempts.
func DefaultConfig() Config {
	return Config{
		MaxDeliver: 6,
		Backoff:    []time.Duration{500 * time.Millisecond, 2 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute},
		AckWait:    30 * time.Second,
		Duplicates: 10 * time.Minute,
		Replicas:   1,
	}
}

// Bus publishes and consumes Agora events on JetStream.
type Bus struct {
	cfg    Config
	log    *slog.Logger
	server *server.Server // nil for an external server
	nc     *nats.Conn
	js     js.JetStream
	prefix string // "<namespace>." or ""
	stream string
	dlq    string
	mu     sync.Mutex
	subs   []js.ConsumeContext
}

// Open connects to the bus, starting the embedded server when cfg.URL is
// empty, and makes sure both streams exist.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Bus, error) {
	def := DefaultConfig()
	if cfg.MaxDeliver <= 0 {
		cfg.MaxDeliver = def.MaxDeliver
	}
	if len(cfg.Backoff) == 0 {
		cfg.Backoff = def.Backoff
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = def.AckWait
	}
	if cfg.Duplicates <= 0 {
		cfg.Duplicates = def.Duplicates
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.Namespace != "" && !validNamespace(cfg.Namespace) {
		return nil, fmt.Errorf("jetstream: namespace %q must be 1 to 32 lower-case letters, digits or underscores", cfg.Namespace)
	}
	b := &Bus{cfg: cfg, log: log, stream: Stream, dlq: DLQStream}
	if ns := cfg.Namespace; ns != "" {
		b.prefix = ns + "."
		b.stream = Stream + "_" + strings.ToUpper(ns)
		b.dlq = b.stream + "_DLQ"
	}
	var err error
	if cfg.URL == "" {
		if cfg.Dir == "" {
			return nil, errors.New("jetstream: the embedded server needs a directory")
		}
		b.server, err = server.NewServer(&server.Options{
			ServerName: "agora-embedded",
			JetStream:  true,
			StoreDir:   filepath.Join(cfg.Dir),
			DontListen: true,
			NoSigs:     true,
			NoLog:      true,
		})
		if err != nil {
			return nil, fmt.Errorf("jetstream: embedded server: %w", err)
		}
		b.server.Start()
		if !b.server.ReadyForConnections(10 * time.Second) {
			b.server.Shutdown()
			return nil, errors.New("jetstream: embedded server did not start")
		}
		b.nc, err = nats.Connect("", nats.InProcessServer(b.server), nats.Name("agora"))
	} else {
		b.nc, err = nats.Connect(cfg.URL, nats.Name("agora"), nats.MaxReconnects(-1), nats.RetryOnFailedConnect(false))
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("jetstream: connect: %w", err)
	}
	b.js, err = js.New(b.nc)
	if err != nil {
		b.Close()
		return nil, err
	}
	streams := []js.StreamConfig{
		{Name: b.stream, Subjects: []string{b.prefix + "agora.>"}, Storage: js.FileStorage, Duplicates: cfg.Duplicates, Replicas: cfg.Replicas},
		{Name: b.dlq, Subjects: []string{b.prefix + "agora_dlq.>"}, Storage: js.FileStorage, Replicas: cfg.Replicas},
	}
	for _, sc := range streams {
		if _, err := b.js.CreateOrUpdateStream(ctx, sc); err != nil {
			b.Close()
			return nil, fmt.Errorf("jetstream: stream %s: %w", sc.Name, err)
		}
	}
	return b, nil
}

// Close stops the consumers, the connection and the embedded server.
func (b *Bus) Close() {
	b.mu.Lock()
	for _, s := range b.subs {
		s.Stop()
	}
	b.subs = nil
	b.mu.Unlock()
	if b.nc != nil {
		// Drain lets in-flight handlers finish and flushes publishes; it
		// closes the connection when done (bounded by the drain timeout).
		if err := b.nc.Drain(); err != nil {
			b.nc.Close()
		}
		for deadline := time.Now().Add(10 * time.Second); !b.nc.IsClosed() && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		b.nc.Close()
	}
	if b.server != nil {
		b.server.Shutdown()
		b.server.WaitForShutdown()
	}
}

// Ping reports whether the bus answers.
func (b *Bus) Ping(ctx context.Context) error {
	if b.nc == nil || !b.nc.IsConnected() {
		return errors.New("jetstream: not connected")
	}
	_, err := b.js.AccountInfo(ctx)
	return err
}

// Publish sends events and waits until the stream has stored each of them.
// The event id is the message id, so a repeated publish is dropped.
func (b *Bus) Publish(ctx context.Context, events ...event.Event) error {
	enc := make([]event.Encoded, len(events))
	for i, e := range events {
		data, err := e.AppendJSON(nil)
		if err != nil {
			return err
		}
		enc[i] = event.Encoded{ID: e.ID, Module: e.Module(), Type: e.Type, Envelope: data}
	}
	return b.PublishEncoded(ctx, enc...)
}

// PublishEncoded implements event.EncodedPublisher: the envelopes are
// sent as they are, de-duplicated by their ids.
func (b *Bus) PublishEncoded(ctx context.Context, events ...event.Encoded) error {
	futures := make([]js.PubAckFuture, 0, len(events))
	for _, e := range events {
		msg := &nats.Msg{Subject: b.prefix + event.Subject(e.Module, e.Type), Data: e.Envelope, Header: nats.Header{}}
		msg.Header.Set("Content-Type", "application/cloudevents+json")
		if tp := event.TraceParentOf(e.Envelope); tp != "" {
			msg.Header.Set("traceparent", tp)
		}
		f, err := b.js.PublishMsgAsync(msg, js.WithMsgID(e.ID))
		if err != nil {
			return fmt.Errorf("jetstream: publish %s: %w", e.Type, err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("jetstream: publish: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Subscribe starts a durable consumer; its position survives restarts.
func (b *Bus) Subscribe(ctx context.Context, s event.Subscription) (func(), error) {
	if s.Durable == "" || len(s.Subjects) == 0 || s.Handler == nil {
		return nil, errors.New("jetstream: a subscription needs a durable name, subjects and a handler")
	}
	cc := js.ConsumerConfig{
		Durable:       s.Durable,
		AckPolicy:     js.AckExplicitPolicy,
		AckWait:       b.cfg.AckWait,
		MaxDeliver:    b.cfg.MaxDeliver,
		DeliverPolicy: js.DeliverAllPolicy,
		MaxAckPending: 1000,
	}
	// One subject uses the single filter that every server version knows.
	// Several need nats-server 2.10 or later; on an older server the
	// consumer filters on the subjects' common wildcard and the handler
	// acknowledges, unhandled, what matches none of them (the order of the
	// events is kept either way).
	subjects := make([]string, len(s.Subjects))
	for i, sub := range s.Subjects {
		subjects[i] = b.prefix + sub
	}
	filterHere := false
	switch {
	case len(subjects) == 1:
		cc.FilterSubject = subjects[0]
	case versionAtLeast(b.nc.ConnectedServerVersion(), 2, 10):
		cc.FilterSubjects = subjects
	default:
		cc.FilterSubject = commonWildcard(subjects)
		filterHere = true
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, b.stream, cc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: consumer %s: %w", s.Durable, err)
	}
	var slots chan struct{}
	if s.Concurrency > 1 {
		slots = make(chan struct{}, s.Concurrency)
	}
	consumer, err := cons.Consume(func(m js.Msg) {
		if filterHere && !matchesAny(subjects, m.Subject()) {
			_ = m.Ack()
			return
		}
		if slots == nil {
			b.handle(s, m)
			return
		}
		slots <- struct{}{}
		go func() {
			defer func() { <-slots }()
			b.handle(s, m)
		}()
	})
	if err != nil {
		return nil, fmt.Errorf("jetstream: consume %s: %w", s.Durable, err)
	}
	b.mu.Lock()
	b.subs = append(b.subs, consumer)
	b.mu.Unlock()
	return consumer.Stop, nil
}

// Watch delivers to handler, in this process only, the events of subjects
// published from now on: an ephemeral, ordered consumer that keeps no
// position and disappears when stopped or when the process ends. It is for
// per-process state such as cache invalidation, where every process must
// see every event and none needs the past; a handler error is logged and
// the event is not retried. stop ends it.
func (b *Bus) Watch(ctx context.Context, subjects []string, handler event.Handler) (stop func(), err error) {
	if len(subjects) == 0 || handler == nil {
		return nil, errors.New("jetstream: a watch needs subjects and a handler")
	}
	full := make([]string, len(subjects))
	for i, sub := range subjects {
		full[i] = b.prefix + sub
	}
	cfg := js.OrderedConsumerConfig{DeliverPolicy: js.DeliverNewPolicy, InactiveThreshold: time.Minute}
	filterHere := false
	switch {
	case len(full) == 1:
		cfg.FilterSubjects = full
	case versionAtLeast(b.nc.ConnectedServerVersion(), 2, 10):
		cfg.FilterSubjects = full
	default:
		cfg.FilterSubjects = []string{commonWildcard(full)}
		filterHere = true
	}
	cons, err := b.js.OrderedConsumer(ctx, b.stream, cfg)
	if err != nil {
		return nil, fmt.Errorf("jetstream: watch: %w", err)
	}
	cc, err := cons.Consume(func(m js.Msg) {
		if filterHere && !matchesAny(full, m.Subject()) {
			return
		}
		var e event.Event
		if err := json.Unmarshal(m.Data(), &e); err != nil || e.Validate() != nil {
			return
		}
		hctx, cancel := context.WithTimeout(context.Background(), b.cfg.AckWait)
		defer cancel()
		if err := safeHandle(hctx, handler, e); err != nil {
			b.log.Warn("watch handler failed", "event_id", e.ID, "type", e.Type, "err", err)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("jetstream: watch: %w", err)
	}
	b.mu.Lock()
	b.subs = append(b.subs, cc)
	b.mu.Unlock()
	// Stop is asynchronous; wait until no more deliveries can come.
	return func() {
		cc.Stop()
		select {
		case <-cc.Closed():
		case <-time.After(5 * time.Second):
		}
	}, nil
}

func validNamespace(ns string) bool {
	if len(ns) == 0 || len(ns) > 32 {
		return false
	}
	for _, r := range ns {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// versionAtLeast reports whether a server version "2.9.10" is at least
// major.minor.
func versionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// commonWildcard is the narrowest subject with a trailing ">" that covers
// every subject ("agora.catalog.product.*", "agora.catalog.category.*" →
// "agora.catalog.>").
func commonWildcard(subjects []string) string {
	common := strings.Split(subjects[0], ".")
	for _, s := range subjects[1:] {
		toks := strings.Split(s, ".")
		n := 0
		for n < len(common) && n < len(toks) && common[n] == toks[n] && common[n] != "*" && common[n] != ">" {
			n++
		}
		common = common[:n]
	}
	for len(common) > 0 && (common[len(common)-1] == "*" || common[len(common)-1] == ">") {
		common = common[:len(common)-1]
	}
	return strings.Join(append(common, ">"), ".")
}

// matchesAny reports whether subject matches one of the NATS subject
// patterns ("*" one token, ">" the rest).
func matchesAny(patterns []string, subject string) bool {
	toks := strings.Split(subject, ".")
	for _, p := range patterns {
		if matchSubject(strings.Split(p, "."), toks) {
			return true
		}
	}
	return false
}

func matchSubject(pattern, toks []string) bool {
	for i, p := range pattern {
		if p == ">" {
			return len(toks) > i
		}
		if i >= len(toks) || (p != "*" && p != toks[i]) {
			return false
		}
	}
	return len(pattern) == len(toks)
}

func (b *Bus) handle(s event.Subscription, m js.Msg) {
	md, err := m.Metadata()
	attempt := uint64(1)
	if err == nil {
		attempt = md.NumDelivered
	}
	var e event.Event
	err = json.Unmarshal(m.Data(), &e)
	if err == nil {
		err = e.Validate()
	}
	if err != nil {
		b.deadLetter(s, m, e, fmt.Errorf("malformed event: %w", err), attempt)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.AckWait)
	ctx, span := b.consumeSpan(ctx, s, m, e, attempt)
	err = safeHandle(ctx, s.Handler, e)
	cancel()
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "handler failed")
	}
	span.End()
	if err == nil {
		_ = m.Ack()
		return
	}
	if attempt >= uint64(b.cfg.MaxDeliver) {
		b.deadLetter(s, m, e, err, attempt)
		return
	}
	delay := b.cfg.Backoff[min(int(attempt)-1, len(b.cfg.Backoff)-1)]
	b.log.Warn("event handler failed; will retry", "consumer", s.Durable, "event_id", e.ID, "type", e.Type, "attempt", attempt, "retry_in", delay, "err", err)
	_ = m.NakWithDelay(delay)
}

func safeHandle(ctx context.Context, h event.Handler, e event.Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return h(ctx, e)
}

func (b *Bus) deadLetter(s event.Subscription, m js.Msg, e event.Event, cause error, attempt uint64) {
	typ := e.Type
	if typ == "" {
		typ = "unknown"
	}
	msg := &nats.Msg{Subject: b.prefix + "agora_dlq." + s.Durable + "." + typ, Data: m.Data(), Header: nats.Header{}}
	msg.Header.Set("Agora-Error", cause.Error())
	msg.Header.Set("Agora-Attempts", strconv.FormatUint(attempt, 10))
	msg.Header.Set("Agora-Consumer", s.Durable)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	opts := []js.PublishOpt{}
	if e.ID != "" {
		opts = append(opts, js.WithMsgID(s.Durable+":"+e.ID))
	}
	if _, err := b.js.PublishMsg(ctx, msg, opts...); err != nil {
		b.log.Error("dead-letter publish failed; will retry", "consumer", s.Durable, "event_id", e.ID, "err", err)
		_ = m.NakWithDelay(b.cfg.Backoff[len(b.cfg.Backoff)-1])
		return
	}
	b.log.Error("event moved to the dead-letter stream", "consumer", s.Durable, "event_id", e.ID, "type", e.Type, "attempts", attempt, "err", cause)
	_ = m.Term()
}

// DeadLetters returns up to limit messages of the dead-letter stream, oldest first.
func (b *Bus) DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	st, err := b.js.Stream(ctx, b.dlq)
	if err != nil {
		return nil, err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []DeadLetter
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && len(out) < limit; seq++ {
		raw, err := st.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		var e event.Event
		_ = json.Unmarshal(raw.Data, &e)
		out = append(out, DeadLetter{Event: e, Consumer: raw.Header.Get("Agora-Consumer"), Error: raw.Header.Get("Agora-Error"), Attempts: raw.Header.Get("Agora-Attempts")})
	}
	return out, nil
}

// DeadLetter is one event a consumer gave up on.
type DeadLetter struct {
	Event    event.Event
	Consumer string
	Error    string
	Attempts string
}

// ConsumerLag reports how many events a durable consumer has not yet acknowledged.
func (b *Bus) ConsumerLag(ctx context.Context, durable string) (uint64, error) {
	c, err := b.js.Consumer(ctx, b.stream, durable)
	if err != nil {
		return 0, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}

var (
	_ event.Publisher  = (*Bus)(nil)
	_ event.Subscriber = (*Bus)(nil)
)

var tracer = otel.Tracer("github.com/agoracommerce/agora/platform/event/jetstream")

// consumeSpan starts the span of one delivery of e to s's consumer, a child
// of the change that emitted e (its traceparent header, or its envelope's).
// An untraced event gets a span that records nothing.
func (b *Bus) consumeSpan(ctx context.Context, s event.Subscription, m js.Msg, e event.Event, attempt uint64) (context.Context, trace.Span) {
	tp := m.Headers().Get("traceparent")
	if tp == "" {
		tp = e.TraceParent
	}
	if tp == "" {
		return ctx, trace.SpanFromContext(ctx)
	}
	return tracer.Start(event.WithTraceParent(ctx, tp), "consume "+e.Type,
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.system", "nats"),
			attribute.String("messaging.destination.name", m.Subject()),
			attribute.String("messaging.consumer.group.name", s.Durable),
			attribute.String("messaging.message.id", e.ID),
			attribute.Int64("messaging.delivery.attempt", int64(attempt)),
		))
}
