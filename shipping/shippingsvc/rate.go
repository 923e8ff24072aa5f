package shippingsvc

import (
	"fmt"

	"github.com/agoracommerce/agora/platform/errs"
	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/shipping"
)

// Price is what rate charges for an order of subtotal (minor units) and
// weight; false means the option cannot ship it (heavier than the last
// weight bracket).
func Price(r shipping.Rate, subtotal, weightGrams int64) (int64, bool) {
	switch r.Kind {
	case shipping.Flat:
		return r.Amount, true
	case shipping.FreeOver:
		if subtotal >= r.Threshold {
			return 0, true
		}
		return r.Amount, true
	case shipping.Weight:
		for _, b := range r.Brackets {
			if weightGrams <= b.UpToGrams {
				return b.Amount, true
			}
		}
	}
	return 0, false
}

func amount(v *errs.Validator, field string, a int64) {
	if a < 0 || a > money.MaxAmount {
		v.Add(field, "must be from 0 to %d minor units", int64(money.MaxAmount))
	}
}

// rate validates a rate and returns it with the fields of other kinds
// cleared.
func rate(v *errs.Validator, field string, r shipping.Rate) shipping.Rate {
	switch r.Kind {
	case shipping.Flat:
		amount(v, field+".amount", r.Amount)
		return shipping.Rate{Kind: r.Kind, Amount: r.Amount}
	case shipping.FreeOver:
		amount(v, field+".amount", r.Amount)
		amount(v, field+".threshold", r.Threshold)
		return shipping.Rate{Kind: r.Kind, Amount: r.Amount, Threshold: r.Threshold}
	case shipping.Weight:
		if len(r.Brackets) == 0 {
			v.Add(field+".brackets", "must have at least one bracket")
		}
		if len(r.Brackets) > shipping.MaxBrackets {
			v.Add(field+".brackets", "has more than %d brackets", shipping.MaxBrackets)
			return r
		}
		prev := int64(0)
		for i, b := range r.Brackets {
			f := fmt.Sprintf("%s.brackets[%d]", field, i)
			if b.UpToGrams < 1 || b.UpToGrams > shipping.MaxWeightGrams {
				v.Add(f+".up_to_grams", "must be from 1 to %d", shipping.MaxWeightGrams)
			} else if b.UpToGrams <= prev {
				v.Add(f+".up_to_grams", "must be greater than the previous bracket's")
			}
			prev = max(prev, b.UpToGrams)
			amount(v, f+".amount", b.Amount)
		}
		return shipping.Rate{Kind: r.Kind, Brackets: append([]shipping.Bracket{}, r.Brackets...)}
	}
	v.Add(field+".kind", "must be flat, weight or free_over")
	return r
}
