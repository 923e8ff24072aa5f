// Package shippinghttp serves shipping.Service over HTTP (Register) and is
// a shipping.Service over HTTP (Client). Handlers only decode, call the
// service and encode.
package shippinghttp

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/shipping"
)

const (
	adminTag = "Shipping (admin)"
	storeTag = "Shipping (store)"
)

var (
	adminErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}
	storeErrors = []int{http.StatusBadRequest}
)

func admin(p auth.Permission, id, method, path, summary, description string, status int) huma.Operation {
	return auth.Require(p, huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{adminTag},
		DefaultStatus: status, Errors: adminErrors, Security: httpx.AdminSecurity,
	})
}

type idPath struct {
	ID string `path:"id" maxLength:"40"`
}

type zoneOut struct{ Body shipping.Zone }
type createZoneIn struct{ Body shipping.CreateZoneCommand }
type updateZoneIn struct {
	ID   string `path:"id" maxLength:"40"`
	Body shipping.UpdateZoneCommand
}
type listZonesIn struct {
	Country string `query:"country" maxLength:"2" doc:"Only zones containing this ISO 3166-1 alpha-2 country"`
	Limit   int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor  string `query:"cursor" maxLength:"200"`
}
type zonePageOut struct{ Body shipping.Page[shipping.Zone] }

