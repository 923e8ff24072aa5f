package httpx

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// DefaultMaxBody is the body limit of every operation (API.md: 1 MiB).
const DefaultMaxBody = 1 << 20

// NewAPI returns the huma API every module registers its operations on,
// mounted on mux. The OpenAPI 3.1 document is derived from the registered
// operations; Spec returns it once registration is over. Unknown JSON
// fields are rejected, validation errors are 400 validation_failed, bodies
// over maxBody are 413.
func NewAPI(mux *http.ServeMux, title, version, description string) huma.API {
	installErrors()
	cfg := huma.DefaultConfig(title, version)
	cfg.Components.Schemas = huma.NewMapRegistry("#/components/schemas/", SchemaName)
	cfg.Info.Description = description
	cfg.Info.Contact = &huma.Contact{Name: "Agora", URL: "https://github.com/agoracommerce/agora"}
	cfg.OpenAPIPath = ""
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil // no $schema links in answers
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"adminKey":        {Type: "http", Scheme: "bearer", Description: "A secret admin API key (AGORA_ADMIN_KEY or one made by `agora keys create`)."},
		"customerSession": {Type: "http", Scheme: "bearer", Description: "A customer session token (cus_sess_…) from POST /store/sessions."},
	}
	cfg.Servers = []*huma.Server{{URL: "/", Description: "this server"}}
	api := humago.New(mux, cfg)
	// Every answer can be a problem: document the shared problem schema.
	api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[Problem](), true, "")
	return api
}

// modulePath is the import path every module's contract lives under.
const modulePath = "github.com/agoracommerce/agora/"

// unprefixed are the modules whose schemas keep the names they had before
// the module existed: the access module's types were platform/auth's and
// platform/audit's ("APIKey", "Entry", "PageStaff"), and clients generated
// from the document know them by those names.
var unprefixed = map[string]bool{"access": true}

// SchemaName names the schema of a Go type in the one namespace all modules
// share: a type of a module's contract package carries the module's name
// ("catalog.Option" → "CatalogOption", "shipping.Option" →
// "ShippingOption"), so that modules never collide; other types keep huma's
// default name ("money.Money" → "Money"), and so do the types of the
// modules in unprefixed.
func SchemaName(t reflect.Type, hint string) string {
	name := huma.DefaultSchemaNamer(t, hint)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	module, ok := strings.CutPrefix(t.PkgPath(), modulePath)
	if !ok || module == "" || strings.Contains(module, "/") || module == "platform" || unprefixed[module] {
		return name
	}
	prefix := strings.ToUpper(module[:1]) + module[1:]
	if strings.HasPrefix(name, prefix) {
		return name
	}
	return prefix + name
}

// AdminSecurity is the security requirement of admin operations.
var AdminSecurity = []map[string][]string{{"adminKey": {}}}

// CustomerSecurity is the security requirement of store operations that
// act for a logged-in customer.
var CustomerSecurity = []map[string][]string{{"customerSession": {}}}

// OptionalCustomerSecurity marks store operations a guest may call and a
// customer's session changes (a cart created with a session belongs to
// its customer).
var OptionalCustomerSecurity = []map[string][]string{{}, {"customerSession": {}}}

// SpecJSON encodes the OpenAPI document of api.
func SpecJSON(api huma.API) ([]byte, error) {
	return json.Marshal(api.OpenAPI())
}
