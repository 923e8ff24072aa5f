// Package taxhttp serves tax.Service over HTTP (Register) and is a
// tax.Service over HTTP (Client). Handlers only decode, call the service
// and encode.
package taxhttp

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/tax"
)

const adminTag = "Tax (admin)"

var adminErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}

func admin(p auth.Permission, id, method, path, summary, description string, status int) huma.Operation {
	return auth.Require(p, huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{adminTag},
		DefaultStatus: status, Errors: adminErrors, Security: httpx.AdminSecurity,
	})
}

type idPath struct {
	ID string `path:"id" maxLength:"40" doc:"Tax region id (txr_…)"`
}

type regionOut struct{ Body tax.Region }

type createRegionIn struct{ Body tax.CreateRegionCommand }

type updateRegionIn struct {
	ID   string `path:"id" maxLength:"40" doc:"Tax region id (txr_…)"`
	Body tax.UpdateRegionCommand
}

type listRegionsIn struct {
	Country string `query:"country" maxLength:"2" doc:"Only regions of this ISO 3166-1 alpha-2 country"`
	Limit   int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor  string `query:"cursor" maxLength:"200"`
}

type regionPageOut struct{ Body tax.Page[tax.Region] }

type classOut struct{ Body tax.Class }

type createClassIn struct{ Body tax.CreateClassCommand }

type classPath struct {
	Code string `path:"code" maxLength:"40" doc:"Tax class code"`
}

type classesOut struct {
	Body struct {
		Data []tax.Class `json:"data"`
	}
}

type calculateIn struct{ Body tax.CalculateQuery }

type calculateOut struct{ Body tax.Calculation }

// Register adds the tax module's admin operations to api.
func Register(api huma.API, svc tax.Service) {
	doc := api.OpenAPI()
	doc.Tags = append(doc.Tags, &huma.Tag{Name: adminTag, Description: "Tax regions, their rates per tax class, tax classes and a calculation preview, for staff and integrations (secret API key)."})

	huma.Register(api, admin(TaxWrite, "createTaxRegion", http.MethodPost, "/admin/tax/regions", "Create a tax region",
		"Creates a tax region: a country, optionally narrowed to a subdivision (US-NY) and a postal-code prefix, with a rate per tax class as a decimal percent (\"19\", \"8.875\"). Another region of the same scope is 409 region_exists; a rate of an unknown class is 400. Emits tax.region_created.", http.StatusCreated),
		func(ctx context.Context, in *createRegionIn) (*regionOut, error) {
			r, err := svc.CreateRegion(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &regionOut{Body: r}, nil
		})
	huma.Register(api, admin(TaxRead, "listTaxRegions", http.MethodGet, "/admin/tax/regions", "List tax regions",
		"Lists tax regions by id, optionally of one country, with cursor pagination.", http.StatusOK),
		func(ctx context.Context, in *listRegionsIn) (*regionPageOut, error) {
			p, err := svc.ListRegions(ctx, tax.ListRegionsQuery{Country: in.Country, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &regionPageOut{Body: p}, nil
		})
	huma.Register(api, admin(TaxRead, "getTaxRegion", http.MethodGet, "/admin/tax/regions/{id}", "Read a tax region",
		"Reads a tax region with its rates.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*regionOut, error) {
			r, err := svc.GetRegion(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &regionOut{Body: r}, nil
		})
	huma.Register(api, admin(TaxWrite, "updateTaxRegion", http.MethodPatch, "/admin/tax/regions/{id}", "Change a tax region or its rates",
		"Changes the fields that are present; rates, when present, replace the region's rates. With version, a region changed since is 409 version_conflict. Emits tax.region_updated.", http.StatusOK),
		func(ctx context.Context, in *updateRegionIn) (*regionOut, error) {
			in.Body.ID = in.ID
			r, err := svc.UpdateRegion(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &regionOut{Body: r}, nil
		})
	huma.Register(api, admin(TaxWrite, "deleteTaxRegion", http.MethodDelete, "/admin/tax/regions/{id}", "Delete a tax region",
		"Deletes a tax region and its rates. Emits tax.region_deleted.", http.StatusNoContent),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			return nil, svc.DeleteRegion(ctx, in.ID)
		})

	huma.Register(api, admin(TaxRead, "listTaxClasses", http.MethodGet, "/admin/tax/classes", "List tax classes",
		"Lists the tax classes: standard (always there) first, then the others by code.", http.StatusOK),
		func(ctx context.Context, _ *struct{}) (*classesOut, error) {
			cs, err := svc.ListClasses(ctx)
			if err != nil {
				return nil, err
			}
			out := &classesOut{}
			out.Body.Data = cs
			return out, nil
		})
	huma.Register(api, admin(TaxWrite, "createTaxClass", http.MethodPost, "/admin/tax/classes", "Create a tax class",
		"Creates a tax class (such as reduced or zero) that regions can give a rate. A taken code is 409 class_exists. Emits tax.class_created.", http.StatusCreated),
		func(ctx context.Context, in *createClassIn) (*classOut, error) {
			c, err := svc.CreateClass(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &classOut{Body: c}, nil
		})
	huma.Register(api, admin(TaxWrite, "deleteTaxClass", http.MethodDelete, "/admin/tax/classes/{code}", "Delete a tax class",
		"Deletes a tax class that no region has a rate for (else 409 class_in_use); standard cannot be deleted (409 class_builtin). Emits tax.class_deleted.", http.StatusNoContent),
		func(ctx context.Context, in *classPath) (*struct{}, error) {
			return nil, svc.DeleteClass(ctx, in.Code)
		})

	huma.Register(api, admin(TaxRead, "calculateTax", http.MethodPost, "/admin/tax/calculate", "Preview a tax calculation",
		"Computes the tax of lines and shipping delivered to an address, as the cart does: the most specific matching region's rate per tax class (zero when none matches), banker's rounding per line, net + tax = gross exactly. Writes nothing.", http.StatusOK),
		func(ctx context.Context, in *calculateIn) (*calculateOut, error) {
			c, err := svc.Calculate(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &calculateOut{Body: c}, nil
		})
}
