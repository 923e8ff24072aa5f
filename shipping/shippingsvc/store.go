package shippingsvc

import (
	"context"

	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/shipping"
)

// Store is the shipping module's private persistence, shaped by the
// service's use cases. Every write is one transaction that also appends
// the given events to the outbox. Missing rows are NotFound.
type Store interface {
	InsertZone(ctx context.Context, z shipping.Zone, events []event.Event) error
	GetZone(ctx context.Context, id string) (shipping.Zone, error)
	UpdateZone(ctx context.Context, id string, fn func(*shipping.Zone) ([]event.Event, error)) (shipping.Zone, error)
	// DeleteZone deletes a zone and its options; fn gets both and returns
	// the events.
	DeleteZone(ctx context.Context, id string, fn func(shipping.Zone, []shipping.Option) ([]event.Event, error)) error
	ListZones(ctx context.Context, q shipping.ListZonesQuery) (shipping.Page[shipping.Zone], error)

	// InsertOption stores an option; its zone must exist (checked inside
	// the transaction, NotFound otherwise).
	InsertOption(ctx context.Context, o shipping.Option, events []event.Event) error
	GetOption(ctx context.Context, id string) (shipping.Option, error)
	UpdateOption(ctx context.Context, id string, fn func(*shipping.Option) ([]event.Event, error)) (shipping.Option, error)
	DeleteOption(ctx context.Context, id string, fn func(shipping.Option) ([]event.Event, error)) error
	ListOptions(ctx context.Context, q shipping.ListOptionsQuery) (shipping.Page[shipping.Option], error)
	// CountryOptions returns the enabled options in currency of every
	// zone containing country.
	CountryOptions(ctx context.Context, country, currency string) ([]shipping.Option, error)
}
