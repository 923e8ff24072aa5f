// Package tax is the contract of Agora's tax module.
//
// The tax module owns tax regions (a country, optionally narrowed to a
// subdivision such as US-NY and/or a postal-code prefix), the tax classes
// products belong to ("standard" always exists; the admin adds others such
// as "reduced" or "zero"), the rate of each class in each region, and the
// calculation of tax on amounts. It does not own prices (pricing does),
// which tax class a product has (the catalog or the caller says), or
// totals of a cart (cart adds them up from this module's answer).
//
// # Which rate applies
//
// Of the regions whose country is the address's country, whose subdivision
// (if set) is the address's subdivision and whose postal prefix (if set)
// starts the address's postal code, the most specific one wins: a longer
// postal prefix before a shorter one, a subdivision before none, so a
// subdivision region overrides its country's region. Within the winning
// region a line's class has its own rate when the region lists one, else
// the region's "standard" rate, else zero. When no region matches, every
// rate is zero: the tax is 0, not an error.
//
// # Rounding
//
// Rates are kept as integers in parts per million (19% = 190000) and tax is
// computed per line, in integer minor units, with banker's rounding (round
// half to even) through money.MulRatio:
//
//	exclusive amount A: tax = round(A × ppm / 1e6);         net = A;       gross = A + tax
//	inclusive amount A: net = round(A × 1e6 / (1e6 + ppm)); tax = A − net; gross = A
//
// so net + tax = gross holds exactly for every line and for the totals
// (the totals are sums of the rounded lines, never a rounding of a sum).
// An exclusive amount's gross, read back as inclusive, gives the same net
// and tax; an inclusive amount's net, read back as exclusive, gives a gross
// within one minor unit of the original. No floating point is used.
//
// Events emitted (through the module's outbox): tax.region_created,
// tax.region_updated, tax.region_deleted (data: the whole Region),
// tax.class_created, tax.class_deleted (data: the Class). It consumes no
// events.
package tax

import (
	"context"
	"time"

	"github.com/agoracommerce/agora/platform/money"
)

// Module is the module's name: its tables are prefixed "tax_", its events
// come from "agora/tax".
const Module = "tax"

// Event types.
const (
	EventRegionCreated = "tax.region_created"
	EventRegionUpdated = "tax.region_updated"
	EventRegionDeleted = "tax.region_deleted"
	EventClassCreated  = "tax.class_created"
	EventClassDeleted  = "tax.class_deleted"
)

// StandardClass is the tax class that always exists; a line without a class
// is of this class.
const StandardClass = "standard"

// Limits on what the module accepts.
const (
	MaxName         = 200
	MaxClassCode    = 40
	MaxClasses      = 100
	MaxRates        = 100 // per region
	MaxPostalPrefix = 16
	MaxPostalCode   = 32
	MaxRef          = 200
	MaxLines        = 1000
	MaxListLimit    = 100
	DefaultLimit    = 20
	// MaxRatePPM is 100%: no rate above it is accepted.
	MaxRatePPM = 1_000_000
	// PPM is the denominator of rates: one million parts.
	PPM = 1_000_000
)

