package httpx

import "context"

type channelKey struct{}

// SalesChannel returns the sales channel a store request selected with its
// publishable key, or "" for the default channel (no key). Store handlers
// pass it to their service's channel-aware queries.
func SalesChannel(ctx context.Context) string {
	s, _ := ctx.Value(channelKey{}).(string)
	return s
}

// WithSalesChannel returns ctx carrying channel as the request's sales
// channel (set by the store middleware of platform/auth, and by tests).
func WithSalesChannel(ctx context.Context, channel string) context.Context {
	return context.WithValue(ctx, channelKey{}, channel)
}
