// Package customerhttp serves customer.Service over HTTP (Register) and is
// a customer.Service over HTTP (Client). Handlers only decode, call the
// service and encode; the caller of a store route comes from the request
// context (platform/auth.StoreMiddleware resolves the session token).
package customerhttp

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/clientip"
	"github.com/agoracommerce/agora/platform/httpx"
)

// Tags of the module's operations.
const (
	storeTag = "Customers (store)"
	adminTag = "Customers (admin)"
)

var (
	storeErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests, http.StatusServiceUnavailable}
	adminErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}
)

func store(id, method, path, summary, description string, status int, sec []map[string][]string) huma.Operation {
	return huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{storeTag},
		DefaultStatus: status, Errors: storeErrors, Security: sec,
	}
}

func admin(p auth.Permission, id, method, path, summary, description string, status int) huma.Operation {
	return auth.Require(p, huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Description: description, Tags: []string{adminTag},
		DefaultStatus: status, Errors: adminErrors, Security: httpx.AdminSecurity,
	})
}

type customerOut struct{ Body customer.Customer }

type registerIn struct{ Body customer.RegisterCommand }

type loginIn struct{ Body customer.LoginCommand }

type sessionOut struct {
	// no-store: the answer holds the session's secret, which no cache may
	// keep (a stored idempotent answer keeps it redacted).
	CacheControl string `header:"Cache-Control"`
	Body         customer.Session
}

type updateMeIn struct{ Body customer.UpdateCommand }

type passwordIn struct {
	Body customer.ChangePasswordCommand
}

type resetRequestIn struct{ Body customer.RequestResetCommand }

type resetIn struct{ Body customer.ResetPasswordCommand }

type addressBody struct {
	Name        string `json:"name" maxLength:"200"`
	Company     string `json:"company,omitempty" maxLength:"200"`
	Line1       string `json:"line1" maxLength:"200"`
	Line2       string `json:"line2,omitempty" maxLength:"200"`
	City        string `json:"city" maxLength:"200"`
	PostalCode  string `json:"postal_code" maxLength:"32"`
	Country     string `json:"country" maxLength:"2" doc:"ISO 3166-1 alpha-2 country code (upper case)"`
	Subdivision string `json:"subdivision,omitempty" maxLength:"6"`
	Phone       string `json:"phone,omitempty" maxLength:"32"`
	Default     bool   `json:"default,omitempty" doc:"Make it the default shipping address"`
}

func (b addressBody) address() customer.Address {
	return customer.Address{Name: b.Name, Company: b.Company, Line1: b.Line1, Line2: b.Line2, City: b.City, PostalCode: b.PostalCode,
		Country: b.Country, Subdivision: b.Subdivision, Phone: b.Phone, Default: b.Default}
}

type addAddressIn struct{ Body addressBody }

type addressIn struct {
	AddressID string `path:"address_id" maxLength:"40" doc:"Address id (addr_…)"`
	Body      addressBody
}

type addressPath struct {
	AddressID string `path:"address_id" maxLength:"40" doc:"Address id (addr_…)"`
}

type idPath struct {
	ID string `path:"id" maxLength:"40" doc:"Customer id (cus_…)"`
}

type adminUpdateIn struct {
	ID   string `path:"id" maxLength:"40" doc:"Customer id (cus_…)"`
	Body customer.UpdateCommand
}

type adminAddressIn struct {
	ID   string `path:"id" maxLength:"40" doc:"Customer id (cus_…)"`
	Body addressBody
}

type adminAddressPath struct {
	ID        string `path:"id" maxLength:"40" doc:"Customer id (cus_…)"`
	AddressID string `path:"address_id" maxLength:"40" doc:"Address id (addr_…)"`
}

type adminAddressUpdateIn struct {
	ID        string `path:"id" maxLength:"40" doc:"Customer id (cus_…)"`
	AddressID string `path:"address_id" maxLength:"40" doc:"Address id (addr_…)"`
	Body      addressBody
}

type groupsIn struct {
	ID   string `path:"id" maxLength:"40" doc:"Customer id (cus_…)"`
	Body customer.SetGroupsCommand
}

