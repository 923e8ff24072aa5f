package app

import (
	"context"
	"hash/fnv"

	"github.com/agoracommerce/agora/catalog"
	"github.com/agoracommerce/agora/catalog/catalogseed"
	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/platform/module"
)

// loadDemo fills an empty store with the demo catalog and, when the
// inventory module runs, stock for every demo SKU (a deterministic 0–40
// units, so that a few variants are sold out).
func loadDemo(ctx context.Context, env *Env) error {
	svc, ok, err := module.Optional[catalog.Service](env, catalog.Module)
	if err != nil || !ok {
		return err // nil when the catalog does not run in this process
	}
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
	stocked := 0
	inv, ok, err := module.Optional[inventory.Service](env, inventory.Module)
	if err != nil {
		return err
	}
	if ok {
		cursor := ""
		for {
			page, err := svc.ListProducts(ctx, catalog.ListProductsQuery{Limit: catalog.MaxListLimit, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, p := range page.Data {
				for _, v := range p.Variants {
					if v.SKU == "" {
						continue
					}
					if _, err := inv.SetLevel(ctx, inventory.SetLevelCommand{SKU: v.SKU, OnHand: demoStock(v.SKU), Reason: "demo"}); err != nil {
						return err
					}
					stocked++
				}
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
	}
	env.Log.Info("loaded the demo catalog", "categories", res.Categories, "products", res.Products, "variants", res.Variants, "skus_stocked", stocked)
	return nil
}

// demoStock is a stable stock level per SKU: mostly in stock, about one in
// ten sold out.
func demoStock(sku string) int64 {
	h := fnv.New32a()
	h.Write([]byte(sku))
	n := int64(h.Sum32() % 41)
	if n < 4 {
		return 0
	}
	return n
}
