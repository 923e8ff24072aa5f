package audit

import (
	"context"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/httpx"
)

type listIn struct {
	Actor        string `query:"actor" maxLength:"60" doc:"Only changes made with this API key id (owner for AGORA_ADMIN_KEY)"`
	Resource     string `query:"resource" maxLength:"200" doc:"Only changes of the resource with this id"`
	ResourceType string `query:"resource_type" maxLength:"100" doc:"Only changes of this resource type, e.g. products or tax/regions"`
	Limit        int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Cursor       string `query:"cursor" maxLength:"200"`
}

type pageOut struct{ Body Page }

type idIn struct {
	ID string `path:"id" maxLength:"60"`
}

type entryOut struct{ Body Entry }

// Register adds the read-only audit log operations to api; there is no
// operation that changes or deletes an entry.
func Register(api huma.API, l *Log) {
	const tag = "Audit log (admin)"
	api.OpenAPI().Tags = append(api.OpenAPI().Tags, &huma.Tag{Name: tag,
		Description: "Every admin change that succeeded: who, what, when, from where, before and after. Append-only; readable by the owner role only."})
	errors := []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}
	huma.Register(api, auth.Require(auth.AuditRead, huma.Operation{
		OperationID: "listAuditLog", Method: http.MethodGet, Path: "/admin/audit-log", Tags: []string{tag},
		Summary:     "List audit log entries, newest first",
		Description: "Lists recorded admin changes newest first, optionally only those of one API key (actor), one resource id or one resource type, with cursor pagination.",
		Errors:      errors, Security: httpx.AdminSecurity,
	}), func(ctx context.Context, in *listIn) (*pageOut, error) {
		page, err := l.List(ctx, Query{Actor: in.Actor, ResourceID: in.Resource, ResourceType: in.ResourceType, Limit: in.Limit, Cursor: in.Cursor})
		if err != nil {
			return nil, err
		}
		return &pageOut{Body: page}, nil
	})
	huma.Register(api, auth.Require(auth.AuditRead, huma.Operation{
		OperationID: "getAuditLogEntry", Method: http.MethodGet, Path: "/admin/audit-log/{id}", Tags: []string{tag},
		Summary: "Read an audit log entry", Description: "Reads one recorded admin change.",
		Errors: errors, Security: httpx.AdminSecurity,
	}), func(ctx context.Context, in *idIn) (*entryOut, error) {
		e, err := l.Get(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &entryOut{Body: e}, nil
	})
	nullableDocuments(api)
}

// nullableDocuments documents before and after as an object or null: huma
// cannot mark a field of type any nullable.
func nullableDocuments(api huma.API) {
	s := api.OpenAPI().Components.Schemas.Map()[httpx.SchemaName(reflect.TypeFor[Entry](), "")]
	if s == nil {
		return
	}
	for _, name := range []string{"before", "after"} {
		if p := s.Properties[name]; p != nil {
			s.Properties[name] = &huma.Schema{Description: p.Description, AnyOf: []*huma.Schema{{Type: "object"}, {Type: "null"}}}
		}
	}
}
