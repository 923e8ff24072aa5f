package gateway

import (
	"context"
	"net/http"
	"net/netip"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/clientip"
	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/ratelimit"
)

// ClientBlock is what the card-testing guard holds about one client
// address.
type ClientBlock struct {
	Address    string     `json:"address" doc:"The address asked about"`
	Client     string     `json:"client" doc:"The key the guard counts the address under: the address itself, or the /64 network of an IPv6 address"`
	Blocked    bool       `json:"blocked" doc:"Whether checkouts from the client are refused (429 client_blocked)"`
	RetryAfter int        `json:"retry_after_seconds" doc:"Seconds until the block ends; 0 when not blocked"`
	Until      *time.Time `json:"until,omitempty" doc:"When the block ends; absent when not blocked"`
}

type blockIn struct {
	Address string `path:"address" maxLength:"45" doc:"An IPv4 or IPv6 client address"`
}

type blockOut struct{ Body ClientBlock }

// RegisterBlocks adds the operations that read and lift card-testing
// blocks (docs/security.md). They read the guard when called, so they
// answer "not blocked" when the guard is off.
func (g *Gateway) RegisterBlocks(api huma.API) {
	const tag = "Security (admin)"
	api.OpenAPI().Tags = append(api.OpenAPI().Tags, &huma.Tag{Name: tag,
		Description: "Client addresses blocked by the card-testing guard of checkouts: look one up, lift its block."})
	errors := []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusServiceUnavailable}
	huma.Register(api, auth.Require(SecurityRead, huma.Operation{
		OperationID: "getClientBlock", Method: http.MethodGet, Path: "/admin/security/blocks/{address}", Tags: []string{tag},
		Summary:     "Read the card-testing block of a client address",
		Description: "Says whether checkouts from the address are blocked after many declined payments, and for how long.",
		Errors:      errors, Security: httpx.AdminSecurity,
	}), func(ctx context.Context, in *blockIn) (*blockOut, error) {
		addr, client, err := blockClient(in.Address)
		if err != nil {
			return nil, err
		}
		return g.blockState(ctx, addr, client)
	})
	huma.Register(api, auth.Require(SecurityWrite, huma.Operation{
		OperationID: "deleteClientBlock", Method: http.MethodDelete, Path: "/admin/security/blocks/{address}", Tags: []string{tag},
		Summary:     "Lift the card-testing block of a client address",
		Description: "Lifts the block, if any, and forgets the address's declined payments so that it starts again with a clean count. Answers the state after (not blocked); recorded in the audit log.",
		Errors:      errors, Security: httpx.AdminSecurity,
	}), func(ctx context.Context, in *blockIn) (*blockOut, error) {
		addr, client, err := blockClient(in.Address)
		if err != nil {
			return nil, err
		}
		if guard := g.guard; guard != nil {
			if err := guard.Unblock(ctx, client); err != nil {
				return nil, blockStoreError(err)
			}
		}
		return g.blockState(ctx, addr, client)
	})
}

// blockClient parses the address of a block operation into the key the
// guard counts it under.
func blockClient(s string) (netip.Addr, string, error) {
	addr, err := netip.ParseAddr(s)
	if err != nil || addr.Zone() != "" {
		return netip.Addr{}, "", errs.E(errs.Invalid, "invalid_address", "%q is not an IPv4 or IPv6 address", s)
	}
	addr = addr.Unmap()
	return addr, clientip.Key(addr), nil
}

func (g *Gateway) blockState(ctx context.Context, addr netip.Addr, client string) (*blockOut, error) {
	out := &blockOut{Body: ClientBlock{Address: addr.String(), Client: client}}
	guard := g.guard
	if guard == nil {
		return out, nil
	}
	wait, err := guard.BlockedFor(ctx, client)
	if err != nil {
		return nil, blockStoreError(err)
	}
	if wait > 0 {
		until := g.now().Add(wait).UTC().Truncate(time.Second)
		out.Body.Blocked, out.Body.RetryAfter, out.Body.Until = true, ratelimit.RetryAfterSeconds(wait), &until
	}
	return out, nil
}

func blockStoreError(err error) error {
	return errs.Wrap(err, errs.Unavailable, "security_store_unavailable", "the store of the card-testing guard cannot be reached; try again later")
}
