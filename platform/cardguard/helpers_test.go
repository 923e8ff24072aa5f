package cardguard_test

import "github.com/agoracommerce/agora/platform/errs"

func errsDeclined() error {
	return errs.E(errs.PaymentFailed, "payment_declined", "the card was declined")
}