type listIn struct {
	Email  string `query:"email" maxLength:"254" doc:"Only the customer with this email"`
	Group  string `query:"group" maxLength:"40" doc:"Only customers of this group"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"Page size"`
	Cursor string `query:"cursor" maxLength:"200" doc:"next_cursor of the previous page"`
}

type listOut struct {
	Body customer.Page[customer.Customer]
}

type groupIn struct{ Body customer.CreateGroupCommand }

type groupOut struct{ Body customer.Group }

type groupsOut struct {
	Body struct {
		Data []customer.Group `json:"data"`
	}
}

type groupPath struct {
	Code string `path:"code" maxLength:"40" doc:"Customer group code"`
}

type exportOut struct{ Body customer.Export }

type acceptedOut struct {
	Body struct {
		Status string `json:"status" doc:"Always \"accepted\": the answer is the same whether or not the account exists"`
	}
}

// addrOf is the client address the platform resolved for the request
// (the login throttle keys on it), "" when unknown.
func addrOf(ctx context.Context) string {
	if a, ok := clientip.From(ctx); ok && a.IsValid() {
		return a.String()
	}
	return ""
}

func customerResult(c customer.Customer, err error) (*customerOut, error) {
	if err != nil {
		return nil, err
	}
	return &customerOut{Body: c}, nil
}

