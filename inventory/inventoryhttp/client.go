package inventoryhttp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
)

// Client is an inventory.Service over HTTP (it needs an admin key with
// inventory rights in the client's headers). Errors come back with the
// kinds and codes the server sent.
type Client struct {
	c *httpx.Client
}

// NewClient returns a client of the inventory served at c.BaseURL.
func NewClient(c *httpx.Client) *Client { return &Client{c: c} }

func segment(s string) (string, error) {
	if s == "" {
		return "", errs.E(errs.NotFound, "not_found", "not found")
	}
	return url.PathEscape(s), nil
}

// CreateLocation implements inventory.Service.
func (c *Client) CreateLocation(ctx context.Context, cmd inventory.CreateLocationCommand) (inventory.Location, error) {
	var l inventory.Location
	err := c.c.Do(ctx, http.MethodPost, "/admin/inventory/locations", cmd, &l)
	return l, err
}

// ListLocations implements inventory.Service.
func (c *Client) ListLocations(ctx context.Context) ([]inventory.Location, error) {
	var out struct {
		Data []inventory.Location `json:"data"`
	}
	err := c.c.Do(ctx, http.MethodGet, "/admin/inventory/locations", nil, &out)
	return out.Data, err
}

// UpdateItem implements inventory.Service.
func (c *Client) UpdateItem(ctx context.Context, cmd inventory.UpdateItemCommand) (inventory.Item, error) {
	var it inventory.Item
	seg, err := segment(cmd.SKU)
	if err != nil {
		return it, errs.Validation(errs.Field("sku", "is required"))
	}
	body := map[string]*bool{}
	if cmd.TrackInventory != nil {
		body["track_inventory"] = cmd.TrackInventory
	}
	if cmd.AllowBackorder != nil {
		body["allow_backorder"] = cmd.AllowBackorder
	}
	err = c.c.Do(ctx, http.MethodPatch, "/admin/inventory/"+seg, body, &it)
	return it, err
}

// Availability implements inventory.Service: over HTTP it is GetStock,
// read from the database of the serving process.
func (c *Client) Availability(ctx context.Context, sku string) (inventory.Stock, error) {
	return c.GetStock(ctx, sku)
}

// GetStock implements inventory.Service.
func (c *Client) GetStock(ctx context.Context, sku string) (inventory.Stock, error) {
	var st inventory.Stock
	seg, err := segment(sku)
	if err != nil {
		return st, err
	}
	err = c.c.Do(ctx, http.MethodGet, "/admin/inventory/"+seg, nil, &st)
	return st, err
}

type setLevelBody struct {
	OnHand     int64  `json:"on_hand"`
	LocationID string `json:"location_id,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Reference  string `json:"reference,omitempty"`
}

// SetLevel implements inventory.Service.
func (c *Client) SetLevel(ctx context.Context, cmd inventory.SetLevelCommand) (inventory.Level, error) {
	var l inventory.Level
	seg, err := segment(cmd.SKU)
	if err != nil {
		return l, errs.Validation(errs.Field("sku", "is required"))
	}
	err = c.c.Do(ctx, http.MethodPut, "/admin/inventory/"+seg, setLevelBody{cmd.OnHand, cmd.LocationID, cmd.Reason, cmd.Reference}, &l)
	return l, err
}

type adjustBody struct {
	Delta      int64  `json:"delta"`
	Reason     string `json:"reason"`
	LocationID string `json:"location_id,omitempty"`
	Reference  string `json:"reference,omitempty"`
}

// Adjust implements inventory.Service.
func (c *Client) Adjust(ctx context.Context, cmd inventory.AdjustCommand) (inventory.Level, error) {
	var l inventory.Level
	seg, err := segment(cmd.SKU)
	if err != nil {
		return l, errs.Validation(errs.Field("sku", "is required"))
	}
	err = c.c.Do(ctx, http.MethodPost, "/admin/inventory/"+seg+"/adjustments", adjustBody{cmd.Delta, cmd.Reason, cmd.LocationID, cmd.Reference}, &l)
	return l, err
}

// Reserve implements inventory.Service.
func (c *Client) Reserve(ctx context.Context, cmd inventory.ReserveCommand) (inventory.Reservation, error) {
	var r inventory.Reservation
	err := c.c.Do(ctx, http.MethodPost, "/admin/inventory/reservations", cmd, &r)
	return r, err
}

func (c *Client) resPost(ctx context.Context, id, action string, body any) (inventory.Reservation, error) {
	var r inventory.Reservation
	seg, err := segment(id)
	if err != nil {
		return r, errs.E(errs.NotFound, "not_found", "reservation not found")
	}
	err = c.c.Do(ctx, http.MethodPost, "/admin/inventory/reservations/"+seg+"/"+action, body, &r)
	return r, err
}

// Commit implements inventory.Service.
func (c *Client) Commit(ctx context.Context, cmd inventory.CommitCommand) (inventory.Reservation, error) {
	return c.resPost(ctx, cmd.ReservationID, "commit", map[string]string{"order_id": cmd.OrderID})
}

// Release implements inventory.Service.
func (c *Client) Release(ctx context.Context, cmd inventory.ReleaseCommand) (inventory.Reservation, error) {
	return c.resPost(ctx, cmd.ReservationID, "release", nil)
}

// GetReservation implements inventory.Service.
func (c *Client) GetReservation(ctx context.Context, id string) (inventory.Reservation, error) {
	var r inventory.Reservation
	seg, err := segment(id)
	if err != nil {
		return r, errs.E(errs.NotFound, "not_found", "reservation not found")
	}
	err = c.c.Do(ctx, http.MethodGet, "/admin/inventory/reservations/"+seg, nil, &r)
	return r, err
}

// ExpireReservations implements inventory.Service.
func (c *Client) ExpireReservations(ctx context.Context, cmd inventory.ExpireCommand) (inventory.ExpireResult, error) {
	var res inventory.ExpireResult
	err := c.c.Do(ctx, http.MethodPost, "/admin/inventory/reservations/expire", cmd, &res)
	return res, err
}

// Ledger implements inventory.Service.
func (c *Client) Ledger(ctx context.Context, q inventory.LedgerQuery) (inventory.Page[inventory.LedgerEntry], error) {
	var page inventory.Page[inventory.LedgerEntry]
	seg, err := segment(q.SKU)
	if err != nil {
		return page, errs.Validation(errs.Field("sku", "is required"))
	}
	v := url.Values{}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(min(q.Limit, inventory.MaxListLimit)))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	path := "/admin/inventory/ledger/" + seg
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	err = c.c.Do(ctx, http.MethodGet, path, nil, &page)
	return page, err
}

// Reconcile implements inventory.Service.
func (c *Client) Reconcile(ctx context.Context) (inventory.ReconcileReport, error) {
	var rep inventory.ReconcileReport
	err := c.c.Do(ctx, http.MethodGet, "/admin/inventory/reconcile", nil, &rep)
	return rep, err
}

var _ inventory.Service = (*Client)(nil)
