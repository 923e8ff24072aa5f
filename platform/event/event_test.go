package event_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
)

type productUpdated struct {
	ProductID string `json:"product_id"`
	Version   int    `json:"version"`
}

func TestNew(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 30, 0, 123456789, time.FixedZone("CET", 3600))
	e, err := event.New("catalog", "product.updated", "prod_1", productUpdated{"prod_1", 3}, now)
	if err != nil {
		t.Fatal(err)
	}
	if e.SpecVersion != "1.0" || e.Source != "agora/catalog" || e.Type != "product.updated" ||
		e.Subject != "prod_1" || e.DataContentType != "application/json" {
		t.Errorf("New = %+v", e)
	}
	if !id.Valid("evt", e.ID) {
		t.Errorf("ID = %q, want an evt_ id", e.ID)
	}
	if !e.Time.Equal(now) || e.Time.Location() != time.UTC {
		t.Errorf("Time = %v, want %v in UTC", e.Time, now)
	}
	if string(e.Data) != `{"product_id":"prod_1","version":3}` {
		t.Errorf("Data = %s", e.Data)
	}
	if err := e.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if e.Module() != "catalog" {
		t.Errorf("Module = %q", e.Module())
	}
	if e.NATSSubject() != "agora.catalog.product.updated" {
		t.Errorf("NATSSubject = %q", e.NATSSubject())
	}
	var got productUpdated
	if err := e.Decode(&got); err != nil || got != (productUpdated{"prod_1", 3}) {
		t.Errorf("Decode = %+v, %v", got, err)
	}

	e2, err := event.New("catalog", "product.updated", "prod_1", nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if e2.ID == e.ID {
		t.Errorf("two events share the id %q", e.ID)
	}
	if string(e2.Data) != "null" {
		t.Errorf("Data of nil = %s", e2.Data)
	}
}

func TestNewUnencodable(t *testing.T) {
	_, err := event.New("catalog", "product.updated", "", make(chan int), time.Now())
	if err == nil || !strings.Contains(err.Error(), "product.updated") {
		t.Fatalf("New with a channel = %v, want an encode error naming the type", err)
	}
}

func TestDecodeError(t *testing.T) {
	e, err := event.New("orders", "order.placed", "ord_1", map[string]any{"total": "not a number"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Total int }
	err = e.Decode(&v)
	if err == nil || !strings.Contains(err.Error(), e.ID) || !strings.Contains(err.Error(), "order.placed") {
		t.Fatalf("Decode = %v, want an error naming the type and id", err)
	}
}

func TestSubject(t *testing.T) {
	tests := []struct{ module, typ, want string }{
		{"catalog", "product.updated", "agora.catalog.product.updated"},
		{"catalog", "product.*", "agora.catalog.product.*"},
		{"orders", ">", "agora.orders.>"},
	}
	for _, tt := range tests {
		if got := event.Subject(tt.module, tt.typ); got != tt.want {
			t.Errorf("Subject(%q, %q) = %q, want %q", tt.module, tt.typ, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	valid := func() event.Event {
		e, err := event.New("catalog", "product.created", "prod_1", struct{}{}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	tests := []struct {
		name   string
		mutate func(*event.Event)
		errHas string
	}{
		{"valid", func(*event.Event) {}, ""},
		{"no subject is fine", func(e *event.Event) { e.Subject = "" }, ""},
		{"specversion", func(e *event.Event) { e.SpecVersion = "0.3" }, "specversion"},
		{"missing specversion", func(e *event.Event) { e.SpecVersion = "" }, "specversion"},
		{"id", func(e *event.Event) { e.ID = "" }, "required"},
		{"source", func(e *event.Event) { e.Source = "" }, "required"},
		{"type", func(e *event.Event) { e.Type = "" }, "required"},
		{"time", func(e *event.Event) { e.Time = time.Time{} }, "time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := valid()
			tt.mutate(&e)
			err := e.Validate()
			if tt.errHas == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("Validate = %v, want an error mentioning %q", err, tt.errHas)
			}
		})
	}
}

// The envelope is CloudEvents JSON and survives a round trip.
func TestJSONRoundTrip(t *testing.T) {
	e, err := event.New("inventory", "stock.reserved", "sku_1", map[string]int{"qty": 2}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	var back event.Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Time.Equal(e.Time) {
		t.Errorf("Time = %v, want %v", back.Time, e.Time)
	}
	back.Time = e.Time
	if !reflect.DeepEqual(back, e) {
		t.Errorf("round trip = %+v, want %+v", back, e)
	}
	// subject is omitted when empty
	e.Subject = ""
	b, _ = json.Marshal(e)
	if strings.Contains(string(b), `"subject"`) {
		t.Errorf("empty subject is encoded: %s", b)
	}
}

// TestAppendJSONIsMarshal: the hand-written envelope is byte for byte what
// json.Marshal gives, for plain and awkward strings, without a subject or
// data, and with data decoded from another envelope.
func TestAppendJSONIsMarshal(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 30, 0, 123456789, time.UTC)
	var cases []event.Event
	for _, subject := range []string{"prod_1", "", `a "quoted" \ sku`, "<b>&amp;</b>", "tab\there\nnl", "café – ü", "line\u2028sep", "bad\xffutf8"} {
		e, err := event.New("catalog", "product.updated", subject, map[string]any{"title": subject, "n": 1.5, "html": "<&>"}, now)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, e)
	}
	noData := cases[0]
	noData.Data, noData.DataContentType = nil, ""
	cases = append(cases, noData)
	var decoded event.Event
	b, _ := json.Marshal(cases[3])
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, decoded)
	for i, e := range cases {
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
	late := cases[0]
	late.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := late.AppendJSON(nil); err == nil {
		t.Error("a time json.Marshal refuses was encoded")
	}
}
