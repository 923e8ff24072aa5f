package taxsvc

import (
	"context"

	"github.com/agoracommerce/agora/platform/event"
	"github.com/agoracommerce/agora/tax"
)

// Store is the tax module's private persistence, shaped by the service's
// use cases. Every write is one transaction that also appends the given
// events to the outbox. Missing rows are NotFound; a second region of one
// scope is Conflict region_exists; a taken class code Conflict
// class_exists.
type Store interface {
	// InsertRegion stores a new region. A rate of a class that does not
	// exist (checked inside the transaction) is Invalid.
	InsertRegion(ctx context.Context, r tax.Region, events []event.Event) error
	GetRegion(ctx context.Context, id string) (tax.Region, error)
	// UpdateRegion runs fn on the current region inside one transaction
	// and stores the result (with the same class check as InsertRegion).
	UpdateRegion(ctx context.Context, id string, fn func(*tax.Region) ([]event.Event, error)) (tax.Region, error)
	DeleteRegion(ctx context.Context, id string, fn func(tax.Region) ([]event.Event, error)) error
	ListRegions(ctx context.Context, q tax.ListRegionsQuery) (tax.Page[tax.Region], error)
	// CountryRegions returns every region of a country (a small set).
	CountryRegions(ctx context.Context, country string) ([]tax.Region, error)

	// InsertClass stores a class created by the admin (standard is not
	// stored).
	InsertClass(ctx context.Context, c tax.Class, events []event.Event) error
	// Classes lists the stored classes by code.
	Classes(ctx context.Context) ([]tax.Class, error)
	// DeleteClass deletes a stored class; one that a region has a rate for
	// is Conflict class_in_use (checked inside the transaction).
	DeleteClass(ctx context.Context, code string, fn func(tax.Class) ([]event.Event, error)) error
}
