package searchtest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/search"
	"github.com/agoracommerce/agora/search/searchhttp"
	"github.com/agoracommerce/agora/search/searchsvc"
)

// events feeds a searchsvc.Service through its event handler, as the bus
// would.
type events struct {
	t   *testing.T
	svc *searchsvc.Service
}

func (f events) send(typ string, subject string, data any) {
	e, err := event.New(catalog.Module, typ, subject, data, time.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.svc.Handle(context.Background(), e); err != nil {
		f.t.Fatal(err)
	}
	if err := f.svc.Handle(context.Background(), e); err != nil { // at-least-once: twice is harmless
		f.t.Fatal(err)
	}
}

func (f events) PutCategory(c catalog.Category) { f.send(catalog.EventCategoryCreated, c.ID, c) }
func (f events) PutProduct(p catalog.Product)   { f.send(catalog.EventProductUpdated, p.ID, p) }
func (f events) DeleteProduct(p catalog.Product) {
	now := time.Now()
	p.DeletedAt = &now
	f.send(catalog.EventProductDeleted, p.ID, p)
}

func newService(t *testing.T) *searchsvc.Service {
	t.Helper()
	cfg := searchsvc.DefaultConfig()
	cfg.Dir = t.TempDir()
	svc, err := searchsvc.New(cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	return svc
}

func TestInProcess(t *testing.T) {
	TestService(t, func(t *testing.T) (search.Service, Feed) {
		svc := newService(t)
		return svc, events{t, svc}
	})
}

func TestOverHTTP(t *testing.T) {
	TestService(t, func(t *testing.T) (search.Service, Feed) {
		svc := newService(t)
		mux := http.NewServeMux()
		api := httpx.NewAPI(mux, "test", "1", "test")
		searchhttp.Register(api, svc)
		srv := httptest.NewServer(httpx.Base(slog.New(slog.NewTextHandler(io.Discard, nil)), mux))
		t.Cleanup(srv.Close)
		return searchhttp.NewClient(&httpx.Client{BaseURL: srv.URL, HTTP: srv.Client()}), events{t, svc}
	})
}

// TestRestart checks that the snapshot and the event log bring the index
// back without the catalog.
func TestRestart(t *testing.T) {
	cfg := searchsvc.DefaultConfig()
	cfg.Dir = t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := searchsvc.New(cfg, nil, log, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	f := events{t, svc}
	cats, ps := Products()
	for _, c := range cats {
		f.PutCategory(c)
	}
	for _, p := range ps[:2] {
		f.PutProduct(p)
	}
	if err := svc.Snapshot(); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps[2:] { // only in the event log
		f.PutProduct(p)
	}
	if _, err := svc.PutRule(context.Background(), search.PutRuleCommand{Query: "shirt", Pin: []string{"prod_4"}}); err != nil {
		t.Fatal(err)
	}
	_ = svc.Close() // a crash after the log was written, before a snapshot

	again, err := searchsvc.New(cfg, nil, log, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	r, err := again.Search(context.Background(), search.Query{Filter: search.Filter{Category: "home"}})
	if err != nil || r.Total != 2 {
		t.Errorf("from the snapshot: %d %v", r.Total, err)
	}
	r, _ = again.Search(context.Background(), search.Query{Q: "shirt"})
	if got := ids(r); len(got) != 2 || got[0] != "prod_4" {
		t.Errorf("from the event log, with the rule: %v", got)
	}
	if err := again.Snapshot(); err != nil {
		t.Fatal(err)
	}
}
