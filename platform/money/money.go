// Package money is exact money: an int64 amount of minor units and an ISO 4217
// currency code. There is no floating point anywhere; arithmetic across
// currencies is an error, and every rounding is explicit.
package money

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"golang.org/x/text/currency"
)

// Money is an amount in the minor unit of its currency (cents for USD).
type Money struct {
	Amount   int64  `json:"amount" doc:"Amount in minor units of the currency (cents for USD)"`
	Currency string `json:"currency" doc:"ISO 4217 currency code" minLength:"3" maxLength:"3" pattern:"^[A-Z]{3}$"`
}

// Errors returned by this package.
var (
	ErrCurrency        = errors.New("money: unknown currency")
	ErrCurrencyMixed   = errors.New("money: currencies differ")
	ErrOverflow        = errors.New("money: amount out of range")
	ErrSyntax          = errors.New("money: malformed amount")
	ErrTooManyDecimals = errors.New("money: more decimals than the currency has")
)

// MaxAmount bounds every amount Agora accepts (10^15 minor units), far below
// int64 overflow so that sums of many amounts stay exact.
const MaxAmount = 1_000_000_000_000_000

// New returns Money after checking the currency code.
func New(amount int64, cur string) (Money, error) {
	if err := CheckCurrency(cur); err != nil {
		return Money{}, err
	}
	if amount > MaxAmount || amount < -MaxAmount {
		return Money{}, ErrOverflow
	}
	return Money{Amount: amount, Currency: cur}, nil
}

// CheckCurrency reports whether cur is a known ISO 4217 code in upper case.
func CheckCurrency(cur string) error {
	if len(cur) != 3 || strings.ToUpper(cur) != cur {
		return ErrCurrency
	}
	u, err := currency.ParseISO(cur)
	if err != nil || u.String() != cur || cur == "XXX" {
		return ErrCurrency
	}
	return nil
}

// Digits is the number of minor-unit digits of a currency (2 for USD, 0 for
// JPY, 3 for KWD). It returns 2 for an unknown currency.
func Digits(cur string) int {
	u, err := currency.ParseISO(cur)
	if err != nil {
		return 2
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale
}

// Add returns m+o; both must be in the same currency.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, ErrCurrencyMixed
	}
	s, overflow := addInt64(m.Amount, o.Amount)
	if overflow {
		return Money{}, ErrOverflow
	}
	return Money{Amount: s, Currency: m.Currency}, nil
}

// Mul returns m×n (a quantity).
func (m Money) Mul(n int64) (Money, error) {
	neg := (m.Amount < 0) != (n < 0)
	hi, lo := bits.Mul64(uabs(m.Amount), uabs(n))
	if limit := uint64(math.MaxInt64) + boolToUint(neg); hi != 0 || lo > limit {
		return Money{}, ErrOverflow
	}
	v := int64(lo) // lo == 2^63 (only when neg) becomes MinInt64, which -v leaves as is
	if neg {
		v = -v
	}
	return Money{Amount: v, Currency: m.Currency}, nil
}

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Amount == 0 }

// String formats m as "12.34 USD".
func (m Money) String() string { return Format(m.Amount, m.Currency) + " " + m.Currency }

// Format writes amount as a decimal string with the currency's digits.
func Format(amount int64, cur string) string {
	d := Digits(cur)
	neg := amount < 0
	s := strconv.FormatUint(uabs(amount), 10)
	if d > 0 {
		for len(s) <= d {
			s = "0" + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Parse reads a decimal amount ("12.34", "-0.5", "1000") in the currency's
// major unit and returns it in minor units. It never rounds: more decimals
// than the currency has is an error.
func Parse(s, cur string) (Money, error) {
	if err := CheckCurrency(cur); err != nil {
		return Money{}, err
	}
	d := Digits(cur)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") || !allDigits(intPart) || !allDigits(frac) {
		return Money{}, ErrSyntax
	}
	if len(frac) > d {
		return Money{}, ErrTooManyDecimals
	}
	frac += strings.Repeat("0", d-len(frac))
	if len(intPart)+len(frac) > 18 {
		return Money{}, ErrOverflow
	}
	v, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return Money{}, ErrSyntax
	}
	if v > MaxAmount {
		return Money{}, ErrOverflow
	}
	if neg {
		v = -v
	}
	return Money{Amount: v, Currency: cur}, nil
}

// MulRatio returns amount×num/den rounded half to even (banker's rounding),
// the rounding Agora uses for percentages and rates. den must be positive.
func MulRatio(amount, num, den int64) (int64, error) {
	if den <= 0 {
		return 0, errors.New("money: non-positive denominator")
	}
	neg := (amount < 0) != (num < 0)
	hi, lo := bits.Mul64(uabs(amount), uabs(num))
	if hi >= uint64(den) {
		return 0, ErrOverflow
	}
	q, r := bits.Div64(hi, lo, uint64(den))
	if q > math.MaxInt64 { // also keeps q++ below from wrapping to 0
		return 0, ErrOverflow
	}
	// Round half to even: compare the remainder with what is left to den
	// (no overflow, unlike 2r).
	if rest := uint64(den) - r; r > rest || (r == rest && q%2 == 1) {
		q++
	}
	if q > math.MaxInt64 {
		return 0, ErrOverflow
	}
	v := int64(q)
	if neg {
		v = -v
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// uabs is |v| as a uint64, exact for math.MinInt64 (2^63).
func uabs(v int64) uint64 {
	if v < 0 {
		return uint64(-v) // -MinInt64 wraps to MinInt64, whose uint64 is 2^63
	}
	return uint64(v)
}

func boolToUint(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func addInt64(a, b int64) (int64, bool) {
	s := a + b
	return s, (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0)
}

// Validate checks a Money value read from outside: known currency, amount in
// range. It returns a description suitable for a field error.
func Validate(m Money, allowNegative bool) error {
	if err := CheckCurrency(m.Currency); err != nil {
		return fmt.Errorf("unknown currency %q", m.Currency)
	}
	if m.Amount > MaxAmount || m.Amount < -MaxAmount {
		return errors.New("amount out of range")
	}
	if !allowNegative && m.Amount < 0 {
		return errors.New("amount must not be negative")
	}
	return nil
}
