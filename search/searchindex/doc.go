package searchindex

import (
	"github.com/agoracommerce/agora/catalog"
)

// FromProduct is the document of a catalog product: the lowest variant
// list price per currency, searchable when published and not deleted, with
// its variants' SKUs (in stock until inventory says none can be sold) and
// their ids and list prices (for price lists).
func FromProduct(p catalog.Product) Doc {
	d := Doc{
		ID: p.ID, Handle: p.Handle, Title: p.Title, Description: p.Description,
		Attributes: p.Attributes, CategoryIDs: p.CategoryIDs, Channels: p.Channels,
		Searchable: p.Status == catalog.Published && p.DeletedAt == nil,
		InStock:    true, Created: p.CreatedAt.Unix(), Version: p.Version,
	}
	if len(p.Translations) > 0 {
		d.Translations = make(map[string]Text, len(p.Translations))
		for loc, t := range p.Translations {
			d.Translations[loc] = Text{Title: t.Title, Description: t.Description}
		}
	}
	best := -1
	for i, m := range p.Media {
		if best < 0 || m.Position < p.Media[best].Position {
			best = i
		}
	}
	if best >= 0 {
		d.Image = p.Media[best].URL
	}
	for _, v := range p.Variants {
		if v.SKU != "" {
			d.SKUs = append(d.SKUs, v.SKU)
		}
		if v.ID != "" {
			d.Variants = append(d.Variants, Variant{ID: v.ID, Prices: v.Prices})
		}
		for _, pr := range v.Prices {
			if d.Prices == nil {
				d.Prices = map[string]int64{}
			}
			if old, ok := d.Prices[pr.Currency]; !ok || pr.Amount < old {
				d.Prices[pr.Currency] = pr.Amount
			}
		}
	}
	return d
}

// FromCategory is the index's view of a catalog category.
func FromCategory(c catalog.Category) Category {
	return Category{ID: c.ID, Handle: c.Handle, Name: c.Name, ParentID: c.ParentID}
}
