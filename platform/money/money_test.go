package money_test

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/agoracommerce/agora/platform/money"
)

func TestCheckCurrency(t *testing.T) {
	tests := []struct {
		cur string
		ok  bool
	}{
		{"USD", true},
		{"EUR", true},
		{"JPY", true},
		{"KWD", true},
		{"CHF", true},
		{"usd", false},
		{"Usd", false},
		{"US", false},
		{"USDD", false},
		{"", false},
		{"XXX", false}, // "no currency"
		{"ZZZ", false},
		{"U$D", false},
		{"ÜSD", false},
	}
	for _, tt := range tests {
		err := money.CheckCurrency(tt.cur)
		if tt.ok && err != nil {
			t.Errorf("CheckCurrency(%q) = %v, want nil", tt.cur, err)
		}
		if !tt.ok && !errors.Is(err, money.ErrCurrency) {
			t.Errorf("CheckCurrency(%q) = %v, want ErrCurrency", tt.cur, err)
		}
	}
}

func TestDigits(t *testing.T) {
	tests := []struct {
		cur  string
		want int
	}{
		{"USD", 2},
		{"EUR", 2},
		{"JPY", 0},
		{"KRW", 0},
		{"KWD", 3},
		{"BHD", 3},
		{"ZZZ", 2}, // unknown: 2
		{"", 2},
	}
	for _, tt := range tests {
		if got := money.Digits(tt.cur); got != tt.want {
			t.Errorf("Digits(%q) = %d, want %d", tt.cur, got, tt.want)
		}
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		amount  int64
		cur     string
		wantErr error
	}{
		{1234, "USD", nil},
		{0, "JPY", nil},
		{-5, "KWD", nil},
		{money.MaxAmount, "USD", nil},
		{-money.MaxAmount, "USD", nil},
		{money.MaxAmount + 1, "USD", money.ErrOverflow},
		{-money.MaxAmount - 1, "USD", money.ErrOverflow},
		{math.MaxInt64, "USD", money.ErrOverflow},
		{math.MinInt64, "USD", money.ErrOverflow},
		{100, "usd", money.ErrCurrency},
		{100, "", money.ErrCurrency},
	}
	for _, tt := range tests {
		m, err := money.New(tt.amount, tt.cur)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("New(%d, %q) error = %v, want %v", tt.amount, tt.cur, err, tt.wantErr)
			continue
		}
		want := money.Money{Amount: tt.amount, Currency: tt.cur}
		if tt.wantErr != nil {
			want = money.Money{}
		}
		if m != want {
			t.Errorf("New(%d, %q) = %+v, want %+v", tt.amount, tt.cur, m, want)
		}
	}
}

