package jetstream_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	js "github.com/nats-io/nats.go/jetstream"

	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/jetstream"
)

// NATSURLEnv names an external NATS server the basic tests also run on.
const NATSURLEnv = "AGORA_TEST_NATS_URL"

// testConfig is a bus in dir with fast retries: three attempts 50 ms apart.
func testConfig(dir string) jetstream.Config {
	return jetstream.Config{
		Dir:        dir,
		MaxDeliver: 3,
		Backoff:    []time.Duration{50 * time.Millisecond},
		AckWait:    2 * time.Second,
	}
}

// MustOpen opens a bus and closes it at cleanup.
func MustOpen(tb testing.TB, cfg jetstream.Config) *jetstream.Bus {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	b, err := jetstream.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("open bus: %v", err)
	}
	tb.Cleanup(b.Close)
	return b
}

// MustOpenEmbedded opens an embedded bus in a fresh temporary directory.
func MustOpenEmbedded(tb testing.TB) *jetstream.Bus {
	tb.Helper()
	return MustOpen(tb, testConfig(tb.TempDir()))
}

// sink is a handler that records the events it is given, and fails while
// fail returns an error.
type sink struct {
	mu    sync.Mutex
	got   []event.Event
	times []time.Time
	fail  func(attempt int, e event.Event) error
}

func (s *sink) handle(_ context.Context, e event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, e)
	s.times = append(s.times, time.Now())
	if s.fail != nil {
		return s.fail(len(s.got), e)
	}
	return nil
}

func (s *sink) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.got))
	for i, e := range s.got {
		out[i] = e.ID
	}
	return out
}

func (s *sink) has(id string) bool { return slices.Contains(s.ids(), id) }

