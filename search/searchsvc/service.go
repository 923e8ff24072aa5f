// Package searchsvc implements search.Service: it keeps the index (package
// searchindex) as a read model of the catalog's events, persists it in the
// data directory (a snapshot plus a log of the events applied since), holds
// the search settings, and rebuilds the index from the catalog on demand
// while the old one keeps serving.
package searchsvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/platform/id"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/pricing"
	"github.com/agoracommerce/agora/search"
	"github.com/agoracommerce/agora/search/searchindex"
)

// Catalog is what search needs of the catalog: reading every product and
// category for a rebuild. catalog.Service, its fake and its HTTP client
// satisfy it.
type Catalog interface {
	ListProducts(ctx context.Context, q catalog.ListProductsQuery) (catalog.Page[catalog.Product], error)
	ListCategories(ctx context.Context, q catalog.ListCategoriesQuery) (catalog.Page[catalog.Category], error)
}

// Pricing is what a rebuild reads of pricing: every price list and its
// prices. pricing.Service, its fake and its HTTP client satisfy it.
type Pricing interface {
	ListPriceLists(ctx context.Context, q pricing.ListPriceListsQuery) (pricing.Page[pricing.PriceList], error)
	ListPrices(ctx context.Context, q pricing.ListPricesQuery) (pricing.Page[pricing.ListPrice], error)
}

// Config configures the service.
type Config struct {
	// Dir holds the snapshot, the event log and the settings; empty keeps
	// everything in memory.
	Dir string
	// Lang is the language of the catalog's default texts.
	Lang string
	// SnapshotEvery is how often a changed index is written to Dir.
	SnapshotEvery time.Duration
	// TickEvery is how often the price lists whose window opened or
	// closed are applied (the delay of a scheduled price change).
	TickEvery time.Duration
	// Snapshot, when set, gives the snapshot of Dir already read (or being
	// read) by the caller, e.g. ahead of the rest of the start; without
	// it New reads the file itself.
	Snapshot func() (Snapshot, error)
}

// DefaultConfig returns the defaults: English, a snapshot every 30 s,
// price-list windows checked every 250 ms.
func DefaultConfig() Config {
	return Config{Lang: "en", SnapshotEvery: 30 * time.Second, TickEvery: 250 * time.Millisecond}
}

// Service is the search module.
type Service struct {
	cfg Config
	cat Catalog
	log *slog.Logger
	now func() time.Time

	idx    atomic.Pointer[searchindex.Index]
	tuning atomic.Pointer[searchindex.Tuning]

	setMu    sync.Mutex
	settings map[string]search.Settings
	rules    map[string]search.Rule // by id

	applyMu   sync.Mutex // one event at a time: log, apply, rotate
	wal       *os.File
	seen      map[string]struct{}
	seenOrder []string
	changed   bool
	lastEvent atomic.Int64 // unix nanos of the last applied event's time
	applied   atomic.Int64

	pricing func() Pricing // nil, or returns nil: a rebuild keeps the current price lists

	rebuilding atomic.Bool
	rebuildBuf []event.Event // events that came during a rebuild (under applyMu)
	status     atomic.Pointer[search.ReindexStatus]
	done       atomic.Int64
	// swaps counts the index and the tuning being replaced (SearchVersion).
	swaps atomic.Uint64
}

// New returns the service, loading the snapshot, the event log and the
// settings from cfg.Dir when there are any.
func New(cfg Config, cat Catalog, log *slog.Logger, now func() time.Time) (*Service, error) {
	if cfg.Lang == "" {
		cfg.Lang = "en"
	}
	if cfg.SnapshotEvery <= 0 {
		cfg.SnapshotEvery = 30 * time.Second
	}
	if cfg.TickEvery <= 0 {
		cfg.TickEvery = 250 * time.Millisecond
	}
	s := &Service{cfg: cfg, cat: cat, log: log, now: now, settings: map[string]search.Settings{}, rules: map[string]search.Rule{}, seen: map[string]struct{}{}}
	s.idx.Store(searchindex.New(cfg.Lang))
	s.swaps.Add(1) // after the swap: see SearchVersion
	s.status.Store(&search.ReindexStatus{})
	if cfg.Dir != "" {
		if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
			return nil, fmt.Errorf("searchsvc: %w", err)
		}
		if err := s.loadSettings(); err != nil {
			return nil, err
		}
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	s.retune()
	return s, nil
}

