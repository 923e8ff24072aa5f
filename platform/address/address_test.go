package address

import "testing"

func TestCountry(t *testing.T) {
	for c, want := range map[string]bool{"US": true, "FR": true, "DE": true, "us": false, "UK": false, "EU": false, "ZZ": false, "XX": false, "USA": false, "": false, "U1": false} {
		if got := Country(c); got != want {
			t.Errorf("Country(%q) = %v, want %v", c, got, want)
		}
	}
}

func TestSubdivision(t *testing.T) {
	for _, tc := range []struct {
		country, in, want string
		ok                bool
	}{
		{"US", "NY", "US-NY", true}, {"US", "us-ny", "US-NY", true}, {"US", " ny ", "US-NY", true}, {"FR", "75", "FR-75", true},
		{"US", "", "", true}, {"US", "NEWY", "", false}, {"US", "N.Y", "", false}, {"US", "CA-ON", "", false},
	} {
		got, ok := Subdivision(tc.country, tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Subdivision(%q, %q) = %q %v, want %q %v", tc.country, tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestEmail(t *testing.T) {
	for s, want := range map[string]bool{"ada@example.com": true, "a.b+c@example.co.uk": true, "Ada <ada@example.com>": false, " ada@example.com": false,
		"ada": false, "ada@": false, "@example.com": false, "": false, "a@b@c": false} {
		if got := Email(s); got != want {
			t.Errorf("Email(%q) = %v, want %v", s, got, want)
		}
	}
}