func mustEvent(t *testing.T, module, typ string) event.Event {
	t.Helper()
	e, err := event.New(module, typ, "subj_1", map[string]string{"module": module, "type": typ}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mustPublish(t *testing.T, b *jetstream.Bus, events ...event.Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Publish(ctx, events...); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

func mustSubscribe(t *testing.T, b *jetstream.Bus, durable string, h event.Handler, subjects ...string) {
	t.Helper()
	stop, err := b.Subscribe(context.Background(), event.Subscription{Durable: durable, Subjects: subjects, Handler: h})
	if err != nil {
		t.Fatalf("subscribe %s: %v", durable, err)
	}
	t.Cleanup(stop)
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitLag(t *testing.T, b *jetstream.Bus, durable string, want uint64) {
	t.Helper()
	var lag uint64
	var err error
	waitFor(t, 10*time.Second, "consumer lag", func() bool {
		lag, err = b.ConsumerLag(context.Background(), durable)
		return err == nil && lag == want
	})
}

func randomName(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func TestPublishSubscribe(t *testing.T) {
	testPublishSubscribe(t, MustOpenEmbedded(t), "catalog", "search")
}

func TestDedup(t *testing.T) {
	testDedup(t, MustOpenEmbedded(t), "catalog", "search")
}

// The basic tests also run against an external server when one is given.
// Names are unique per run, so nothing else on the server interferes.
func TestExternalServer(t *testing.T) {
	url := os.Getenv(NATSURLEnv)
	if url == "" {
		t.Skip(NATSURLEnv + " is not set; skipping the external NATS run (e.g. " + NATSURLEnv + "=nats://127.0.0.1:4222)")
	}
	cfg := testConfig("")
	cfg.URL = url
	b := MustOpen(t, cfg)
	if err := b.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	run := randomName(t)
	for _, tc := range []struct {
		name string
		test func(*testing.T, *jetstream.Bus, string, string)
	}{{"publish-subscribe", testPublishSubscribe}, {"dedup", testDedup}, {"watch", testWatch}} {
		t.Run(tc.name, func(t *testing.T) {
			module, durable := "jstest"+run+tc.name[:3], "jstest_"+run+"_"+tc.name[:3]
			t.Cleanup(func() { deleteConsumer(t, url, durable) })
			tc.test(t, b, module, durable)
		})
	}
}

// deleteConsumer removes a test's durable consumer from an external server.
func deleteConsumer(t *testing.T, url, durable string) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Errorf("cleanup: connect: %v", err)
		return
	}
	defer nc.Close()
	j, err := js.New(nc)
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := j.DeleteConsumer(ctx, jetstream.Stream, durable); err != nil && !errors.Is(err, js.ErrConsumerNotFound) {
		t.Errorf("cleanup: delete consumer %s: %v", durable, err)
	}
}

func testPublishSubscribe(t *testing.T, b *jetstream.Bus, module, durable string) {
	s := &sink{}
	mustSubscribe(t, b, durable, s.handle, event.Subject(module, "product.*"))

	e1 := mustEvent(t, module, "product.updated")
	other := mustEvent(t, module+"x", "product.updated") // another module
	e2 := mustEvent(t, module, "product.created")
	mustPublish(t, b, e1, other)
	mustPublish(t, b, e2)

	waitFor(t, 10*time.Second, "both events", func() bool { return len(s.ids()) >= 2 })
	// Events arrive in stream order, so had the other module's event
	// matched, it would have come before e2.
	if got, want := s.ids(), []string{e1.ID, e2.ID}; !slices.Equal(got, want) {
		t.Fatalf("received %v, want %v", got, want)
	}
	got := s.got[0]
	var data map[string]string
	if got.Type != e1.Type || got.Source != e1.Source || got.Subject != e1.Subject || !got.Time.Equal(e1.Time) ||
		got.Decode(&data) != nil || data["type"] != "product.updated" {
		t.Errorf("received %+v, want %+v", got, e1)
	}
	waitLag(t, b, durable, 0)
}

func testDedup(t *testing.T, b *jetstream.Bus, module, durable string) {
	s := &sink{}
	mustSubscribe(t, b, durable, s.handle, event.Subject(module, ">"))
	e := mustEvent(t, module, "order.placed")
	mustPublish(t, b, e)
	mustPublish(t, b, e)    // a relay that crashed before deleting its rows
	mustPublish(t, b, e, e) // twice in one batch
	sentinel := mustEvent(t, module, "order.paid")
	mustPublish(t, b, sentinel)

	waitFor(t, 10*time.Second, "the sentinel", func() bool { return s.has(sentinel.ID) })
	if got, want := s.ids(), []string{e.ID, sentinel.ID}; !slices.Equal(got, want) {
		t.Fatalf("received %v, want %v (the duplicate delivered once)", got, want)
	}
	waitLag(t, b, durable, 0)
}

// A subscription to several subjects (nats-server 2.10 or later, as
// embedded) receives events of each of them and nothing else.
func TestSeveralSubjects(t *testing.T) {
	b := MustOpenEmbedded(t)
	s := &sink{}
	mustSubscribe(t, b, "search", s.handle, event.Subject("catalog", "product.*"), event.Subject("inventory", "stock.changed"))
	p := mustEvent(t, "catalog", "product.updated")
	ignored := mustEvent(t, "inventory", "stock.reserved")
	st := mustEvent(t, "inventory", "stock.changed")
	mustPublish(t, b, p, ignored, st)
	waitFor(t, 10*time.Second, "two events", func() bool { return len(s.ids()) >= 2 })
	if got, want := s.ids(), []string{p.ID, st.ID}; !slices.Equal(got, want) {
		t.Fatalf("received %v, want %v", got, want)
	}
	waitLag(t, b, "search", 0)
}

func TestRetryThenSuccess(t *testing.T) {
	b := MustOpenEmbedded(t)
	errFlaky := errors.New("flaky")
	s := &sink{fail: func(attempt int, _ event.Event) error {
		if attempt <= 2 {
			return errFlaky
		}
		return nil
	}}
	mustSubscribe(t, b, "mailer", s.handle, event.Subject("orders", ">"))
	e := mustEvent(t, "orders", "order.placed")
	mustPublish(t, b, e)

	waitFor(t, 10*time.Second, "three attempts", func() bool { return len(s.ids()) >= 3 })
	waitLag(t, b, "mailer", 0) // acknowledged
	if got := s.ids(); !slices.Equal(got, []string{e.ID, e.ID, e.ID}) {
		t.Fatalf("deliveries %v, want the event three times", got)
	}
	s.mu.Lock()
	for i := 1; i < len(s.times); i++ {
		if gap := s.times[i].Sub(s.times[i-1]); gap < 40*time.Millisecond {
			t.Errorf("redelivery %d came after %v, before the 50ms backoff", i, gap)
		}
	}
	s.mu.Unlock()
	dl, err := b.DeadLetters(context.Background(), 10)
	if err != nil || len(dl) != 0 {
		t.Errorf("DeadLetters = %v, %v; want none", dl, err)
	}
}

func TestDeadLetter(t *testing.T) {
	b := MustOpenEmbedded(t)
	s := &sink{fail: func(int, event.Event) error { return errors.New("always fails") }}
	mustSubscribe(t, b, "mailer", s.handle, event.Subject("orders", ">"))
	e := mustEvent(t, "orders", "order.placed")
	mustPublish(t, b, e)

	var dl []jetstream.DeadLetter
	waitFor(t, 10*time.Second, "a dead letter", func() bool {
		var err error
		dl, err = b.DeadLetters(context.Background(), 10)
		return err == nil && len(dl) > 0
	})
	if len(dl) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dl))
	}
	d := dl[0]
	if d.Event.ID != e.ID || d.Event.Type != e.Type || d.Consumer != "mailer" || d.Attempts != "3" || !strings.Contains(d.Error, "always fails") {
		t.Errorf("dead letter = %+v", d)
	}
	waitLag(t, b, "mailer", 0) // given up on, not pending
	if got := s.ids(); len(got) != 3 {
		t.Errorf("handler ran %d times, want MaxDeliver = 3", len(got))
	}

	// A later event is handled normally by the same consumer.
	s.mu.Lock()
	s.fail = nil
	s.mu.Unlock()
	next := mustEvent(t, "orders", "order.paid")
	mustPublish(t, b, next)
	waitFor(t, 10*time.Second, "the next event", func() bool { return s.has(next.ID) })
	if dl, err := b.DeadLetters(context.Background(), 10); err != nil || len(dl) != 1 {
		t.Errorf("DeadLetters = %d, %v; want still 1", len(dl), err)
	}
}