// ReadPricingFrom makes rebuilds read the price lists from the pricing
// that find returns (nil when pricing does not run here); without it, or
// when find returns nil, a rebuild keeps the price lists of the current
// index. Call it before serving.
func (s *Service) ReadPricingFrom(find func() Pricing) { s.pricing = find }

// Index returns the index being served.
func (s *Service) Index() *searchindex.Index { return s.idx.Load() }

// Searchable returns the number of searchable products in the index.
func (s *Service) Searchable() int { return s.Index().Stats().Live }

// LastEventTime is the time of the newest event applied (zero: none).
func (s *Service) LastEventTime() time.Time {
	n := s.lastEvent.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Subscription is the durable consumer of the catalog's, inventory's and
// pricing's events that feeds the index.
func (s *Service) Subscription() event.Subscription {
	return event.Subscription{
		Durable: "search",
		Subjects: []string{
			event.Subject(catalog.Module, "product.*"),
			event.Subject(catalog.Module, "category.*"),
			event.Subject(inventory.Module, inventory.EventLevelChanged),
			event.Subject(pricing.Module, pricing.EventPriceListCreated),
			event.Subject(pricing.Module, pricing.EventPriceListUpdated),
			event.Subject(pricing.Module, pricing.EventPriceListDeleted),
			event.Subject(pricing.Module, pricing.EventPricesSet),
		},
		Handler: s.Handle,
	}
}

// Handle applies one event to the index. It is idempotent by event id and
// by product version: an event seen again, or older than what the index
// holds, changes nothing. Events it does not know are acknowledged.
func (s *Service) Handle(ctx context.Context, e event.Event) error {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if _, dup := s.seen[e.ID]; dup {
		return nil
	}
	if s.wal != nil {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if _, err := s.wal.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("searchsvc: event log: %w", err)
		}
	}
	if err := apply(s.idx.Load(), e, s.now()); err != nil {
		return err
	}
	if s.rebuilding.Load() {
		s.rebuildBuf = append(s.rebuildBuf, e)
	}
	s.remember(e.ID)
	s.changed = true
	s.applied.Add(1)
	if !e.Time.IsZero() {
		s.lastEvent.Store(e.Time.UnixNano())
	}
	return nil
}

const seenMax = 100_000

func (s *Service) remember(eid string) {
	s.seen[eid] = struct{}{}
	s.seenOrder = append(s.seenOrder, eid)
	if len(s.seenOrder) > seenMax {
		drop := s.seenOrder[:seenMax/2]
		for _, d := range drop {
			delete(s.seen, d)
		}
		s.seenOrder = slices.Clone(s.seenOrder[seenMax/2:])
	}
}

// apply changes x by one event.
// apply changes x by one event; now is the moment price lists in force
// are chosen at.
func apply(x *searchindex.Index, e event.Event, now time.Time) error {
	switch e.Type {
	case catalog.EventProductCreated, catalog.EventProductUpdated:
		var p catalog.Product
		if err := e.Decode(&p); err != nil {
			return err
		}
		x.Put(searchindex.FromProduct(p))
	case catalog.EventProductDeleted:
		var p catalog.Product
		if err := e.Decode(&p); err != nil {
			return err
		}
		x.Delete(p.ID, p.Version)
	case catalog.EventCategoryCreated, catalog.EventCategoryUpdated:
		var c catalog.Category
		if err := e.Decode(&c); err != nil {
			return err
		}
		x.PutCategory(searchindex.FromCategory(c))
	case catalog.EventCategoryDeleted:
		var c catalog.Category
		if err := e.Decode(&c); err != nil {
			return err
		}
		x.DeleteCategory(c.ID)
	case inventory.EventLevelChanged:
		var l inventory.LevelChanged
		if err := e.Decode(&l); err != nil {
			return err
		}
		x.SetStock(l.SKU, Sellable(l), e.Time)
	case pricing.EventPriceListCreated, pricing.EventPriceListUpdated:
		var pl pricing.PriceListCreated
		if err := e.Decode(&pl); err != nil {
			return err
		}
		x.PutPriceList(pl.PriceList, pl.Prices, now)
	case pricing.EventPriceListDeleted:
		var pl pricing.PriceList
		if err := e.Decode(&pl); err != nil {
			return err
		}
		x.DeletePriceList(pl.ID, now)
	case pricing.EventPricesSet:
		var ps pricing.PricesSet
		if err := e.Decode(&ps); err != nil {
			return err
		}
		x.SetListPrices(ps, now)
	}
	return nil
}

