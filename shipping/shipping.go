// Package shipping is the contract of Agora's shipping module.
//
// The shipping module owns shipping zones (named sets of countries) and the
// shipping options of each zone with their rates; later it will own
// fulfillments, shipments and carrier adapters. It does not own addresses
// (customer and cart do) or the tax on shipping (tax computes it from the
// price quoted here).
//
// A rate is one of three kinds, in minor units of the option's currency:
//
//	flat:      Amount, whatever the order.
//	weight:    Brackets ordered by UpToGrams; the price is the Amount of the
//	           first bracket whose UpToGrams is at least the weight. Above
//	           the last bracket the option is not offered.
//	free_over: Amount while the subtotal is below Threshold, 0 at or above it.
//
// Quote offers the enabled options of every zone that contains the country,
// in the requested currency only, cheapest first. No rounding happens: the
// prices are the configured amounts.
//
// Events emitted (through the module's outbox): shipping.zone_created,
// shipping.zone_updated, shipping.zone_deleted (data: the Zone),
// shipping.option_created, shipping.option_updated, shipping.option_deleted
// (data: the Option). Deleting a zone deletes its options, each with its
// event. It consumes no events.
package shipping

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/platform/money"
)

// Module is the module's name: its tables are prefixed "shipping_", its
// events come from "agora/shipping".
const Module = "shipping"

// Event types.
const (
	EventZoneCreated   = "shipping.zone_created"
	EventZoneUpdated   = "shipping.zone_updated"
	EventZoneDeleted   = "shipping.zone_deleted"
	EventOptionCreated = "shipping.option_created"
	EventOptionUpdated = "shipping.option_updated"
	EventOptionDeleted = "shipping.option_deleted"
)

// Limits on what the module accepts.
const (
	MaxName        = 200
	MaxCountries   = 250
	MaxBrackets    = 50
	MaxWeightGrams = 100_000_000
	MaxListLimit   = 100
	DefaultLimit   = 20
)

// RateKind is the kind of a rate.
type RateKind string

// The kinds of rates.
const (
	Flat     RateKind = "flat"
	Weight   RateKind = "weight"
	FreeOver RateKind = "free_over"
)

