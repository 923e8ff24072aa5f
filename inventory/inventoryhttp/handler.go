// Package inventoryhttp serves inventory.Service over HTTP (Register) and
// is an inventory.Service over HTTP (Client). Handlers only decode, call
// the service and encode; the routes and their schemas are inventory's
// part of the OpenAPI document.
package inventoryhttp

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/httpx"
)

// Tag of inventory's operations.
const tag = "Inventory (admin)"

var adminErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}

func admin(p auth.Permission, id, method, path, summary, description string, status int) huma.Operation {
	return auth.Require(p, huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{tag},
		DefaultStatus: status, Errors: adminErrors, Security: httpx.AdminSecurity,
	})
}

type skuPath struct {
	SKU string `path:"sku" minLength:"1" maxLength:"100" doc:"Stock keeping unit"`
}

type stockOut struct{ Body inventory.Stock }

type levelOut struct{ Body inventory.Level }

type itemOut struct{ Body inventory.Item }

type setLevelIn struct {
	SKU  string `path:"sku" minLength:"1" maxLength:"100" doc:"Stock keeping unit"`
	Body struct {
		OnHand     int64  `json:"on_hand" minimum:"0" maximum:"1000000000" doc:"Units in stock at the location"`
		LocationID string `json:"location_id,omitempty" maxLength:"40" doc:"Location (loc_…); the default location when absent"`
		Reason     string `json:"reason,omitempty" maxLength:"200" doc:"Why, for the ledger (default: set)"`
		Reference  string `json:"reference,omitempty" maxLength:"200" doc:"e.g. a stock count or purchase order"`
	}
}

type adjustIn struct {
	SKU  string `path:"sku" minLength:"1" maxLength:"100" doc:"Stock keeping unit"`
	Body struct {
		Delta      int64  `json:"delta" minimum:"-1000000000" maximum:"1000000000" doc:"Units to add (negative: remove)"`
		Reason     string `json:"reason" minLength:"1" maxLength:"200" doc:"Why, for the ledger"`
		LocationID string `json:"location_id,omitempty" maxLength:"40" doc:"Location (loc_…); the default location when absent"`
		Reference  string `json:"reference,omitempty" maxLength:"200"`
	}
}

type itemIn struct {
	SKU  string `path:"sku" minLength:"1" maxLength:"100" doc:"Stock keeping unit"`
	Body struct {
		TrackInventory *bool `json:"track_inventory,omitempty" doc:"false: do not track (always available)"`
		AllowBackorder *bool `json:"allow_backorder,omitempty" doc:"Allow reservations beyond the stock"`
	}
}