// Sellable says whether a SKU's variant can be bought: it is not tracked,
// allows backorders, or has some available.
func Sellable(l inventory.LevelChanged) bool {
	return !l.TrackInventory || l.AllowBackorder || l.Totals.Available > 0
}

// Run writes snapshots while ctx lasts, and a last one when it ends.
func (s *Service) Run(ctx context.Context) {
	tick := time.NewTicker(s.cfg.TickEvery)
	defer tick.Stop()
	var snap <-chan time.Time
	if s.cfg.Dir != "" {
		t := time.NewTicker(s.cfg.SnapshotEvery)
		defer t.Stop()
		snap = t.C
	}
	s.tick()
	for {
		select {
		case <-ctx.Done():
			if s.cfg.Dir == "" {
				return
			}
			if err := s.Snapshot(); err != nil {
				s.log.Warn("search snapshot failed", "err", err)
			}
			return
		case <-tick.C:
			s.tick()
		case <-snap:
			s.idx.Load().Compact(false)
			if err := s.Snapshot(); err != nil {
				s.log.Warn("search snapshot failed", "err", err)
			}
		}
	}
}

// tick applies the price lists whose window opened or closed. The index
// is the one served; a rebuild's new index starts from its clock.
func (s *Service) tick() {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.idx.Load().Tick(s.now())
}

// Close closes the event log.
func (s *Service) Close() error {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if s.wal != nil {
		err := s.wal.Close()
		s.wal = nil
		return err
	}
	return nil
}

func (s *Service) path(name string) string { return filepath.Join(s.cfg.Dir, name) }

// Snapshot writes the index to the data directory if it changed: the event
// log is rotated first (every event in the old log is in the index), the
// snapshot written and synced, then the old log removed.
func (s *Service) Snapshot() error {
	if s.cfg.Dir == "" {
		return nil
	}
	s.applyMu.Lock()
	if !s.changed {
		s.applyMu.Unlock()
		return nil
	}
	if s.wal != nil {
		_ = s.wal.Sync()
		_ = s.wal.Close()
		if err := appendFile(s.path("events.log"), s.path("events.old")); err != nil {
			s.applyMu.Unlock()
			return err
		}
	}
	var err error
	s.wal, err = os.OpenFile(s.path("events.log"), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	s.changed = false
	x := s.idx.Load()
	s.applyMu.Unlock()
	if err != nil {
		return err
	}
	tmp := s.path("index.snap.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := x.WriteSnapshot(f, nil); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, s.path("index.snap")); err != nil {
		return err
	}
	return os.Remove(s.path("events.old"))
}

// appendFile appends src to dst (creating it) and removes src.
func appendFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Remove(src)
}

// Snapshot is what the snapshot file of a search directory held: its
// index (nil without a file), or why it could not be read (the service
// then starts empty and says so).
type Snapshot struct {
	Index      *searchindex.Index
	Unreadable error
}

// ReadSnapshotFile reads the snapshot of the index kept in dir; the error
// is for a file that exists but cannot be opened.
func ReadSnapshotFile(dir string) (Snapshot, error) {
	f, err := os.Open(filepath.Join(dir, "index.snap"))
	if errors.Is(err, os.ErrNotExist) {
		return Snapshot{}, nil
	}
	if err != nil {
		return Snapshot{}, err
	}
	defer f.Close()
	x, _, err := searchindex.ReadSnapshot(f)
	if err != nil {
		return Snapshot{Unreadable: err}, nil
	}
	return Snapshot{Index: x}, nil
}