// Region is a place with its own tax rates.
type Region struct {
	ID           string    `json:"id" doc:"Tax region id (txr_…)"`
	Name         string    `json:"name"`
	Country      string    `json:"country" doc:"ISO 3166-1 alpha-2 country code"`
	Subdivision  string    `json:"subdivision" doc:"ISO 3166-2 subdivision code (US-NY); empty: the whole country"`
	PostalPrefix string    `json:"postal_prefix" doc:"Postal codes starting with this prefix (upper case, no spaces); empty: all"`
	Rates        []Rate    `json:"rates" doc:"Rate per tax class, by class"`
	Version      int64     `json:"version" doc:"Incremented by every change"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Rate is the rate of one tax class in a region.
type Rate struct {
	TaxClass string `json:"tax_class"`
	Rate     string `json:"rate" doc:"Decimal percent, e.g. \"19\" or \"8.875\""`
	PPM      int64  `json:"ppm" doc:"The rate in parts per million (19% = 190000)"`
}

// RateInput is a rate as given on create or update.
type RateInput struct {
	TaxClass string `json:"tax_class" minLength:"1" maxLength:"40"`
	Rate     string `json:"rate" minLength:"1" maxLength:"12" doc:"Decimal percent from 0 to 100 with at most 4 decimals (\"19\", \"8.875\")"`
}

// Class is a tax class products belong to.
type Class struct {
	Code      string    `json:"code" doc:"Lower-case letters, digits, - and _"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateRegionCommand creates a region. Name defaults to the scope
// ("US-NY", "DE 27498").
type CreateRegionCommand struct {
	Name         string      `json:"name,omitempty" maxLength:"200"`
	Country      string      `json:"country"`
	Subdivision  string      `json:"subdivision,omitempty" doc:"ISO 3166-2 code of the country (US-NY) or its part after the hyphen (NY)"`
	PostalPrefix string      `json:"postal_prefix,omitempty" doc:"Letters and digits; spaces are removed and letters upper-cased"`
	Rates        []RateInput `json:"rates,omitempty" maxItems:"100"`
}

// UpdateRegionCommand changes the fields that are set; Rates, when set,
// replace the region's rates. ExpectedVersion, when non-zero, makes the
// update fail with Conflict version_conflict if the region changed since.
type UpdateRegionCommand struct {
	ID              string       `json:"-"`
	ExpectedVersion int64        `json:"version,omitempty" doc:"Fail with 409 if the region's version differs"`
	Name            *string      `json:"name,omitempty" maxLength:"200"`
	Country         *string      `json:"country,omitempty"`
	Subdivision     *string      `json:"subdivision,omitempty"`
	PostalPrefix    *string      `json:"postal_prefix,omitempty"`
	Rates           *[]RateInput `json:"rates,omitempty" maxItems:"100"`
}

// ListRegionsQuery lists regions ordered by id.
type ListRegionsQuery struct {
	Country string // only regions of this country; "" all
	Limit   int
	Cursor  string
}

// Page is one page of a cursor-paginated list.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// CreateClassCommand creates a tax class.
type CreateClassCommand struct {
	Code string `json:"code" minLength:"1" maxLength:"40"`
	Name string `json:"name,omitempty" maxLength:"200" doc:"Defaults to the code"`
}

// Line is an amount to tax.
type Line struct {
	Ref          string      `json:"ref,omitempty" maxLength:"200" doc:"The caller's reference, echoed back (a cart line id)"`
	TaxClass     string      `json:"tax_class,omitempty" maxLength:"40" doc:"Default standard"`
	Amount       money.Money `json:"amount" doc:"The line's amount (unit price × quantity, after discounts), not negative"`
	TaxInclusive bool        `json:"tax_inclusive,omitempty" doc:"Whether amount includes the tax"`
}

// CalculateQuery asks for the tax of lines (and shipping) delivered to an
// address. Every amount must be in Currency.
type CalculateQuery struct {
	Country     string `json:"country" doc:"ISO 3166-1 alpha-2 country code"`
	Subdivision string `json:"subdivision,omitempty" doc:"ISO 3166-2 code (US-NY) or its part after the hyphen (NY)"`
	PostalCode  string `json:"postal_code,omitempty" maxLength:"32"`
	Currency    string `json:"currency" doc:"ISO 4217 currency of every amount"`
	Lines       []Line `json:"lines,omitempty" maxItems:"1000"`
	Shipping    *Line  `json:"shipping,omitempty" doc:"The shipping charge, taxed like a line (default class standard)"`
}

// LineTax is the tax of one line.
type LineTax struct {
	Ref          string      `json:"ref"`
	TaxClass     string      `json:"tax_class"`
	RegionID     string      `json:"region_id" doc:"The region whose rate applied; empty when none matched"`
	Rate         string      `json:"rate" doc:"Decimal percent applied"`
	RatePPM      int64       `json:"rate_ppm" doc:"Rate applied, parts per million"`
	TaxInclusive bool        `json:"tax_inclusive"`
	Net          money.Money `json:"net" doc:"Amount without tax"`
	Tax          money.Money `json:"tax"`
	Gross        money.Money `json:"gross" doc:"Amount with tax; net + tax = gross exactly"`
}

// Totals are the sums of the lines and shipping; net + tax = gross.
type Totals struct {
	Net   money.Money `json:"net"`
	Tax   money.Money `json:"tax"`
	Gross money.Money `json:"gross"`
}

// Calculation is the answer to a CalculateQuery: one LineTax per line, in
// the order of the query, the shipping's, and the totals.
type Calculation struct {
	Currency string    `json:"currency"`
	Lines    []LineTax `json:"lines"`
	Shipping *LineTax  `json:"shipping,omitempty"`
	Totals   Totals    `json:"totals"`
}

// Service is the tax module. Every method returns errors of the errs kinds:
// Invalid (validation_failed with fields), NotFound (not_found), Conflict
// (region_exists, class_exists, class_in_use, class_builtin,
// version_conflict). Writes are atomic and emit their events in the same
// transaction.
type Service interface {
	// CreateRegion creates a region; another region of the same country,
	// subdivision and postal prefix is Conflict region_exists. A rate of a
	// class that does not exist is Invalid.
	CreateRegion(ctx context.Context, cmd CreateRegionCommand) (Region, error)
	GetRegion(ctx context.Context, id string) (Region, error)
	UpdateRegion(ctx context.Context, cmd UpdateRegionCommand) (Region, error)
	DeleteRegion(ctx context.Context, id string) error
	ListRegions(ctx context.Context, q ListRegionsQuery) (Page[Region], error)

	// CreateClass creates a tax class; a taken code (including standard)
	// is Conflict class_exists.
	CreateClass(ctx context.Context, cmd CreateClassCommand) (Class, error)
	// ListClasses lists every class, standard first, then by code.
	ListClasses(ctx context.Context) ([]Class, error)
	// DeleteClass deletes a class no region has a rate for (else Conflict
	// class_in_use); standard cannot be deleted (Conflict class_builtin).
	DeleteClass(ctx context.Context, code string) error

	// Calculate computes the tax of q's lines and shipping at q's address
	// (see the package documentation for the rates and the rounding). It
	// writes nothing. An unknown country or currency, an amount in another
	// currency or a negative amount is Invalid.
	Calculate(ctx context.Context, q CalculateQuery) (Calculation, error)
}