func TestAdd(t *testing.T) {
	usd := func(v int64) money.Money { return money.Money{Amount: v, Currency: "USD"} }
	tests := []struct {
		name    string
		a, b    money.Money
		want    money.Money
		wantErr error
	}{
		{"simple", usd(1050), usd(250), usd(1300), nil},
		{"negative", usd(100), usd(-250), usd(-150), nil},
		{"zero", usd(0), usd(0), usd(0), nil},
		{"extremes cancel", usd(math.MaxInt64), usd(math.MinInt64), usd(-1), nil},
		{"up to max", usd(math.MaxInt64 - 1), usd(1), usd(math.MaxInt64), nil},
		{"mixed currencies", usd(100), money.Money{Amount: 100, Currency: "EUR"}, money.Money{}, money.ErrCurrencyMixed},
		{"mixed with zero", usd(0), money.Money{Amount: 0, Currency: "JPY"}, money.Money{}, money.ErrCurrencyMixed},
		{"overflow", usd(math.MaxInt64), usd(1), money.Money{}, money.ErrOverflow},
		{"overflow large", usd(math.MaxInt64/2 + 1), usd(math.MaxInt64/2 + 1), money.Money{}, money.ErrOverflow},
		{"underflow", usd(math.MinInt64), usd(-1), money.Money{}, money.ErrOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.Add(tt.b)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Add error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Add: %v", err)
			}
			if got != tt.want {
				t.Errorf("Add = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMul(t *testing.T) {
	tests := []struct {
		amount, n int64
		want      int64
		overflow  bool
	}{
		{1234, 3, 3702, false},
		{1234, 0, 0, false},
		{0, math.MaxInt64, 0, false},
		{-5, 3, -15, false},
		{5, -3, -15, false},
		{-5, -3, 15, false},
		{math.MaxInt64, 1, math.MaxInt64, false},
		{math.MaxInt64, -1, -math.MaxInt64, false},
		{math.MinInt64, 1, math.MinInt64, false},
		{math.MinInt64 / 2, 2, math.MinInt64, false},
		{math.MinInt64, -1, 0, true},
		{math.MaxInt64/2 + 1, 2, 0, true},
		{money.MaxAmount, money.MaxAmount, 0, true},
		{-money.MaxAmount, money.MaxAmount, 0, true},
		{1 << 32, 1 << 32, 0, true},
	}
	for _, tt := range tests {
		m := money.Money{Amount: tt.amount, Currency: "EUR"}
		got, err := m.Mul(tt.n)
		if tt.overflow {
			if !errors.Is(err, money.ErrOverflow) {
				t.Errorf("%d.Mul(%d) = %+v, %v; want ErrOverflow", tt.amount, tt.n, got, err)
			}
			continue
		}
		if err != nil || got != (money.Money{Amount: tt.want, Currency: "EUR"}) {
			t.Errorf("%d.Mul(%d) = %+v, %v; want %d EUR", tt.amount, tt.n, got, err, tt.want)
		}
	}
}

// TestMulMatchesBig compares Mul with exact arithmetic on random operands,
// many of them near the int64 limits.
func TestMulMatchesBig(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	minI, maxI := big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
	for range 20000 {
		a, n := randInt64(r), randInt64(r)
		got, err := money.Money{Amount: a, Currency: "USD"}.Mul(n)
		exact := new(big.Int).Mul(big.NewInt(a), big.NewInt(n))
		if exact.Cmp(minI) < 0 || exact.Cmp(maxI) > 0 {
			if !errors.Is(err, money.ErrOverflow) {
				t.Fatalf("Mul(%d, %d) = %d, %v; want ErrOverflow", a, n, got.Amount, err)
			}
			continue
		}
		if err != nil || got.Amount != exact.Int64() {
			t.Fatalf("Mul(%d, %d) = %d, %v; want %s", a, n, got.Amount, err, exact)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		amount int64
		cur    string
		want   string
	}{
		{1234, "USD", "12.34"},
		{5, "USD", "0.05"},
		{-5, "USD", "-0.05"},
		{-100, "USD", "-1.00"},
		{0, "USD", "0.00"},
		{1234, "JPY", "1234"},
		{-7, "JPY", "-7"},
		{0, "JPY", "0"},
		{1234, "KWD", "1.234"},
		{-1, "KWD", "-0.001"},
		{money.MaxAmount, "USD", "10000000000000.00"},
		{-money.MaxAmount, "JPY", "-1000000000000000"},
		{math.MaxInt64, "USD", "92233720368547758.07"},
		{math.MinInt64, "USD", "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := money.Format(tt.amount, tt.cur); got != tt.want {
			t.Errorf("Format(%d, %q) = %q, want %q", tt.amount, tt.cur, got, tt.want)
		}
	}
	if got := (money.Money{Amount: 1234, Currency: "USD"}).String(); got != "12.34 USD" {
		t.Errorf("String() = %q, want %q", got, "12.34 USD")
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		s, cur  string
		want    int64
		wantErr error
	}{
		{"12.34", "USD", 1234, nil},
		{"12.3", "USD", 1230, nil},
		{"12", "USD", 1200, nil},
		{"0", "USD", 0, nil},
		{"-0", "USD", 0, nil},
		{"-0.5", "USD", -50, nil},
		{"0.05", "USD", 5, nil},
		{"007", "USD", 700, nil},
		{"1000", "JPY", 1000, nil},
		{"-3", "JPY", -3, nil},
		{"1.234", "KWD", 1234, nil},
		{"1.2", "KWD", 1200, nil},
		{"10000000000000.00", "USD", money.MaxAmount, nil},
		{"-10000000000000", "USD", -money.MaxAmount, nil},
		{"1000000000000000", "JPY", money.MaxAmount, nil},

		// syntax
		{"", "USD", 0, money.ErrSyntax},
		{"-", "USD", 0, money.ErrSyntax},
		{".5", "USD", 0, money.ErrSyntax},
		{"-.5", "USD", 0, money.ErrSyntax},
		{"1.", "USD", 0, money.ErrSyntax},
		{"1.2.3", "USD", 0, money.ErrSyntax},
		{"1,50", "USD", 0, money.ErrSyntax},
		{" 1", "USD", 0, money.ErrSyntax},
		{"1 ", "USD", 0, money.ErrSyntax},
		{"+1", "USD", 0, money.ErrSyntax},
		{"--1", "USD", 0, money.ErrSyntax},
		{"1e3", "USD", 0, money.ErrSyntax},
		{"0x10", "USD", 0, money.ErrSyntax},
		{"abc", "USD", 0, money.ErrSyntax},
		{"١٢", "USD", 0, money.ErrSyntax}, // Arabic-Indic digits
		{"1.-5", "USD", 0, money.ErrSyntax},

		// too many decimals: never rounds
		{"1.234", "USD", 0, money.ErrTooManyDecimals},
		{"0.001", "USD", 0, money.ErrTooManyDecimals},
		{"1.0", "JPY", 0, money.ErrTooManyDecimals},
		{"1.2345", "KWD", 0, money.ErrTooManyDecimals},

		// overflow
		{"10000000000000.01", "USD", 0, money.ErrOverflow},
		{"-10000000000000.01", "USD", 0, money.ErrOverflow},
		{"1000000000000001", "JPY", 0, money.ErrOverflow},
		{"99999999999999999.99", "USD", 0, money.ErrOverflow},
		{"9223372036854775807", "JPY", 0, money.ErrOverflow},
		{"99999999999999999999999999", "JPY", 0, money.ErrOverflow},

		// currency
		{"1.00", "usd", 0, money.ErrCurrency},
		{"1.00", "XXX", 0, money.ErrCurrency},
		{"1.00", "", 0, money.ErrCurrency},
	}
	for _, tt := range tests {
		got, err := money.Parse(tt.s, tt.cur)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Parse(%q, %q) = %+v, %v; want %v", tt.s, tt.cur, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != (money.Money{Amount: tt.want, Currency: tt.cur}) {
			t.Errorf("Parse(%q, %q) = %+v, %v; want %d", tt.s, tt.cur, got, err, tt.want)
		}
	}
}

func TestFormatParseRoundTrip(t *testing.T) {
	amounts := []int64{0, 1, -1, 5, 99, 100, 101, 12345, -12345, 999999, money.MaxAmount, -money.MaxAmount, money.MaxAmount - 1}
	for _, cur := range []string{"USD", "JPY", "KWD", "EUR", "BHD"} {
		for _, a := range amounts {
			s := money.Format(a, cur)
			m, err := money.Parse(s, cur)
			if err != nil || m.Amount != a || m.Currency != cur {
				t.Errorf("Parse(Format(%d, %s) = %q) = %+v, %v", a, cur, s, m, err)
			}
		}
	}
}

func TestMulRatio(t *testing.T) {
	tests := []struct {
		name             string
		amount, num, den int64
		want             int64
		wantErr          bool
		overflow         bool
	}{
		{"exact", 1000, 15, 100, 150, false, false},
		{"below half", 249, 1, 100, 2, false, false},
		{"above half", 251, 1, 100, 3, false, false},
		{"half to even, down", 250, 1, 100, 2, false, false},
		{"half to even, up", 350, 1, 100, 4, false, false},
		{"half of 5", 5, 1, 2, 2, false, false},
		{"half of 15", 15, 1, 2, 8, false, false},
		{"half of 1", 1, 1, 2, 0, false, false},
		{"tax 8%", 1999, 8, 100, 160, false, false},
		{"third", 100, 1, 3, 33, false, false},
		{"two thirds", 100, 2, 3, 67, false, false},
		{"negative half down", -250, 1, 100, -2, false, false},
		{"negative half up", -350, 1, 100, -4, false, false},
		{"negative num", 250, -1, 100, -2, false, false},
		{"negative num odd", 350, -1, 100, -4, false, false},
		{"both negative", -250, -1, 100, 2, false, false},
		{"negative above half", -251, 1, 100, -3, false, false},
		{"negative below half", -249, 1, 100, -2, false, false},
		{"zero", 0, 7, 3, 0, false, false},
		{"zero num", 12345, 0, 7, 0, false, false},
		{"wide product", math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64, false, false},
		{"wide product halved", math.MaxInt64, 2, 2, math.MaxInt64, false, false},
		{"zero den", 100, 1, 0, 0, true, false},
		{"negative den", 100, 1, -1, 0, true, false},
		{"overflow", math.MaxInt64, 2, 1, 0, true, true},
		{"overflow quotient", math.MaxInt64, 3, 2, 0, true, true},
		{"overflow huge", math.MaxInt64, math.MaxInt64, 1, 0, true, true},
		// (2^65-1)/2 rounds half to even up to 2^64, which must not wrap to 0.
		{"overflow at 2^64", 1190112520884487201, 31, 2, 0, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := money.MulRatio(tt.amount, tt.num, tt.den)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("MulRatio(%d, %d, %d) = %d, want an error", tt.amount, tt.num, tt.den, got)
				}
				if tt.overflow && !errors.Is(err, money.ErrOverflow) {
					t.Fatalf("MulRatio(%d, %d, %d) error = %v, want ErrOverflow", tt.amount, tt.num, tt.den, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("MulRatio(%d, %d, %d) = %d, %v; want %d", tt.amount, tt.num, tt.den, got, err, tt.want)
			}
		})
	}
}

// TestMulRatioMatchesBig compares MulRatio with exact half-to-even rounding
// computed with math/big, on random operands including the int64 limits.
func TestMulRatioMatchesBig(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	maxI := big.NewInt(math.MaxInt64)
	for i := range 50000 {
		a, n, d := randInt64(r), randInt64(r), randInt64(r)
		if i%4 == 0 {
			d = r.Int64N(1000) + 1 // small denominators make ties likely
			n = r.Int64N(2001) - 1000
		}
		if d <= 0 {
			if d == math.MinInt64 {
				d = math.MaxInt64
			} else {
				d = -d
			}
			if d == 0 {
				d = 1
			}
		}
		got, err := money.MulRatio(a, n, d)
		want := roundHalfEven(new(big.Int).Mul(big.NewInt(a), big.NewInt(n)), big.NewInt(d))
		if new(big.Int).Abs(want).Cmp(maxI) > 0 {
			if !errors.Is(err, money.ErrOverflow) {
				t.Fatalf("MulRatio(%d, %d, %d) = %d, %v; want ErrOverflow (exact %s)", a, n, d, got, err, want)
			}
			continue
		}
		if err != nil || got != want.Int64() {
			t.Fatalf("MulRatio(%d, %d, %d) = %d, %v; want %s", a, n, d, got, err, want)
		}
	}
}

// roundHalfEven returns p/d rounded half to even; d > 0.
func roundHalfEven(p, d *big.Int) *big.Int {
	neg := p.Sign() < 0
	q, r := new(big.Int).QuoRem(new(big.Int).Abs(p), d, new(big.Int))
	switch new(big.Int).Lsh(r, 1).Cmp(d) {
	case 1:
		q.Add(q, big.NewInt(1))
	case 0:
		if q.Bit(0) == 1 {
			q.Add(q, big.NewInt(1))
		}
	}
	if neg {
		q.Neg(q)
	}
	return q
}

// randInt64 favours values near 0, near the int64 limits and near MaxAmount.
func randInt64(r *rand.Rand) int64 {
	switch r.IntN(6) {
	case 0:
		return r.Int64N(2001) - 1000
	case 1:
		return math.MaxInt64 - r.Int64N(1000)
	case 2:
		return math.MinInt64 + r.Int64N(1000)
	case 3:
		return r.Int64N(2*money.MaxAmount+1) - money.MaxAmount
	case 4:
		return int64(r.Uint64() >> r.UintN(64))
	default:
		return int64(r.Uint64())
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		m        money.Money
		allowNeg bool
		errHas   string // "" means valid
	}{
		{"valid", money.Money{Amount: 1234, Currency: "USD"}, false, ""},
		{"zero", money.Money{Amount: 0, Currency: "JPY"}, false, ""},
		{"max", money.Money{Amount: money.MaxAmount, Currency: "USD"}, false, ""},
		{"negative allowed", money.Money{Amount: -money.MaxAmount, Currency: "KWD"}, true, ""},
		{"negative refused", money.Money{Amount: -1, Currency: "USD"}, false, "negative"},
		{"unknown currency", money.Money{Amount: 1, Currency: "ABC"}, false, `"ABC"`},
		{"lower-case currency", money.Money{Amount: 1, Currency: "usd"}, true, "currency"},
		{"empty currency", money.Money{Amount: 1}, true, "currency"},
		{"too large", money.Money{Amount: money.MaxAmount + 1, Currency: "USD"}, false, "range"},
		{"too small", money.Money{Amount: -money.MaxAmount - 1, Currency: "USD"}, true, "range"},
		{"min int64", money.Money{Amount: math.MinInt64, Currency: "USD"}, true, "range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := money.Validate(tt.m, tt.allowNeg)
			if tt.errHas == "" {
				if err != nil {
					t.Fatalf("Validate(%+v) = %v, want nil", tt.m, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("Validate(%+v) = %v, want an error mentioning %q", tt.m, err, tt.errHas)
			}
		})
	}
}

func TestIsZero(t *testing.T) {
	if !(money.Money{Currency: "USD"}).IsZero() {
		t.Error("0 USD is not zero")
	}
	if (money.Money{Amount: -1, Currency: "USD"}).IsZero() {
		t.Error("-0.01 USD is zero")
	}
}

// FuzzParse checks that Parse never panics and that what it accepts formats
// to a string that parses back to the same value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.34", "-0.5", "1000", "0", "-0", "1.", ".5", "1.234", "10000000000000.00", "99999999999999999999", "", "-", "1e3", "٣"} {
		for _, cur := range []string{"USD", "JPY", "KWD"} {
			f.Add(s, cur)
		}
	}
	f.Add("1.00", "usd")
	f.Add("1", "\xff\xfe\xfd")
	f.Fuzz(func(t *testing.T, s, cur string) {
		m, err := money.Parse(s, cur)
		if err != nil {
			if m != (money.Money{}) {
				t.Fatalf("Parse(%q, %q) = %+v with error %v, want the zero Money", s, cur, m, err)
			}
			return
		}
		if m.Currency != cur {
			t.Fatalf("Parse(%q, %q) currency = %q", s, cur, m.Currency)
		}
		if err := money.Validate(m, true); err != nil {
			t.Fatalf("Parse(%q, %q) = %+v, which does not validate: %v", s, cur, m, err)
		}
		out := money.Format(m.Amount, cur)
		m2, err := money.Parse(out, cur)
		if err != nil || m2 != m {
			t.Fatalf("Parse(%q, %q) = %+v; Format = %q re-parses to %+v, %v", s, cur, m, out, m2, err)
		}
	})
}