// Register adds the customer module's store and admin operations to api.
func Register(api huma.API, svc customer.Service) {
	doc := api.OpenAPI()
	doc.Tags = append(doc.Tags,
		&huma.Tag{Name: storeTag, Description: "Customer accounts, sessions, profile, addresses and password resets, for shoppers."},
		&huma.Tag{Name: adminTag, Description: "Customer accounts, groups, privacy export and erasure, for staff (secret API key)."})

	huma.Register(api, store("registerCustomer", http.MethodPost, "/store/customers", "Create a customer account",
		"Creates an account with an email (unique, compared without case) and a password of 8 to 256 characters, hashed with argon2id and never answered. A taken email is 409 email_taken. Emits customer.created.", http.StatusCreated, nil),
		func(ctx context.Context, in *registerIn) (*customerOut, error) {
			return customerResult(svc.Register(ctx, in.Body))
		})
	huma.Register(api, store("createSession", http.MethodPost, "/store/sessions", "Log in",
		"Checks an email and password and starts a session: the answer's token is the bearer token of the customer's store requests until expires_at. Wrong credentials are 401 invalid_credentials, the same whether or not the email has an account. Repeated failures for one email or from one client address are 429 rate_limited with Retry-After.", http.StatusCreated, nil),
		func(ctx context.Context, in *loginIn) (*sessionOut, error) {
			in.Body.ClientAddr = addrOf(ctx)
			s, err := svc.Login(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &sessionOut{CacheControl: "no-store", Body: s}, nil
		})
	huma.Register(api, store("deleteCurrentSession", http.MethodDelete, "/store/sessions/current", "Log out",
		"Ends the session of the bearer token; the token stops working at once.", http.StatusNoContent, httpx.CustomerSecurity),
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			s, err := auth.RequireCustomer(ctx)
			if err != nil {
				return nil, err
			}
			return nil, svc.Logout(ctx, s.Token)
		})
	huma.Register(api, store("getMe", http.MethodGet, "/store/customers/me", "Read my account",
		"The logged-in customer's account with addresses and groups.", http.StatusOK, httpx.CustomerSecurity),
		func(ctx context.Context, _ *struct{}) (*customerOut, error) {
			s, err := auth.RequireCustomer(ctx)
			if err != nil {
				return nil, err
			}
			return customerResult(svc.Get(ctx, s.CustomerID))
		})
	huma.Register(api, store("updateMe", http.MethodPatch, "/store/customers/me", "Change my profile",
		"Changes the fields that are present (first_name, last_name, phone). With version, an account changed since is 409 version_conflict. Emits customer.updated.", http.StatusOK, httpx.CustomerSecurity),
		func(ctx context.Context, in *updateMeIn) (*customerOut, error) {
			s, err := auth.RequireCustomer(ctx)
			if err != nil {
				return nil, err
			}
			in.Body.ID = s.CustomerID
			return customerResult(svc.Update(ctx, in.Body))
		})
	huma.Register(api, store("changeMyPassword", http.MethodPost, "/store/customers/me/password", "Change my password",
		"Replaces the password after checking the current one (400 wrong_password); every other session of the customer ends.", http.StatusNoContent, httpx.CustomerSecurity),
		func(ctx context.Context, in *passwordIn) (*struct{}, error) {
			s, err := auth.RequireCustomer(ctx)
			if err != nil {
				return nil, err
			}
			in.Body.Token = s.Token
			return nil, svc.ChangePassword(ctx, in.Body)
		})
	huma.Register(api, store("addMyAddress", http.MethodPost, "/store/customers/me/addresses", "Add an address",
		"Adds a saved address (at most 20); the first one, or one sent with default, becomes the default.", http.StatusCreated, httpx.CustomerSecurity),
		func(ctx context.Context, in *addAddressIn) (*customerOut, error) {
			s, err := auth.RequireCustomer(ctx)
			if err != nil {
				return nil, err
			}
			return customerResult(svc.SaveAddress(ctx, customer.AddressCommand{CustomerID: s.CustomerID, Address: in.Body.address()}))
		})
	huma.Register(api, store("replaceMyAddress", http.MethodPut, "/store/customers/me/addresses/{address_id}", "Replace an address",
		"Replaces a saved address.", http.StatusOK, httpx.CustomerSecurity),
		func(ctx context.Context, in *addressIn) (*customerOut, error) {
			s, err := auth.RequireCustomer(ctx)
			if err != nil {
				return nil, err
			}
			return customerResult(svc.SaveAddress(ctx, customer.AddressCommand{CustomerID: s.CustomerID, AddressID: in.AddressID, Address: in.Body.address()}))
		})
	huma.Register(api, store("deleteMyAddress", http.MethodDelete, "/store/customers/me/addresses/{address_id}", "Delete an address",
		"Deletes a saved address; answers the account.", http.StatusOK, httpx.CustomerSecurity),
		func(ctx context.Context, in *addressPath) (*customerOut, error) {
			s, err := auth.RequireCustomer(ctx)
			if err != nil {
				return nil, err
			}
			return customerResult(svc.DeleteAddress(ctx, customer.DeleteAddressCommand{CustomerID: s.CustomerID, AddressID: in.AddressID}))
		})
	huma.Register(api, store("requestPasswordReset", http.MethodPost, "/store/password-resets", "Ask for a password reset",
		"Sends a single-use reset token to the email's account, valid for 30 minutes. The answer is the same whether or not the account exists.", http.StatusAccepted, nil),
		func(ctx context.Context, in *resetRequestIn) (*acceptedOut, error) {
			if err := svc.RequestPasswordReset(ctx, in.Body); err != nil {
				return nil, err
			}
			out := &acceptedOut{}
			out.Body.Status = "accepted"
			return out, nil
		})
	huma.Register(api, store("resetPassword", http.MethodPost, "/store/password-resets/confirm", "Reset a password",
		"Sets a new password with a reset token (400 invalid_reset_token when unknown, used or expired); every session of the account ends.", http.StatusNoContent, nil),
		func(ctx context.Context, in *resetIn) (*struct{}, error) {
			return nil, svc.ResetPassword(ctx, in.Body)
		})

	huma.Register(api, admin(CustomersRead, "listCustomers", http.MethodGet, "/admin/customers", "List customers",
		"Lists customers by id, optionally the one with an email or those of a group, with cursor pagination.", http.StatusOK),
		func(ctx context.Context, in *listIn) (*listOut, error) {
			p, err := svc.List(ctx, customer.ListQuery{Email: in.Email, Group: in.Group, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, err
			}
			return &listOut{Body: p}, nil
		})
	huma.Register(api, admin(CustomersRead, "getCustomer", http.MethodGet, "/admin/customers/{id}", "Read a customer", "Reads a customer account.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*customerOut, error) {
			return customerResult(svc.Get(ctx, in.ID))
		})
	huma.Register(api, admin(CustomersWrite, "updateCustomer", http.MethodPatch, "/admin/customers/{id}", "Change a customer",
		"Changes the fields that are present. Emits customer.updated.", http.StatusOK),
		func(ctx context.Context, in *adminUpdateIn) (*customerOut, error) {
			in.Body.ID = in.ID
			return customerResult(svc.Update(ctx, in.Body))
		})
	huma.Register(api, admin(CustomersWrite, "addCustomerAddress", http.MethodPost, "/admin/customers/{id}/addresses", "Add a customer's address",
		"Adds a saved address to the customer.", http.StatusCreated),
		func(ctx context.Context, in *adminAddressIn) (*customerOut, error) {
			return customerResult(svc.SaveAddress(ctx, customer.AddressCommand{CustomerID: in.ID, Address: in.Body.address()}))
		})
	huma.Register(api, admin(CustomersWrite, "replaceCustomerAddress", http.MethodPut, "/admin/customers/{id}/addresses/{address_id}", "Replace a customer's address",
		"Replaces a saved address of the customer.", http.StatusOK),
		func(ctx context.Context, in *adminAddressUpdateIn) (*customerOut, error) {
			return customerResult(svc.SaveAddress(ctx, customer.AddressCommand{CustomerID: in.ID, AddressID: in.AddressID, Address: in.Body.address()}))
		})
	huma.Register(api, admin(CustomersWrite, "deleteCustomerAddress", http.MethodDelete, "/admin/customers/{id}/addresses/{address_id}", "Delete a customer's address",
		"Deletes a saved address of the customer; answers the account.", http.StatusOK),
		func(ctx context.Context, in *adminAddressPath) (*customerOut, error) {
			return customerResult(svc.DeleteAddress(ctx, customer.DeleteAddressCommand{CustomerID: in.ID, AddressID: in.AddressID}))
		})
	huma.Register(api, admin(CustomersWrite, "setCustomerGroups", http.MethodPut, "/admin/customers/{id}/groups", "Set a customer's groups",
		"Replaces the groups the customer belongs to; a group that does not exist is 400 unknown_group. Emits customer.updated.", http.StatusOK),
		func(ctx context.Context, in *groupsIn) (*customerOut, error) {
			in.Body.CustomerID = in.ID
			return customerResult(svc.SetGroups(ctx, in.Body))
		})
	huma.Register(api, admin(CustomersExport, "exportCustomer", http.MethodPost, "/admin/customers/{id}/export", "Export a customer's data",
		"Everything the customer module holds about the customer (account, addresses, groups, sessions without their secrets), as JSON, for a data subject access request.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*exportOut, error) {
			e, err := svc.Export(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &exportOut{Body: e}, nil
		})
	huma.Register(api, admin(CustomersErase, "eraseCustomer", http.MethodPost, "/admin/customers/{id}/erase", "Erase a customer's personal data",
		"Anonymizes the account (email, names, phone, addresses, groups), ends every session and frees the email; orders are kept for accounting with their personal data anonymized by the order module on customer.erased. Erasing twice is harmless.", http.StatusOK),
		func(ctx context.Context, in *idPath) (*customerOut, error) {
			return customerResult(svc.Erase(ctx, in.ID))
		})

	huma.Register(api, admin(CustomersRead, "listCustomerGroups", http.MethodGet, "/admin/customer-groups", "List customer groups", "Lists the customer groups by code.", http.StatusOK),
		func(ctx context.Context, _ *struct{}) (*groupsOut, error) {
			gs, err := svc.ListGroups(ctx)
			if err != nil {
				return nil, err
			}
			out := &groupsOut{}
			out.Body.Data = gs
			return out, nil
		})
	huma.Register(api, admin(CustomersWrite, "createCustomerGroup", http.MethodPost, "/admin/customer-groups", "Create a customer group",
		"Creates a customer group; a taken code is 409 group_exists.", http.StatusCreated),
		func(ctx context.Context, in *groupIn) (*groupOut, error) {
			g, err := svc.CreateGroup(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &groupOut{Body: g}, nil
		})
	huma.Register(api, admin(CustomersWrite, "deleteCustomerGroup", http.MethodDelete, "/admin/customer-groups/{code}", "Delete a customer group",
		"Deletes a group no customer belongs to (else 409 group_in_use).", http.StatusNoContent),
		func(ctx context.Context, in *groupPath) (*struct{}, error) { return nil, svc.DeleteGroup(ctx, in.Code) })
}