type optionOut struct{ Body shipping.Option }
type createOptionIn struct{ Body shipping.CreateOptionCommand }
type updateOptionIn struct {
	ID   string `path:"id" maxLength:"40"`
	Body shipping.UpdateOptionCommand
}
type listOptionsIn struct {
	ZoneID string `query:"zone_id" maxLength:"40" doc:"Only the options of this zone"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor string `query:"cursor" maxLength:"200"`
}
type optionPageOut struct {
	Body shipping.Page[shipping.Option]
}

type quoteIn struct {
	Country          string `query:"country" maxLength:"8" doc:"ISO 3166-1 alpha-2 country of the shipping address"`
	Currency         string `query:"currency" maxLength:"8" doc:"ISO 4217 currency of the cart"`
	Subtotal         int64  `query:"subtotal" doc:"The cart's subtotal in minor units of currency (for free-over-threshold rates)"`
	SubtotalCurrency string `query:"subtotal_currency" maxLength:"8" doc:"Currency of subtotal; defaults to currency"`
	WeightGrams      int64  `query:"weight_grams" doc:"Total weight in grams (for weight-based rates)"`
}

type quoteOut struct {
	CacheControl string `header:"Cache-Control"`
	Body         struct {
		Data []shipping.Quote `json:"data"`
	}
}

// Register adds the shipping module's admin and store operations to api.
func Register(api huma.API, svc shipping.Service) {
	doc := api.OpenAPI()
	doc.Tags = append(doc.Tags,
		&huma.Tag{Name: adminTag, Description: "Shipping zones and their options with flat, weight-based and free-over-threshold rates, for staff and integrations (secret API key)."},
		&huma.Tag{Name: storeTag, Description: "The shipping options a shopper can choose, with their prices (no key needed)."})

	huma.Register(api, admin(ShippingWrite, "createShippingZone", http.MethodPost, "/admin/shipping/zones", "Create a shipping zone",
		"Creates a named set of countries (ISO 3166-1 alpha-2). Emits shipping.zone_created.", http.StatusCreated),
		func(ctx context.Context, in *createZoneIn) (*zoneOut, error) {
			z, err := svc.CreateZone(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &zoneOut{Body: z}, nil
		})
	huma.Register(api, admin(ShippingRead, "listShippingZones", http.MethodGet, "/admin/shipping/zones", "List shipping zones",
		"Lists shipping zones by id, optionally those containing a country, with cursor pagination.", http.StatusOK),
		func(ctx context.Context, in *listZonesIn) (*zonePageOut, error) {
			p, err := svc.ListZones(ctx, shipping.ListZonesQuery{Country: in.Country, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &zonePageOut{Body: p}, nil
		})
	huma.Register(api, admin(ShippingRead, "getShippingZone", http.MethodGet, "/admin/shipping/zones/{id}", "Read a shipping zone",
		"Reads a shipping zone.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*zoneOut, error) {
			z, err := svc.GetZone(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &zoneOut{Body: z}, nil
		})
	huma.Register(api, admin(ShippingWrite, "updateShippingZone", http.MethodPatch, "/admin/shipping/zones/{id}", "Change a shipping zone",
		"Changes the fields that are present; countries replaces the list. With version, a zone changed since is 409 version_conflict. Emits shipping.zone_updated.", http.StatusOK),
		func(ctx context.Context, in *updateZoneIn) (*zoneOut, error) {
			in.Body.ID = in.ID
			z, err := svc.UpdateZone(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &zoneOut{Body: z}, nil
		})
	huma.Register(api, admin(ShippingWrite, "deleteShippingZone", http.MethodDelete, "/admin/shipping/zones/{id}", "Delete a shipping zone and its options",
		"Deletes a shipping zone and every option in it. Emits shipping.option_deleted for each option, then shipping.zone_deleted.", http.StatusNoContent),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			return nil, svc.DeleteZone(ctx, in.ID)
		})

	huma.Register(api, admin(ShippingWrite, "createShippingOption", http.MethodPost, "/admin/shipping/options", "Create a shipping option",
		"Creates an option in a zone with a rate in one currency: flat (amount), weight (brackets of up_to_grams and amount; not offered above the last) or free_over (amount below threshold, free at or above). An unknown zone is 404. Emits shipping.option_created.", http.StatusCreated),
		func(ctx context.Context, in *createOptionIn) (*optionOut, error) {
			o, err := svc.CreateOption(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &optionOut{Body: o}, nil
		})
	huma.Register(api, admin(ShippingRead, "listShippingOptions", http.MethodGet, "/admin/shipping/options", "List shipping options",
		"Lists shipping options by id, optionally of one zone, with cursor pagination; disabled ones included.", http.StatusOK),
		func(ctx context.Context, in *listOptionsIn) (*optionPageOut, error) {
			p, err := svc.ListOptions(ctx, shipping.ListOptionsQuery{ZoneID: in.ZoneID, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &optionPageOut{Body: p}, nil
		})
	huma.Register(api, admin(ShippingRead, "getShippingOption", http.MethodGet, "/admin/shipping/options/{id}", "Read a shipping option",
		"Reads a shipping option with its rate.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*optionOut, error) {
			o, err := svc.GetOption(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &optionOut{Body: o}, nil
		})
	huma.Register(api, admin(ShippingWrite, "updateShippingOption", http.MethodPatch, "/admin/shipping/options/{id}", "Change, enable or disable a shipping option",
		"Changes the fields that are present (rate replaces the rate; enabled=false stops quoting it). With version, an option changed since is 409 version_conflict. Emits shipping.option_updated.", http.StatusOK),
		func(ctx context.Context, in *updateOptionIn) (*optionOut, error) {
			in.Body.ID = in.ID
			o, err := svc.UpdateOption(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &optionOut{Body: o}, nil
		})
	huma.Register(api, admin(ShippingWrite, "deleteShippingOption", http.MethodDelete, "/admin/shipping/options/{id}", "Delete a shipping option",
		"Deletes a shipping option. Emits shipping.option_deleted.", http.StatusNoContent),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			return nil, svc.DeleteOption(ctx, in.ID)
		})

	huma.Register(api, huma.Operation{
		OperationID: "storeShippingOptions", Method: http.MethodGet, Path: "/store/shipping-options", Tags: []string{storeTag}, Errors: storeErrors,
		Summary:     "Shipping options for an order",
		Description: "The enabled options of every zone containing country, priced in currency for an order of subtotal and weight_grams, cheapest first. Options in another currency, and weight-based ones the order is too heavy for, are left out; none is an empty list. An unknown country or currency, a negative weight or subtotal, or a subtotal in another currency is 400.",
	}, func(ctx context.Context, in *quoteIn) (*quoteOut, error) {
		cur := in.SubtotalCurrency
		if cur == "" {
			cur = in.Currency
		}
		qs, err := svc.Quote(ctx, shipping.QuoteQuery{Country: in.Country, Currency: in.Currency,
			Subtotal: money.Money{Amount: in.Subtotal, Currency: cur}, WeightGrams: in.WeightGrams})
		if err != nil {
			return nil, err
		}
		out := &quoteOut{CacheControl: "private, no-store"}
		out.Body.Data = qs
		return out, nil
	})
}
