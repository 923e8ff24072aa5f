package app

import (
	"context"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogseed"
)

// loadDemo fills an empty catalog with the demo catalog.
func loadDemo(ctx context.Context, env *Env, svc catalog.Service) error {
	page, err := svc.ListProducts(ctx, catalog.ListProductsQuery{Limit: 1})
	if err != nil {
		return err
	}
	if len(page.Data) > 0 {
		env.Log.Info("demo catalog skipped: the store is not empty")
		return nil
	}
	res, err := catalogseed.Demo(ctx, svc, nil)
	if err != nil {
		return err
	}
	env.Log.Info("loaded the demo catalog", "categories", res.Categories, "products", res.Products, "variants", res.Variants)
	return nil
}
