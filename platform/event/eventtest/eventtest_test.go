package eventtest_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/event/eventtest"
)

func TestRecorder(t *testing.T) {
	var r eventtest.Recorder
	if len(r.Events()) != 0 || len(r.EventTypes()) != 0 {
		t.Fatal("a new recorder has events")
	}
	r.Record(event.Event{Type: "a.created"}, event.Event{Type: "a.updated"})
	r.Record()
	r.Record(event.Event{Type: "a.deleted"})
	if got, want := r.EventTypes(), []string{"a.created", "a.updated", "a.deleted"}; !slices.Equal(got, want) {
		t.Fatalf("EventTypes() = %v, want %v", got, want)
	}
	evs := r.Events()
	evs[0].Type = "changed by the caller"
	if r.Events()[0].Type != "a.created" {
		t.Fatal("Events returned the recorder's own slice")
	}
	r.ResetEvents()
	if len(r.Events()) != 0 {
		t.Fatal("ResetEvents kept events")
	}
}

func TestRecorderConcurrent(t *testing.T) {
	var r eventtest.Recorder
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				r.Record(event.Event{Type: "x"})
				_ = r.EventTypes()
			}
		})
	}
	wg.Wait()
	if n := len(r.Events()); n != 800 {
		t.Fatalf("%d events, want 800", n)
	}
}