type ledgerIn struct {
	SKU    string `path:"sku" minLength:"1" maxLength:"100" doc:"Stock keeping unit"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor string `query:"cursor" maxLength:"40"`
}

type ledgerOut struct {
	Body inventory.Page[inventory.LedgerEntry]
}

type locationsOut struct {
	Body struct {
		Data []inventory.Location `json:"data"`
	}
}

type createLocationIn struct {
	Body inventory.CreateLocationCommand
}

type locationOut struct{ Body inventory.Location }

type reserveIn struct{ Body inventory.ReserveCommand }

type reservationOut struct{ Body inventory.Reservation }

type resPath struct {
	ID string `path:"id" maxLength:"40" doc:"Reservation id (res_…)"`
}

type commitIn struct {
	ID   string `path:"id" maxLength:"40" doc:"Reservation id (res_…)"`
	Body *struct {
		OrderID string `json:"order_id,omitempty" maxLength:"200" doc:"The order the units were sold to"`
	}
}

type expireIn struct {
	Body *inventory.ExpireCommand
}

type expireOut struct{ Body inventory.ExpireResult }

type reconcileOut struct{ Body inventory.ReconcileReport }

// Register adds inventory's admin operations to api.
func Register(api huma.API, svc inventory.Service) {
	api.OpenAPI().Tags = append(api.OpenAPI().Tags, &huma.Tag{Name: tag,
		Description: "Stock locations, stock levels per SKU and location, reservations, the stock ledger and its reconciliation, for staff and integrations (secret API key)."})

	huma.Register(api, admin(InventoryRead, "listInventoryLocations", http.MethodGet, "/admin/inventory/locations", "List stock locations",
		"Lists the stock locations in allocation order (priority, then the default location). A default location always exists.", http.StatusOK),
		func(ctx context.Context, _ *struct{}) (*locationsOut, error) {
			locs, err := svc.ListLocations(ctx)
			if err != nil {
				return nil, err
			}
			out := &locationsOut{}
			out.Body.Data = locs
			if out.Body.Data == nil {
				out.Body.Data = []inventory.Location{}
			}
			return out, nil
		})
	huma.Register(api, admin(InventoryWrite, "createInventoryLocation", http.MethodPost, "/admin/inventory/locations", "Create a stock location",
		"Creates a stock location; reservations are allocated to locations by priority (lower first).", http.StatusCreated),
		func(ctx context.Context, in *createLocationIn) (*locationOut, error) {
			l, err := svc.CreateLocation(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &locationOut{Body: l}, nil
		})
	huma.Register(api, admin(InventoryRead, "reconcileInventory", http.MethodGet, "/admin/inventory/reconcile", "Reconcile every level with the ledger",
		"Recomputes every stock level from the append-only ledger and reports the levels that differ, and any level that breaks the invariant (reserved above on_hand for a tracked SKU without backorder, or reserved units that active reservations do not account for). ok is true when there is nothing to report.", http.StatusOK),
		func(ctx context.Context, _ *struct{}) (*reconcileOut, error) {
			rep, err := svc.Reconcile(ctx)
			if err != nil {
				return nil, err
			}
			return &reconcileOut{Body: rep}, nil
		})
	huma.Register(api, admin(InventoryRead, "getInventory", http.MethodGet, "/admin/inventory/{sku}", "Read a SKU's stock",
		"Reads a SKU's settings, its levels per location and their totals. available is on_hand − reserved. An unknown SKU is 404.", http.StatusOK),
		func(ctx context.Context, in *skuPath) (*stockOut, error) {
			st, err := svc.GetStock(ctx, in.SKU)
			if err != nil {
				return nil, err
			}
			return &stockOut{Body: st}, nil
		})
	huma.Register(api, admin(InventoryWrite, "setInventoryLevel", http.MethodPut, "/admin/inventory/{sku}", "Set a SKU's on-hand units at a location",
		"Sets on_hand at the location (the default one when location_id is absent), creating the SKU's item (tracked, no backorder) and level if needed, and writes the difference to the ledger. Below the reserved units of a tracked SKU is 409 below_reserved. Emits inventory.level_changed.", http.StatusOK),
		func(ctx context.Context, in *setLevelIn) (*levelOut, error) {
			l, err := svc.SetLevel(ctx, inventory.SetLevelCommand{SKU: in.SKU, LocationID: in.Body.LocationID, OnHand: in.Body.OnHand, Reason: in.Body.Reason, Reference: in.Body.Reference})
			if err != nil {
				return nil, err
			}
			return &levelOut{Body: l}, nil
		})
	huma.Register(api, admin(InventoryWrite, "updateInventoryItem", http.MethodPatch, "/admin/inventory/{sku}", "Change a SKU's inventory settings",
		"Sets whether the SKU's stock is tracked and whether it may be backordered, creating its item if needed (tracked, no backorder by default).", http.StatusOK),
		func(ctx context.Context, in *itemIn) (*itemOut, error) {
			it, err := svc.UpdateItem(ctx, inventory.UpdateItemCommand{SKU: in.SKU, TrackInventory: in.Body.TrackInventory, AllowBackorder: in.Body.AllowBackorder})
			if err != nil {
				return nil, err
			}
			return &itemOut{Body: it}, nil
		})
	huma.Register(api, admin(InventoryWrite, "adjustInventory", http.MethodPost, "/admin/inventory/{sku}/adjustments", "Add or remove on-hand units",
		"Adds delta (negative to remove) to on_hand at the location, with a reason for the ledger. The SKU must exist (404). Below zero is 409 negative_on_hand; below the reserved units of a tracked SKU 409 below_reserved.", http.StatusOK),
		func(ctx context.Context, in *adjustIn) (*levelOut, error) {
			l, err := svc.Adjust(ctx, inventory.AdjustCommand{SKU: in.SKU, LocationID: in.Body.LocationID, Delta: in.Body.Delta, Reason: in.Body.Reason, Reference: in.Body.Reference})
			if err != nil {
				return nil, err
			}
			return &levelOut{Body: l}, nil
		})
	huma.Register(api, admin(InventoryRead, "listInventoryLedger", http.MethodGet, "/admin/inventory/ledger/{sku}", "List a SKU's stock ledger",
		"Lists the SKU's ledger rows, oldest first, with cursor pagination: every change of each level with its deltas, reason and reference.", http.StatusOK),
		func(ctx context.Context, in *ledgerIn) (*ledgerOut, error) {
			page, err := svc.Ledger(ctx, inventory.LedgerQuery{SKU: in.SKU, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &ledgerOut{Body: page}, nil
		})
	huma.Register(api, admin(InventoryWrite, "createInventoryReservation", http.MethodPost, "/admin/inventory/reservations", "Reserve stock",
		"Reserves every line or nothing: when a line cannot be held the answer is 409 out_of_stock and its errors name the lines. A reference makes retries safe: a reservation with the same reference is returned again (409 reference_conflict when its lines differ). Unknown SKUs are 404. Emits inventory.reserved.", http.StatusCreated),
		func(ctx context.Context, in *reserveIn) (*reservationOut, error) {
			r, err := svc.Reserve(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &reservationOut{Body: r}, nil
		})
	huma.Register(api, admin(InventoryWrite, "expireInventoryReservations", http.MethodPost, "/admin/inventory/reservations/expire", "Expire due reservations now",
		"Expires the active reservations past their expiry, as the background sweeper does. Emits inventory.expired for each.", http.StatusOK),
		func(ctx context.Context, in *expireIn) (*expireOut, error) {
			var cmd inventory.ExpireCommand
			if in.Body != nil {
				cmd = *in.Body
			}
			res, err := svc.ExpireReservations(ctx, cmd)
			if err != nil {
				return nil, err
			}
			return &expireOut{Body: res}, nil
		})
	huma.Register(api, admin(InventoryRead, "getInventoryReservation", http.MethodGet, "/admin/inventory/reservations/{id}", "Read a reservation",
		"Reads a reservation with its lines, allocations and state.", http.StatusOK),
		func(ctx context.Context, in *resPath) (*reservationOut, error) {
			r, err := svc.GetReservation(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &reservationOut{Body: r}, nil
		})
	huma.Register(api, admin(InventoryWrite, "commitInventoryReservation", http.MethodPost, "/admin/inventory/reservations/{id}/commit", "Commit a reservation",
		"Turns an active reservation into sold units (on_hand and reserved decrease, committed increases). Committing again returns it unchanged; a released or expired one is 409 reservation_released or reservation_expired. Emits inventory.committed.", http.StatusOK),
		func(ctx context.Context, in *commitIn) (*reservationOut, error) {
			cmd := inventory.CommitCommand{ReservationID: in.ID}
			if in.Body != nil {
				cmd.OrderID = in.Body.OrderID
			}
			r, err := svc.Commit(ctx, cmd)
			if err != nil {
				return nil, err
			}
			return &reservationOut{Body: r}, nil
		})
	huma.Register(api, admin(InventoryWrite, "releaseInventoryReservation", http.MethodPost, "/admin/inventory/reservations/{id}/release", "Release a reservation",
		"Gives an active reservation's units back. Releasing a released or expired reservation returns it unchanged; a committed one is 409 reservation_committed. Emits inventory.released.", http.StatusOK),
		func(ctx context.Context, in *resPath) (*reservationOut, error) {
			r, err := svc.Release(ctx, inventory.ReleaseCommand{ReservationID: in.ID})
			if err != nil {
				return nil, err
			}
			return &reservationOut{Body: r}, nil
		})
}
