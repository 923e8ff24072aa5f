// Package event is Agora's event envelope and the interfaces through which
// modules publish and consume events.
//
// An event is a CloudEvents 1.0 document in JSON. Its type is past tense
// ("product.updated"); its NATS subject is "agora.<module>.<type>". Events are
// written in the same transaction as the change they describe (the outbox,
// package event/outbox) and relayed to NATS JetStream (package
// event/jetstream); consumers are durable, at-least-once and idempotent by id.
package event

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/agoracommerce/agora/platform/id"
)

// Event is a CloudEvents 1.0 envelope.
type Event struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Time            time.Time `json:"time"`
	Subject         string    `json:"subject,omitempty"`
	DataContentType string    `json:"datacontenttype,omitempty"`
	// TraceParent is the W3C trace context of the change that emitted the
	// event (CloudEvents' distributed tracing extension), so that its
	// consumers continue the trace; empty when that change was not traced.
	TraceParent string          `json:"traceparent,omitempty"`
	Data        json.RawMessage `json:"data"`
}

// SourcePrefix starts every event source; the module follows ("agora/catalog").
const SourcePrefix = "agora/"

// New builds an event of module about subject with data encoded as JSON.
func New(module, typ, subject string, data any, now time.Time) (Event, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("event: encode %s: %w", typ, err)
	}
	return Event{
		SpecVersion:     "1.0",
		ID:              id.New("evt"),
		Source:          SourcePrefix + module,
		Type:            typ,
		Time:            now.UTC(),
		Subject:         subject,
		DataContentType: "application/json",
		Data:            b,
	}, nil
}

// Module is the module that emitted e.
func (e Event) Module() string { return strings.TrimPrefix(e.Source, SourcePrefix) }

// NATSSubject is the subject e is published on: agora.<module>.<type>.
func (e Event) NATSSubject() string { return Subject(e.Module(), e.Type) }

// Subject is the NATS subject of events of a type from a module; typ may be
// a wildcard ("product.*", ">").
func Subject(module, typ string) string { return "agora." + module + "." + typ }

// Decode unmarshals the data of e into v.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("event: decode %s %s: %w", e.Type, e.ID, err)
	}
	return nil
}

// Validate checks the fields every event must have.
func (e Event) Validate() error {
	switch {
	case e.SpecVersion != "1.0":
		return errors.New("event: specversion must be 1.0")
	case e.ID == "", e.Source == "", e.Type == "":
		return errors.New("event: id, source and type are required")
	case e.Time.IsZero():
		return errors.New("event: time is required")
	}
	return nil
}

// Publisher sends events to the bus. Publishing the same event id twice is
// harmless: the bus and its consumers de-duplicate by id.
type Publisher interface {
	Publish(ctx context.Context, events ...Event) error
}

// AppendJSON appends e's JSON envelope to b: the bytes json.Marshal gives,
// without re-validating and compacting Data, which New and decoding an
// envelope already give as valid, compact JSON. Writing an outbox row and
// publishing pay that check once per event otherwise.
func (e Event) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"specversion":`...)
	b = appendString(b, e.SpecVersion)
	b = append(b, `,"id":`...)
	b = appendString(b, e.ID)
	b = append(b, `,"source":`...)
	b = appendString(b, e.Source)
	b = append(b, `,"type":`...)
	b = appendString(b, e.Type)
	t, err := e.Time.MarshalJSON()
	if err != nil {
		return b, fmt.Errorf("event: encode %s: %w", e.Type, err)
	}
	b = append(b, `,"time":`...)
	b = append(b, t...)
	if e.Subject != "" {
		b = append(b, `,"subject":`...)
		b = appendString(b, e.Subject)
	}
	if e.DataContentType != "" {
		b = append(b, `,"datacontenttype":`...)
		b = appendString(b, e.DataContentType)
	}
	if e.TraceParent != "" {
		b = append(b, `,"traceparent":`...)
		b = appendString(b, e.TraceParent)
	}
	b = append(b, `,"data":`...)
	if len(e.Data) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, e.Data...)
	}
	return append(b, '}'), nil
}

// appendString appends s as a JSON string, as encoding/json writes it:
// printable ASCII other than the quote, the backslash and the characters
// it escapes for HTML is copied; anything else goes through json.Marshal.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// Encoded is an event already encoded as its JSON envelope (an outbox
// row), with what the bus needs to route it without decoding it.
type Encoded struct {
	ID, Module, Type string
	Envelope         []byte
}

// EncodedPublisher is a Publisher that also sends events as they are
// stored, so that relaying an outbox does not decode and encode every
// envelope again.
type EncodedPublisher interface {
	Publisher
	PublishEncoded(ctx context.Context, events ...Encoded) error
}

// Handler handles one event. A nil error acknowledges it; an error has it
// delivered again after a backoff, and after the last attempt it goes to the
// dead-letter stream. Handlers must be idempotent by event id.
type Handler func(ctx context.Context, e Event) error

// Subscription names a durable consumer and what it listens to.
type Subscription struct {
	// Durable is the consumer's stable name; its position survives restarts.
	Durable string
	// Subjects to listen to, e.g. event.Subject("catalog", "product.*").
	Subjects []string
	Handler  Handler
	// Concurrency is how many events the handler may work on at once; 0
	// or 1 handles them one at a time, in order. More is only for handlers
	// whose result does not depend on the order of events (each applies an
	// event only if it is newer than what it has, atomically); it lets a
	// consumer catch up many times faster, its writes sharing commits.
	Concurrency int
}

// Subscriber runs durable consumers until ctx ends.
type Subscriber interface {
	Subscribe(ctx context.Context, s Subscription) (stop func(), err error)
}