// An event that is not a valid envelope goes straight to the dead-letter
// stream, with the reason, without reaching the handler.
func TestMalformedEventDeadLettered(t *testing.T) {
	b := MustOpenEmbedded(t)
	s := &sink{}
	mustSubscribe(t, b, "mailer", s.handle, event.Subject("orders", ">"))
	bad := mustEvent(t, "orders", "order.broken")
	bad.SpecVersion = "0.3"
	mustPublish(t, b, bad)
	good := mustEvent(t, "orders", "order.placed")
	mustPublish(t, b, good)

	waitFor(t, 10*time.Second, "the good event", func() bool { return s.has(good.ID) })
	if got := s.ids(); !slices.Equal(got, []string{good.ID}) {
		t.Errorf("handler got %v, want only %s", got, good.ID)
	}
	var dl []jetstream.DeadLetter
	waitFor(t, 10*time.Second, "a dead letter", func() bool {
		dl, _ = b.DeadLetters(context.Background(), 10)
		return len(dl) > 0
	})
	if d := dl[0]; d.Event.ID != bad.ID || d.Consumer != "mailer" || d.Attempts != "1" || !strings.Contains(d.Error, "specversion") {
		t.Errorf("dead letter = %+v, want %s after 1 attempt with the validation error", d, bad.ID)
	}
}

func TestHandlerPanicIsAFailure(t *testing.T) {
	b := MustOpenEmbedded(t)
	s := &sink{fail: func(attempt int, _ event.Event) error {
		if attempt == 1 {
			panic("handler bug")
		}
		return nil
	}}
	mustSubscribe(t, b, "mailer", s.handle, event.Subject("orders", ">"))
	e := mustEvent(t, "orders", "order.placed")
	mustPublish(t, b, e)
	waitFor(t, 10*time.Second, "the retry", func() bool { return len(s.ids()) >= 2 })
	waitLag(t, b, "mailer", 0)
}

// A durable consumer's position survives a restart of the embedded server:
// acknowledged events are not delivered again, events published while it
// was away are.
func TestDurableSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	open := func() *jetstream.Bus {
		t.Helper()
		b, err := jetstream.Open(ctx, testConfig(dir), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return b
	}
	subject := event.Subject("catalog", ">")

	// 1: consume and acknowledge e1.
	b := open()
	s1 := &sink{}
	if _, err := b.Subscribe(ctx, event.Subscription{Durable: "search", Subjects: []string{subject}, Handler: s1.handle}); err != nil {
		b.Close()
		t.Fatal(err)
	}
	e1 := mustEvent(t, "catalog", "product.created")
	mustPublish(t, b, e1)
	waitFor(t, 10*time.Second, "e1", func() bool { return s1.has(e1.ID) })
	waitLag(t, b, "search", 0) // the ack reached the server
	b.Close()

	// 2: publish e2 and e3 while the consumer is not running.
	b = open()
	e2, e3 := mustEvent(t, "catalog", "product.updated"), mustEvent(t, "catalog", "product.deleted")
	mustPublish(t, b, e2, e3)
	b.Close()

	// 3: the consumer resumes after e1.
	b = open()
	t.Cleanup(b.Close)
	if lag, err := b.ConsumerLag(ctx, "search"); err != nil || lag != 2 {
		t.Errorf("lag after restart = %d, %v; want 2", lag, err)
	}
	s3 := &sink{}
	mustSubscribe(t, b, "search", s3.handle, subject)
	waitFor(t, 10*time.Second, "e2 and e3", func() bool { return len(s3.ids()) >= 2 })
	waitLag(t, b, "search", 0)
	if got, want := s3.ids(), []string{e2.ID, e3.ID}; !slices.Equal(got, want) {
		t.Errorf("after restart received %v, want %v", got, want)
	}
}