// Zone is a named set of countries.
type Zone struct {
	ID        string    `json:"id" doc:"Shipping zone id (shz_…)"`
	Name      string    `json:"name"`
	Countries []string  `json:"countries" doc:"ISO 3166-1 alpha-2 country codes, sorted"`
	Version   int64     `json:"version" doc:"Incremented by every change"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Bracket is a step of a weight-based rate.
type Bracket struct {
	UpToGrams int64 `json:"up_to_grams" minimum:"1" maximum:"100000000" doc:"Largest weight (inclusive) this price applies to"`
	Amount    int64 `json:"amount" minimum:"0" maximum:"1000000000000000" doc:"Price in minor units of the option's currency"`
}

// Rate prices an option. Which fields apply depends on Kind (see the
// package documentation); the others are zero.
type Rate struct {
	Kind      RateKind  `json:"kind" enum:"flat,weight,free_over"`
	Amount    int64     `json:"amount,omitempty" minimum:"0" maximum:"1000000000000000" doc:"flat: the price; free_over: the price below the threshold (minor units)"`
	Threshold int64     `json:"threshold,omitempty" minimum:"0" maximum:"1000000000000000" doc:"free_over: the subtotal (minor units) from which shipping is free"`
	Brackets  []Bracket `json:"brackets,omitempty" maxItems:"50" doc:"weight: price per weight bracket, by up_to_grams ascending"`
}

// Option is a way to ship to a zone, with its rate.
type Option struct {
	ID        string    `json:"id" doc:"Shipping option id (sho_…)"`
	ZoneID    string    `json:"zone_id"`
	Name      string    `json:"name"`
	Currency  string    `json:"currency" doc:"ISO 4217 currency of the rate"`
	Rate      Rate      `json:"rate"`
	Enabled   bool      `json:"enabled" doc:"Disabled options are never quoted"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CreateZoneCommand creates a zone.
type CreateZoneCommand struct {
	Name      string   `json:"name" maxLength:"200"`
	Countries []string `json:"countries,omitempty" maxItems:"250"`
}

// UpdateZoneCommand changes the fields that are set; Countries replaces
// the list. ExpectedVersion, when non-zero, makes the update fail with
// Conflict version_conflict if the zone changed since.
type UpdateZoneCommand struct {
	ID              string    `json:"-"`
	ExpectedVersion int64     `json:"version,omitempty"`
	Name            *string   `json:"name,omitempty" maxLength:"200"`
	Countries       *[]string `json:"countries,omitempty" maxItems:"250"`
}

// ListZonesQuery lists zones ordered by id.
type ListZonesQuery struct {
	Country string // only zones containing this country; "" all
	Limit   int
	Cursor  string
}

// CreateOptionCommand creates an option in a zone. Enabled defaults to
// true.
type CreateOptionCommand struct {
	ZoneID   string `json:"zone_id" maxLength:"40"`
	Name     string `json:"name" maxLength:"200"`
	Currency string `json:"currency"`
	Rate     Rate   `json:"rate"`
	Enabled  *bool  `json:"enabled,omitempty" doc:"Default true"`
}

// UpdateOptionCommand changes the fields that are set (not the zone).
type UpdateOptionCommand struct {
	ID              string  `json:"-"`
	ExpectedVersion int64   `json:"version,omitempty"`
	Name            *string `json:"name,omitempty" maxLength:"200"`
	Currency        *string `json:"currency,omitempty"`
	Rate            *Rate   `json:"rate,omitempty"`
	Enabled         *bool   `json:"enabled,omitempty"`
}

// ListOptionsQuery lists options ordered by id.
type ListOptionsQuery struct {
	ZoneID string // only the options of this zone; "" all
	Limit  int
	Cursor string
}

// Page is one page of a cursor-paginated list.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// QuoteQuery asks which options can ship an order to a country, and at
// what price. Subtotal is the order's subtotal in Currency (a zero
// Subtotal with an empty currency means 0 in Currency).
type QuoteQuery struct {
	Country     string
	Currency    string
	Subtotal    money.Money
	WeightGrams int64
}

// Quote is an option offered for an order, with its price.
type Quote struct {
	OptionID string      `json:"option_id"`
	ZoneID   string      `json:"zone_id"`
	Name     string      `json:"name"`
	Kind     RateKind    `json:"kind"`
	Price    money.Money `json:"price"`
}

// Service is the shipping module. Every method returns errors of the errs
// kinds: Invalid (validation_failed with fields), NotFound (not_found),
// Conflict (version_conflict). Writes are atomic and
// emit their events in the same transaction.
type Service interface {
	CreateZone(ctx context.Context, cmd CreateZoneCommand) (Zone, error)
	GetZone(ctx context.Context, id string) (Zone, error)
	UpdateZone(ctx context.Context, cmd UpdateZoneCommand) (Zone, error)
	// DeleteZone deletes a zone and its options.
	DeleteZone(ctx context.Context, id string) error
	ListZones(ctx context.Context, q ListZonesQuery) (Page[Zone], error)

	// CreateOption creates an option; an unknown zone is NotFound.
	CreateOption(ctx context.Context, cmd CreateOptionCommand) (Option, error)
	GetOption(ctx context.Context, id string) (Option, error)
	UpdateOption(ctx context.Context, cmd UpdateOptionCommand) (Option, error)
	DeleteOption(ctx context.Context, id string) error
	ListOptions(ctx context.Context, q ListOptionsQuery) (Page[Option], error)

	// Quote returns the options offered for q, cheapest first (then by
	// name and id); none is an empty list, not an error. An unknown
	// country or currency, a subtotal in another currency, a negative
	// subtotal or weight is Invalid. It writes nothing.
	Quote(ctx context.Context, q QuoteQuery) ([]Quote, error)
}
