package jetstream

import "testing"

func TestSubjects(t *testing.T) {
	if got := commonWildcard([]string{"agora.catalog.product.*", "agora.catalog.category.*"}); got != "agora.catalog.>" {
		t.Errorf("commonWildcard = %s", got)
	}
	if got := commonWildcard([]string{"agora.catalog.product.*", "agora.pricing.>"}); got != "agora.>" {
		t.Errorf("commonWildcard = %s", got)
	}
	for _, c := range []struct {
		subject string
		want    bool
	}{
		{"agora.catalog.product.created", true},
		{"agora.catalog.category.deleted", true},
		{"agora.catalog.collection.created", false},
		{"agora.catalog.product", false},
		{"agora.catalog.product.created.extra", false},
		{"agora.pricing.x.y", true},
	} {
		if got := matchesAny([]string{"agora.catalog.product.*", "agora.catalog.category.*", "agora.pricing.>"}, c.subject); got != c.want {
			t.Errorf("matchesAny(%s) = %v", c.subject, got)
		}
	}
	for v, want := range map[string]bool{"2.9.10": false, "2.10.0": true, "2.15.2": true, "3.0.0": true, "": false, "x.y": false} {
		if got := versionAtLeast(v, 2, 10); got != want {
			t.Errorf("versionAtLeast(%q) = %v", v, got)
		}
	}
}