func TestPingAndClose(t *testing.T) {
	b, err := jetstream.Open(context.Background(), testConfig(t.TempDir()), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	b.Close()
	if err := b.Ping(context.Background()); err == nil {
		t.Error("Ping after Close succeeded")
	}
}

func TestOpenAndSubscribeErrors(t *testing.T) {
	if _, err := jetstream.Open(context.Background(), jetstream.Config{}, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("Open of an embedded server without a directory succeeded")
	}
	b := MustOpenEmbedded(t)
	h := func(context.Context, event.Event) error { return nil }
	for name, s := range map[string]event.Subscription{
		"no durable":  {Subjects: []string{"agora.x.>"}, Handler: h},
		"no subjects": {Durable: "d", Handler: h},
		"no handler":  {Durable: "d", Subjects: []string{"agora.x.>"}},
	} {
		if _, err := b.Subscribe(context.Background(), s); err == nil {
			t.Errorf("%s: Subscribe succeeded", name)
		}
	}
	if _, err := b.ConsumerLag(context.Background(), "nobody"); err == nil {
		t.Error("ConsumerLag of an unknown consumer succeeded")
	}
}

// TestWatch: a watch sees the events published after it started, in every
// watcher, and nothing from before; stopping it ends the deliveries.
func TestWatch(t *testing.T) { testWatch(t, MustOpenEmbedded(t), "catalog", "") }

func testWatch(t *testing.T, b *jetstream.Bus, module, _ string) {
	old := mustEvent(t, module, "product.updated")
	mustPublish(t, b, old)
	var w1, w2 sink
	stop1, err := b.Watch(t.Context(), []string{event.Subject(module, ">")}, w1.handle)
	if err != nil {
		t.Fatal(err)
	}
	stop2, err := b.Watch(t.Context(), []string{event.Subject(module, "product.updated"), event.Subject(module, "category.updated")}, w2.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer stop2()
	e1, e2, other := mustEvent(t, module, "product.updated"), mustEvent(t, module, "category.updated"), mustEvent(t, module, "product.created")
	mustPublish(t, b, e1, e2, other)
	waitFor(t, 5*time.Second, "both watchers", func() bool { return w1.has(other.ID) && w2.has(e2.ID) })
	if w1.has(old.ID) || w2.has(old.ID) {
		t.Fatal("a watch delivered an event from before it started")
	}
	if !w1.has(e1.ID) || !w1.has(e2.ID) || !w2.has(e1.ID) || w2.has(other.ID) {
		t.Fatalf("watch 1 got %v, watch 2 got %v", w1.ids(), w2.ids())
	}
	stop1()
	late := mustEvent(t, module, "product.updated")
	mustPublish(t, b, late)
	waitFor(t, 5*time.Second, "watch 2", func() bool { return w2.has(late.ID) })
	if w1.has(late.ID) {
		t.Fatal("a stopped watch still delivers")
	}
}

// TestConcurrentHandler: a subscription with Concurrency n works on up to
// n events at once (never more), and handles every event.
func TestConcurrentHandler(t *testing.T) {
	b := MustOpenEmbedded(t)
	var mu sync.Mutex
	inFlight, most := 0, 0
	seen := map[string]int{}
	release := make(chan struct{})
	h := func(_ context.Context, e event.Event) error {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		seen[e.ID]++
		mu.Unlock()
		<-release
		mu.Lock()
		inFlight--
		mu.Unlock()
		return nil
	}
	stop, err := b.Subscribe(t.Context(), event.Subscription{Durable: "conc", Subjects: []string{event.Subject("catalog", ">")}, Handler: h, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var events []event.Event
	for range 40 {
		events = append(events, mustEvent(t, "catalog", "product.updated"))
	}
	mustPublish(t, b, events...)
	waitFor(t, 10*time.Second, "four events in flight", func() bool { mu.Lock(); defer mu.Unlock(); return inFlight == 4 })
	close(release)
	waitFor(t, 10*time.Second, "every event", func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) == 40 })
	waitLag(t, b, "conc", 0)
	mu.Lock()
	defer mu.Unlock()
	if most != 4 {
		t.Fatalf("at most %d events in flight, want 4", most)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s handled %d times", id, n)
		}
	}
}
