package app

import (
	"context"

	"github.com/agoracommerce/agora/customer"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/module"
)

// authenticateShopper resolves a customer session token for the store
// middleware through the customer module, wherever it runs.
func (a *App) authenticateShopper(ctx context.Context, token string) (auth.Shopper, error) {
	svc, ok, _ := module.Optional[customer.Service](a.env, customer.Module)
	if !ok {
		return auth.Shopper{}, errs.E(errs.Unavailable, "", "customer accounts are not served here")
	}
	id, err := svc.Authenticate(ctx, token)
	if err != nil {
		return auth.Shopper{}, err
	}
	return auth.Shopper{CustomerID: id.CustomerID, SessionID: id.SessionID, Groups: id.Groups}, nil
}