// load reads the snapshot (or takes the one Config.Snapshot read) and
// replays the event logs written after it.
func (s *Service) load() error {
	read := s.cfg.Snapshot
	if read == nil {
		read = func() (Snapshot, error) { return ReadSnapshotFile(s.cfg.Dir) }
	}
	snap, err := read()
	if err != nil {
		return err
	}
	switch {
	case snap.Unreadable != nil:
		s.log.Warn("search snapshot unreadable; starting empty (run agora reindex)", "err", snap.Unreadable)
	case snap.Index != nil:
		s.idx.Store(snap.Index)
		s.swaps.Add(1) // after the swap: see SearchVersion
	}
	x := s.idx.Load()
	for _, name := range []string{"events.old", "events.log"} {
		b, err := os.ReadFile(s.path(name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			if line == "" {
				continue
			}
			var e event.Event
			if json.Unmarshal([]byte(line), &e) != nil {
				continue // a torn last line
			}
			if err := apply(x, e, s.now()); err == nil {
				s.remember(e.ID)
				s.changed = true
			}
		}
	}
	if err := appendFile(s.path("events.log"), s.path("events.old")); err != nil {
		return err
	}
	s.wal, err = os.OpenFile(s.path("events.log"), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	s.changed = true
	return nil
}

// Rebuild reads every category and product from the catalog into a new
// index and then serves it; the old index serves until then, and events
// that come meanwhile are applied to both. progress, when set, is called
// with the number of products read so far.
func (s *Service) Rebuild(ctx context.Context, progress func(done int)) error {
	if !s.rebuilding.CompareAndSwap(false, true) {
		return errs.E(errs.Conflict, "reindex_running", "a rebuild of the search index is running")
	}
	defer s.rebuilding.Store(false)
	s.done.Store(0)
	s.status.Store(&search.ReindexStatus{Running: true, StartedAt: s.now().UTC()})
	err := s.rebuild(ctx, progress)
	st := search.ReindexStatus{Done: int(s.done.Load()), Indexed: s.idx.Load().Stats().Slots}
	if err != nil {
		st.Error = "the rebuild failed; see the log"
		s.log.Error("search rebuild failed", "err", err)
	}
	s.status.Store(&st)
	return err
}

func (s *Service) rebuild(ctx context.Context, progress func(int)) error {
	if s.cat == nil {
		return errs.E(errs.Unavailable, "unavailable", "no catalog to rebuild from")
	}
	x := searchindex.New(s.cfg.Lang)
	s.applyMu.Lock()
	s.rebuildBuf = nil
	// The catalog does not know the stock or the price lists: the new
	// index starts from the current one's non-sellable SKUs and price
	// lists; later events are in rebuildBuf.
	x.CarryStock(s.idx.Load())
	var pr Pricing
	if s.pricing != nil {
		pr = s.pricing()
	}
	if pr == nil {
		x.CarryPrices(s.idx.Load())
	}
	s.applyMu.Unlock()
	if pr != nil {
		if err := s.readPriceLists(ctx, pr, x); err != nil {
			return err
		}
	}
	cursor := ""
	for {
		page, err := s.cat.ListCategories(ctx, catalog.ListCategoriesQuery{Limit: catalog.MaxListLimit, Cursor: cursor})
		if err != nil {
			return err
		}
		for _, c := range page.Data {
			x.PutCategory(searchindex.FromCategory(c))
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	cursor = ""
	for {
		page, err := s.cat.ListProducts(ctx, catalog.ListProductsQuery{Limit: catalog.MaxListLimit, Cursor: cursor})
		if err != nil {
			return err
		}
		docs := make([]searchindex.Doc, len(page.Data))
		for i, p := range page.Data {
			docs[i] = searchindex.FromProduct(p)
		}
		x.PutMany(docs)
		n := s.done.Add(int64(len(docs)))
		if progress != nil {
			progress(int(n))
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	x.Optimize()
	s.applyMu.Lock()
	for _, e := range s.rebuildBuf {
		_ = apply(x, e, s.now())
	}
	s.rebuildBuf = nil
	s.idx.Store(x)
	s.swaps.Add(1) // after the swap: see SearchVersion
	s.changed = true
	s.applyMu.Unlock()
	return s.Snapshot()
}

// readPriceLists puts every price list of pr, with its prices, into x.
func (s *Service) readPriceLists(ctx context.Context, pr Pricing, x *searchindex.Index) error {
	cursor := ""
	for {
		page, err := pr.ListPriceLists(ctx, pricing.ListPriceListsQuery{Limit: pricing.MaxListLimit, Cursor: cursor})
		if err != nil {
			return err
		}
		for _, pl := range page.Data {
			var prices []pricing.ListPrice
			pc := ""
			for {
				pp, err := pr.ListPrices(ctx, pricing.ListPricesQuery{ListID: pl.ID, Limit: pricing.MaxListLimit, Cursor: pc})
				if errs.Is(err, errs.NotFound) {
					break // deleted meanwhile: its event is in rebuildBuf
				}
				if err != nil {
					return err
				}
				prices = append(prices, pp.Data...)
				if pp.NextCursor == nil {
					break
				}
				pc = *pp.NextCursor
			}
			x.PutPriceList(pl, prices, s.now())
		}
		if page.NextCursor == nil {
			return nil
		}
		cursor = *page.NextCursor
	}
}

// SearchVersion tells when search answers may have changed: the pair moves
// whenever the index served is replaced, changes, or the settings and
// rules change. Read before searching, it is never newer than the state
// searched (the swap count moves after each swap, the generation as a
// change begins), so answers kept by it are never served after a change.
func (s *Service) SearchVersion() [2]uint64 {
	sw := s.swaps.Load()
	return [2]uint64{sw, s.idx.Load().Generation()}
}

// Search implements search.Service.
func (s *Service) Search(ctx context.Context, q search.Query) (search.Result, error) {
	if err := Validate(&q); err != nil {
		return search.Result{}, err
	}
	return s.idx.Load().Search(q, s.tuning.Load())
}

// Validate checks a query's bounds and fills its defaults; it returns
// Invalid with every offending field.
func Validate(q *search.Query) error {
	var v errs.Validator
	v.Check(len([]rune(q.Q)) <= search.MaxQueryLen, "q", "is longer than %d characters", search.MaxQueryLen)
	v.Check(q.Limit >= 0 && q.Limit <= search.MaxLimit, "limit", "must be between 1 and %d", search.MaxLimit)
	switch q.Sort {
	case "", search.SortRelevance, search.SortNewest, search.SortPopular:
	case search.SortPriceAsc, search.SortPriceDesc:
		v.Check(q.Currency != "", "currency", "is needed to sort by price")
	default:
		v.Add("sort", "must be relevance, price_asc, price_desc, newest or popular")
	}
	if q.Currency != "" {
		v.Check(money.CheckCurrency(q.Currency) == nil, "currency", "is not an ISO 4217 currency code")
	}
	f := q.Filter
	if f.PriceMin != nil || f.PriceMax != nil {
		v.Check(q.Currency != "", "currency", "is needed to filter by price")
	}
	if f.PriceMin != nil && f.PriceMax != nil {
		v.Check(*f.PriceMin <= *f.PriceMax, "price_min", "is above price_max")
	}
	v.Check(len(q.Facets) <= search.MaxFacets, "facets", "asks for more than %d facets", search.MaxFacets)
	for _, name := range q.Facets {
		switch {
		case name == search.FacetCategory, name == search.FacetPrice, name == search.FacetAvailable:
		case strings.HasPrefix(name, search.AttributePrefix) && len(name) > len(search.AttributePrefix) && len(name) <= 100+len(search.AttributePrefix):
		default:
			v.Add("facets", "unknown facet %q: use category, price, available or attributes.<name>", truncate(name, 40))
		}
	}
	n := 0
	for name, vals := range f.Attributes {
		n += len(vals)
		v.Check(name != "" && len(name) <= 100, "attributes."+truncate(name, 40), "is not an attribute name")
	}
	v.Check(n <= search.MaxFilters, "attributes", "has more than %d values", search.MaxFilters)
	v.Check(len(f.Category) <= 120, "category", "is too long")
	v.Check(len(q.Channel) <= 100, "channel", "is too long")
	v.Check(len(q.Locale) <= 35, "locale", "is too long")
	if _, err := searchindex.DecodeCursor(q.Cursor); err != nil {
		v.Add("cursor", "is not a cursor of this search")
	}
	return v.Err()
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// Suggest implements search.Service.
func (s *Service) Suggest(ctx context.Context, q search.SuggestQuery) (search.Suggestions, error) {
	var v errs.Validator
	v.Check(len([]rune(q.Q)) <= search.MaxQueryLen, "q", "is longer than %d characters", search.MaxQueryLen)
	v.Check(q.Limit >= 0 && q.Limit <= search.MaxSuggest, "limit", "must be between 1 and %d", search.MaxSuggest)
	if err := v.Err(); err != nil {
		return search.Suggestions{}, err
	}
	return s.idx.Load().Suggest(q, s.tuning.Load()), nil
}

func validLocale(l string) bool {
	if l == "" || len(l) > 35 {
		return false
	}
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// GetSettings implements search.Service.
func (s *Service) GetSettings(ctx context.Context, locale string) (search.Settings, error) {
	if !validLocale(locale) {
		return search.Settings{}, errs.Validation(errs.Field("locale", "is not a BCP 47 locale"))
	}
	s.setMu.Lock()
	defer s.setMu.Unlock()
	st, ok := s.settings[strings.ToLower(locale)]
	if !ok {
		st = search.Settings{Locale: strings.ToLower(locale)}
	}
	if st.Synonyms == nil {
		st.Synonyms = []search.SynonymSet{}
	}
	if st.StopWords == nil {
		st.StopWords = []string{}
	}
	return st, nil
}

// PutSettings implements search.Service.
func (s *Service) PutSettings(ctx context.Context, cmd search.PutSettingsCommand) (search.Settings, error) {
	var v errs.Validator
	v.Check(validLocale(cmd.Locale), "locale", "is not a BCP 47 locale")
	v.Check(len(cmd.Synonyms) <= search.MaxSynonymSets, "synonyms", "has more than %d sets", search.MaxSynonymSets)
	v.Check(len(cmd.StopWords) <= search.MaxStopWords, "stop_words", "has more than %d words", search.MaxStopWords)
	for i, set := range cmd.Synonyms {
		v.Check(len(set.Terms) >= 2 && len(set.Terms) <= search.MaxSynonymTerms, fmt.Sprintf("synonyms[%d].terms", i), "must have 2 to %d terms", search.MaxSynonymTerms)
		for j, t := range set.Terms {
			v.Check(searchindex.Normalize(t) != "" && len(t) <= 100, fmt.Sprintf("synonyms[%d].terms[%d]", i, j), "must have a word and at most 100 bytes")
		}
	}
	for i, w := range cmd.StopWords {
		v.Check(searchindex.Normalize(w) != "" && len(w) <= 100, fmt.Sprintf("stop_words[%d]", i), "must be a word of at most 100 bytes")
	}
	if err := v.Err(); err != nil {
		return search.Settings{}, err
	}
	st := search.Settings{Locale: strings.ToLower(cmd.Locale), Synonyms: cmd.Synonyms, StopWords: cmd.StopWords, UpdatedAt: s.now().UTC()}
	if st.Synonyms == nil {
		st.Synonyms = []search.SynonymSet{}
	}
	if st.StopWords == nil {
		st.StopWords = []string{}
	}
	s.setMu.Lock()
	s.settings[st.Locale] = st
	err := s.saveSettings()
	s.setMu.Unlock()
	if err != nil {
		return search.Settings{}, err
	}
	s.retune()
	return st, nil
}

// ListRules implements search.Service.
func (s *Service) ListRules(ctx context.Context) ([]search.Rule, error) {
	s.setMu.Lock()
	defer s.setMu.Unlock()
	out := make([]search.Rule, 0, len(s.rules))
	for _, r := range s.rules {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b search.Rule) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// PutRule implements search.Service.
func (s *Service) PutRule(ctx context.Context, cmd search.PutRuleCommand) (search.Rule, error) {
	var v errs.Validator
	v.Check(searchindex.Normalize(cmd.Query) != "" && len([]rune(cmd.Query)) <= search.MaxQueryLen, "query", "must have a word and at most %d characters", search.MaxQueryLen)
	v.Check(len(cmd.Pin)+len(cmd.Boost) <= search.MaxRuleProducts, "pin", "pins and boosts more than %d products", search.MaxRuleProducts)
	v.Check(len(cmd.Pin)+len(cmd.Boost) > 0, "pin", "a rule pins or boosts at least one product")
	for i, p := range append(slices.Clone(cmd.Pin), cmd.Boost...) {
		v.Check(p != "" && len(p) <= 120, fmt.Sprintf("products[%d]", i), "is not a product id")
	}
	if err := v.Err(); err != nil {
		return search.Rule{}, err
	}
	key := searchindex.Normalize(cmd.Query)
	s.setMu.Lock()
	r := search.Rule{Query: cmd.Query, Pin: nonNil(cmd.Pin), Boost: nonNil(cmd.Boost), UpdatedAt: s.now().UTC()}
	for _, old := range s.rules {
		if searchindex.Normalize(old.Query) == key {
			r.ID = old.ID
		}
	}
	if r.ID == "" {
		if len(s.rules) >= search.MaxRules {
			s.setMu.Unlock()
			return search.Rule{}, errs.E(errs.Conflict, "too_many_rules", "there are %d rules already", search.MaxRules)
		}
		r.ID = id.New("rule")
	}
	s.rules[r.ID] = r
	err := s.saveSettings()
	s.setMu.Unlock()
	if err != nil {
		return search.Rule{}, err
	}
	s.retune()
	return r, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// DeleteRule implements search.Service.
func (s *Service) DeleteRule(ctx context.Context, rid string) error {
	s.setMu.Lock()
	if _, ok := s.rules[rid]; !ok {
		s.setMu.Unlock()
		return errs.E(errs.NotFound, "not_found", "no such rule")
	}
	delete(s.rules, rid)
	err := s.saveSettings()
	s.setMu.Unlock()
	if err != nil {
		return err
	}
	s.retune()
	return nil
}

// Reindex implements search.Service: the rebuild runs in the background.
func (s *Service) Reindex(ctx context.Context) (search.ReindexStatus, error) {
	if s.rebuilding.Load() {
		return search.ReindexStatus{}, errs.E(errs.Conflict, "reindex_running", "a rebuild of the search index is running")
	}
	started := make(chan struct{})
	go func() {
		close(started)
		_ = s.Rebuild(context.WithoutCancel(ctx), nil)
	}()
	<-started
	return search.ReindexStatus{Running: true, StartedAt: s.now().UTC()}, nil
}

// ReindexStatus implements search.Service.
func (s *Service) ReindexStatus(ctx context.Context) (search.ReindexStatus, error) {
	st := *s.status.Load()
	st.Done = int(s.done.Load())
	st.Running = s.rebuilding.Load()
	if !st.Running {
		st.Indexed = s.idx.Load().Stats().Slots
	}
	return st, nil
}

func (s *Service) retune() {
	s.setMu.Lock()
	sets := make([]search.Settings, 0, len(s.settings))
	for _, st := range s.settings {
		sets = append(sets, st)
	}
	rules := make([]search.Rule, 0, len(s.rules))
	for _, r := range s.rules {
		rules = append(rules, r)
	}
	s.setMu.Unlock()
	s.tuning.Store(searchindex.Compile(sets, rules))
	s.swaps.Add(1) // after the swap: see SearchVersion
}

type settingsFile struct {
	Settings map[string]search.Settings `json:"settings"`
	Rules    map[string]search.Rule     `json:"rules"`
}

func (s *Service) loadSettings() error {
	b, err := os.ReadFile(s.path("settings.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var f settingsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("searchsvc: %s: %w", s.path("settings.json"), err)
	}
	if f.Settings != nil {
		s.settings = f.Settings
	}
	if f.Rules != nil {
		s.rules = f.Rules
	}
	return nil
}

// saveSettings writes the settings atomically; callers hold setMu.
func (s *Service) saveSettings() error {
	if s.cfg.Dir == "" {
		return nil
	}
	b, err := json.MarshalIndent(settingsFile{Settings: s.settings, Rules: s.rules}, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.path("settings.json.tmp")
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, s.path("settings.json"))
}

var _ search.Service = (*Service)(nil)
