package taxsvc

import (
	"errors"
	"strconv"
	"strings"

	"github.com/agoracommerce/agora/platform/money"
	"github.com/agoracommerce/agora/tax"
)

// ParseRate reads a decimal percent with at most 4 decimals ("19",
// "8.875", "0.0001") from 0 to 100 and returns it in parts per million.
// It never rounds: a fifth decimal is an error.
func ParseRate(s string) (int64, error) {
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") || !digits(intPart) || !digits(frac) {
		return 0, errors.New("must be a decimal percent such as 19 or 8.875")
	}
	if len(frac) > 4 {
		return 0, errors.New("has more than 4 decimals")
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 3 {
		return 0, errors.New("must be from 0 to 100")
	}
	v, err := strconv.ParseInt("0"+intPart+frac+strings.Repeat("0", 4-len(frac)), 10, 64)
	if err != nil {
		return 0, errors.New("must be a decimal percent such as 19 or 8.875")
	}
	if v > tax.MaxRatePPM {
		return 0, errors.New("must be from 0 to 100")
	}
	return v, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatRate writes a rate in parts per million as a decimal percent
// without trailing zeros (190000 → "19", 88750 → "8.875").
func FormatRate(ppm int64) string {
	s := strconv.FormatInt(ppm/10000, 10)
	if f := ppm % 10000; f != 0 {
		fs := strconv.FormatInt(f, 10)
		s += "." + strings.TrimRight(strings.Repeat("0", 4-len(fs))+fs, "0")
	}
	return s
}

// Split computes the net, tax and gross of amount at rate ppm (0 to
// tax.MaxRatePPM), amount being tax-inclusive or not, with banker's
// rounding (see the package documentation of tax). net + tax = gross
// always holds. amount must be within ±money.MaxAmount.
func Split(amount, ppm int64, inclusive bool) (net, taxAmt, gross int64, err error) {
	if ppm < 0 || ppm > tax.MaxRatePPM {
		return 0, 0, 0, errors.New("tax: rate out of range")
	}
	if amount > money.MaxAmount || amount < -money.MaxAmount {
		return 0, 0, 0, money.ErrOverflow
	}
	if inclusive {
		net, err = money.MulRatio(amount, tax.PPM, tax.PPM+ppm)
		if err != nil {
			return 0, 0, 0, err
		}
		return net, amount - net, amount, nil
	}
	taxAmt, err = money.MulRatio(amount, ppm, tax.PPM)
	if err != nil {
		return 0, 0, 0, err
	}
	return amount, taxAmt, amount + taxAmt, nil
}
