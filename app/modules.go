package app

import (
	"encoding/json"
	"io"

	"github.com/agoracommerce/agora/access/accessmod"
	"github.com/agoracommerce/agora/cart/cartmod"
	"github.com/agoracommerce/agora/catalog/catalogmod"
	"github.com/agoracommerce/agora/customer/customermod"
	"github.com/agoracommerce/agora/inventory/inventorymod"
	"github.com/agoracommerce/agora/order/ordermod"
	"github.com/agoracommerce/agora/payment/paymentmod"
	"github.com/agoracommerce/agora/pricing/pricingmod"
	"github.com/agoracommerce/agora/search/searchmod"
	"github.com/agoracommerce/agora/shipping/shippingmod"
	"github.com/agoracommerce/agora/tax/taxmod"
)

const apiDescription = "Agora is a headless commerce platform. `/store/...` serves shoppers; " +
	"`/admin/...` serves staff and integrations with a secret API key (`Authorization: Bearer <key>`). " +
	"Errors are RFC 9457 problem+json documents with a stable `code`. Every POST, PUT, PATCH and DELETE " +
	"accepts an `Idempotency-Key` header: a retry with the same key and body gets the first answer. " +
	"A key belongs to its caller: to the credential in `Authorization`, or for a guest to the cart named in the path, " +
	"or else to the client address; make keys unique (a random UUID)."

// Modules returns the registry of every module the binary knows, in the
// declared order of ARCHITECTURE.md §2.
func Modules() *Registry {
	r, err := NewRegistry(
		accessmod.Module(),
		catalogmod.Module(),
		customermod.Module(),
		pricingmod.Module(),
		inventorymod.Module(),
		taxmod.Module(),
		shippingmod.Module(),
		cartmod.Module(),
		paymentmod.Module(),
		ordermod.Module(),
		searchmod.Module(),
	)
	if err != nil {
		panic(err) // the registry is fixed at compile time; a test covers it
	}
	return r
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
