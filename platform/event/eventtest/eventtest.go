// Package eventtest holds test helpers for events: a Recorder that keeps
// the outbox events an in-memory store was given.
package eventtest

import (
	"slices"
	"sync"

	"github.com/agoracommerce/agora/platform/event"
)

// Recorder keeps events in the order they were recorded. The zero value is
// empty and ready to use, and it is safe for concurrent use.
//
// An in-memory store embeds it and records a write's events while it holds
// its own lock, so the events of a write appear together with the write;
// tests read them through the promoted Events, EventTypes and ResetEvents.
type Recorder struct {
	mu     sync.Mutex
	events []event.Event
}

// Record appends events.
func (r *Recorder) Record(events ...event.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, events...)
}

// Events returns a copy of the recorded events, oldest first.
func (r *Recorder) Events() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// EventTypes returns the types of Events, in order.
func (r *Recorder) EventTypes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.events))
	for i, e := range r.events {
		out[i] = e.Type
	}
	return out
}

// ResetEvents forgets the recorded events.
func (r *Recorder) ResetEvents() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = nil
}
