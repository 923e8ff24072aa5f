package catalogseed

// The words products are made of. Brand and model names are invented; any
// likeness to a real trademark is accidental.

// word is a term with its German and French translations.
type word struct{ en, de, fr string }

// optionSpec is a dimension variants can differ in. The values of an
// ordered option go from cheapest to dearest (sizes, pack sizes), so a
// variant's price rises with its value's position; an unordered option
// (colour, flavour) does not change the price.
type optionSpec struct {
	name    string
	values  []string
	ordered bool
}

// attrSpec is an attribute a product of a profile may carry.
type attrSpec struct {
	name   string
	values []string
}

// profile is how the products of one part of the taxonomy look: who makes
// them, what they are made of, how they vary and what they cost.
type profile struct {
	brands     []string
	adjectives []string
	materials  []word // may be empty: no "material" attribute
	colors     []word
	options    []optionSpec // the first is the usual one; colour comes from colors
	suffixes   []string     // model suffixes: "Pro", "Mini"
	attrs      []attrSpec
	uses       []string // "for …" phrases of the description
	benefits   []string // whole sentences
	plural     bool     // keep the category's plural as the noun ("Cookies")
	// priceMin and priceMax bound a product's base price in US cents
	// (log-uniform between them); weightMin and weightMax its weight in grams.
	priceMin, priceMax   int64
	weightMin, weightMax int64
	warrantyYears        []int
}

// profileOf maps a taxonomy root to its profile; roots not listed get
// profiles["home"].
var profileOf = map[string]string{
	"Animals & Pet Supplies":    "pets",
	"Apparel & Accessories":     "apparel",
	"Arts & Entertainment":      "arts",
	"Baby & Toddler":            "baby",
	"Business & Industrial":     "tools",
	"Cameras & Optics":          "tech",
	"Electronics":               "tech",
	"Food, Beverages & Tobacco": "food",
	"Furniture":                 "home",
	"Hardware":                  "tools",
	"Health & Beauty":           "beauty",
	"Home & Garden":             "home",
	"Luggage & Bags":            "bags",
	"Media":                     "media",
	"Office Supplies":           "arts",
	"Religious & Ceremonial":    "arts",
	"Software":                  "media",
	"Sporting Goods":            "sport",
	"Toys & Games":              "toys",
	"Vehicles & Parts":          "tools",
}

var (
	neutralColors = []word{
		{"Black", "Schwarz", "noir"}, {"White", "Weiß", "blanc"}, {"Charcoal", "Anthrazit", "anthracite"},
		{"Sand", "Sand", "sable"}, {"Navy", "Marineblau", "bleu marine"}, {"Sage Green", "Salbeigrün", "vert sauge"},
		{"Terracotta", "Terrakotta", "terre cuite"}, {"Stone Grey", "Steingrau", "gris pierre"},
	}
	apparelColors = []word{
		{"Black", "Schwarz", "noir"}, {"White", "Weiß", "blanc"}, {"Navy", "Marineblau", "bleu marine"},
		{"Heather Grey", "Grau meliert", "gris chiné"}, {"Olive", "Oliv", "olive"}, {"Camel", "Camel", "camel"},
		{"Burgundy", "Bordeaux", "bordeaux"}, {"Ecru", "Ecru", "écru"}, {"Forest Green", "Waldgrün", "vert forêt"},
		{"Rust", "Rost", "rouille"}, {"Sky Blue", "Himmelblau", "bleu ciel"},
	}
	techColors = []word{
		{"Black", "Schwarz", "noir"}, {"White", "Weiß", "blanc"}, {"Silver", "Silber", "argent"},
		{"Space Grey", "Space Grau", "gris sidéral"}, {"Midnight Blue", "Mitternachtsblau", "bleu nuit"},
		{"Graphite", "Graphit", "graphite"}, {"Sage", "Salbei", "sauge"},
	}
	brightColors = []word{
		{"Coral", "Koralle", "corail"}, {"Mint", "Mint", "menthe"}, {"Sky Blue", "Himmelblau", "bleu ciel"},
		{"Sunflower", "Sonnengelb", "tournesol"}, {"Cream", "Creme", "crème"}, {"Blush", "Rosé", "rose poudré"},
		{"Red", "Rot", "rouge"}, {"Teal", "Petrol", "bleu canard"},
	}
	toolColors = []word{
		{"Yellow", "Gelb", "jaune"}, {"Black", "Schwarz", "noir"}, {"Orange", "Orange", "orange"},
		{"Red", "Rot", "rouge"}, {"Blue", "Blau", "bleu"}, {"Green", "Grün", "vert"},
	}

	apparelSizes = optionSpec{"Size", []string{"XS", "S", "M", "L", "XL", "XXL"}, true}
	genericSizes = optionSpec{"Size", []string{"Small", "Medium", "Large", "Extra Large"}, true}
	packs        = optionSpec{"Pack", []string{"Single", "Set of 2", "Set of 4", "Set of 6"}, true}
)

// origins are countries of manufacture.
var origins = []string{"Portugal", "Denmark", "Germany", "Italy", "Japan", "Vietnam", "Poland", "United States", "Mexico", "India", "Turkey", "Taiwan", "China", "Sweden", "Spain"}

// models are model names used in titles ("Nordhaven Halden Bookcase").
var models = []string{"Halden", "Aria", "Sola", "Vega", "Orla", "Nova", "Linnea", "Atlas", "Mira", "Cleo", "Juno", "Oslo", "Bergen", "Sable", "Ridge", "Vale", "Ember", "Fenna", "Tova", "Rune", "Elba", "Kira", "Loma", "Sora"}

var profiles = map[string]*profile{
	"home": {
		brands:     []string{"Nordhaven", "Alder & Ash", "Maple Row", "Oakhollow", "Saltmarsh Home", "Linden Lane", "Fjordline", "Hearthstone", "Tidewater", "Cedarline", "Willowmere", "Kestrel & Co."},
		adjectives: []string{"Modern", "Classic", "Compact", "Nordic", "Rustic", "Minimal", "Round", "Slim", "Stackable", "Handmade"},
		materials: []word{{"Oak", "Eiche", "chêne"}, {"Walnut", "Nussbaum", "noyer"}, {"Ash", "Esche", "frêne"}, {"Beech", "Buche", "hêtre"},
			{"Bamboo", "Bambus", "bambou"}, {"Rattan", "Rattan", "rotin"}, {"Teak", "Teak", "teck"}, {"Steel", "Stahl", "acier"},
			{"Brass", "Messing", "laiton"}, {"Marble", "Marmor", "marbre"}, {"Linen", "Leinen", "lin"}, {"Velvet", "Samt", "velours"},
			{"Stoneware", "Steinzeug", "grès"}, {"Glass", "Glas", "verre"}, {"Ceramic", "Keramik", "céramique"}},
		colors:   neutralColors,
		options:  []optionSpec{genericSizes, {"Width", []string{"80 cm", "120 cm", "160 cm", "200 cm"}, true}, packs},
		suffixes: []string{"Classic", "Duo", "Plus", "XL", "Mini"},
		attrs: []attrSpec{{"care", []string{"Wipe clean with a damp cloth", "Oil once a year", "Dishwasher safe", "Dry clean only"}},
			{"assembly", []string{"Fully assembled", "Easy assembly, tools included", "No assembly required"}}},
		uses: []string{"everyday living", "small apartments", "busy family homes", "open-plan spaces", "slow Sunday mornings", "entertaining friends"},
		benefits: []string{"Every piece is finished by hand and checked before it leaves the workshop.",
			"Sustainably sourced materials and a timeless shape that will outlast the trends.",
			"Sturdy, easy to care for and made to be used every day.",
			"Designed in Copenhagen and made by a small family workshop."},
		priceMin: 1500, priceMax: 180000, weightMin: 300, weightMax: 45000, warrantyYears: []int{2, 5, 10},
	},
	"apparel": {
		brands:     []string{"Harbor Lane", "Northwind Supply", "Ecru Studio", "Fernwood", "Wren & Vale", "Common Thread", "Bluff & Co.", "Ostara", "Marlowe", "Tern"},
		adjectives: []string{"Relaxed", "Slim-Fit", "Oversized", "Classic", "Everyday", "Lightweight", "Quilted", "Ribbed", "Waterproof"},
		materials: []word{{"Organic Cotton", "Bio-Baumwolle", "coton bio"}, {"Linen", "Leinen", "lin"}, {"Merino Wool", "Merinowolle", "laine mérinos"},
			{"Cashmere", "Kaschmir", "cachemire"}, {"Denim", "Denim", "denim"}, {"Leather", "Leder", "cuir"}, {"Silk", "Seide", "soie"},
			{"Recycled Nylon", "recyceltem Nylon", "nylon recyclé"}, {"Corduroy", "Cord", "velours côtelé"}, {"Fleece", "Fleece", "polaire"}},
		colors:   apparelColors,
		options:  []optionSpec{apparelSizes},
		suffixes: []string{"Essential", "Classic", "Heritage", "Travel", "Studio"},
		attrs: []attrSpec{{"fit", []string{"Regular", "Slim", "Relaxed", "Oversized"}},
			{"care", []string{"Machine wash at 30 °C", "Hand wash cold", "Dry clean only", "Machine wash at 40 °C"}}},
		uses: []string{"everyday wear", "the commute", "weekends away", "layering through the seasons", "warm summer evenings"},
		benefits: []string{"Cut from certified fabric in a mill that runs on renewable energy.",
			"A true-to-size fit that keeps its shape wash after wash.",
			"Finished with reinforced seams and natural corozo buttons.",
			"Made in small runs to avoid overproduction."},
		priceMin: 1200, priceMax: 45000, weightMin: 80, weightMax: 2500, warrantyYears: []int{1, 2},
	},
	"bags": {
		brands:     []string{"Waypoint", "Harbor Lane", "Carryall & Co.", "Nomad Field", "Brightwell", "Tern"},
		adjectives: []string{"Weekender", "Packable", "Carry-On", "Roll-Top", "Waterproof", "Slim"},
		materials: []word{{"Leather", "Leder", "cuir"}, {"Waxed Canvas", "gewachstem Canvas", "toile cirée"}, {"Recycled Nylon", "recyceltem Nylon", "nylon recyclé"},
			{"Cordura", "Cordura", "Cordura"}, {"Suede", "Wildleder", "daim"}},
		colors:   apparelColors,
		options:  []optionSpec{{"Size", []string{"Small", "Medium", "Large"}, true}, {"Capacity", []string{"20 L", "30 L", "40 L"}, true}},
		suffixes: []string{"Pro", "Mini", "Travel", "Daypack", "Plus"},
		attrs:    []attrSpec{{"closure", []string{"Zip", "Magnetic snap", "Buckle", "Drawstring"}}},
		uses:     []string{"daily commutes", "long weekends", "carry-on travel", "the office and beyond"},
		benefits: []string{"Padded laptop sleeve and a hidden pocket for passports.",
			"YKK zips and bar-tacked stress points throughout.",
			"Water-resistant and built to be repaired, not replaced."},
		priceMin: 2500, priceMax: 60000, weightMin: 200, weightMax: 4000, warrantyYears: []int{2, 5, 10},
	},
	"tech": {
		brands:     []string{"Lumen", "Voltaic", "Arcwave", "Pixelforge", "Quanta Labs", "Brightwell", "Sonora", "Helix Audio", "Corvid", "Nimbus"},
		adjectives: []string{"Wireless", "Smart", "Portable", "Compact", "Digital", "Rugged", "Ultra-Slim", "Rechargeable", "USB-C"},
		colors:     techColors,
		options: []optionSpec{{"Edition", []string{"Standard", "Plus", "Pro"}, true},
			{"Storage", []string{"64 GB", "128 GB", "256 GB", "512 GB", "1 TB"}, true},
			{"Plug", []string{"US", "EU", "UK"}, false}},
		suffixes: []string{"Pro", "Max", "Mini", "Air", "Plus", "2", "X", "Lite", "Go", "S"},
		attrs: []attrSpec{{"connectivity", []string{"Bluetooth 5.3", "Wi-Fi 6", "USB-C", "Wi-Fi 6E and Bluetooth 5.3", "Wired"}},
			{"power", []string{"Battery, up to 30 h", "Mains powered", "USB-C, 20 W", "Battery, up to 12 h"}}},
		uses: []string{"home offices", "travel", "gaming and streaming", "creative work", "the whole family"},
		benefits: []string{"Firmware updates over the air keep it getting better.",
			"Tested for 10,000 hours before it ships.",
			"Sets up in under a minute, no account required.",
			"Low standby power and a housing made from recycled aluminium."},
		priceMin: 999, priceMax: 249900, weightMin: 30, weightMax: 9000, warrantyYears: []int{1, 2, 3},
	},
	"media": {
		brands:     []string{"Quarto House", "Blue Heron Press", "Meridian Media", "Kiln Records", "Lantern Books", "Codeyard"},
		adjectives: []string{"Complete", "Deluxe", "Illustrated", "Essential", "Annotated"},
		colors:     neutralColors,
		options:    []optionSpec{{"Edition", []string{"Standard", "Deluxe", "Collector's"}, true}, {"Format", []string{"Digital", "Physical"}, true}},
		suffixes:   []string{"Vol. 1", "Vol. 2", "Second Edition", "Anniversary Edition"},
		attrs:      []attrSpec{{"language", []string{"English", "English, German, French", "Multilingual"}}},
		uses:       []string{"collectors", "long evenings", "curious minds", "the classroom"},
		benefits: []string{"Remastered from the original sources.", "Includes a printed booklet with notes from the makers.",
			"Printed on FSC-certified paper."},
		priceMin: 499, priceMax: 14999, weightMin: 50, weightMax: 1500, warrantyYears: []int{1},
	},
	"food": {
		brands:     []string{"Saltmarsh", "Golden Acre", "Little Orchard", "Hillfold Farm", "Copper Kettle", "Bramble & Bee", "Old Mill", "Terra Verde"},
		adjectives: []string{"Organic", "Artisan", "Small-Batch", "Single-Origin", "Stone-Ground", "Cold-Pressed", "Slow-Roasted", "Fair Trade"},
		materials: []word{{"Sea Salt", "Meersalz", "sel de mer"}, {"Dark Chocolate", "Zartbitterschokolade", "chocolat noir"}, {"Vanilla", "Vanille", "vanille"},
			{"Wild Berry", "Waldbeere", "fruits des bois"}, {"Smoked Paprika", "geräuchertem Paprika", "paprika fumé"}, {"Honey", "Honig", "miel"},
			{"Lemon & Thyme", "Zitrone und Thymian", "citron et thym"}, {"Espresso", "Espresso", "espresso"}, {"Matcha", "Matcha", "matcha"}, {"Cardamom", "Kardamom", "cardamome"}},
		colors:   neutralColors,
		options:  []optionSpec{{"Size", []string{"250 g", "500 g", "1 kg"}, true}, {"Pack", []string{"Single", "3-Pack", "6-Pack", "12-Pack"}, true}},
		attrs:    []attrSpec{{"diet", []string{"Vegan", "Vegetarian", "Gluten-free", "Dairy-free", "Keto"}}, {"storage", []string{"Store in a cool, dry place", "Refrigerate after opening"}}},
		uses:     []string{"the weekly shop", "gifting", "slow weekend breakfasts", "the well-stocked pantry"},
		benefits: []string{"Made in small batches from ingredients we can trace to the farm.", "No artificial colours, flavours or preservatives.", "Packed in recyclable glass and paper."},
		plural:   true, priceMin: 199, priceMax: 4999, weightMin: 50, weightMax: 3000,
	},
	"beauty": {
		brands:     []string{"Solenne", "Aurelia", "Fern & Field", "Pure Ritual", "Kinfolk Apothecary", "Maris", "Velour"},
		adjectives: []string{"Gentle", "Hydrating", "Fragrance-Free", "Daily", "Soothing", "Nourishing", "Overnight"},
		materials: []word{{"Hyaluronic Acid", "Hyaluronsäure", "acide hyaluronique"}, {"Vitamin C", "Vitamin C", "vitamine C"}, {"Aloe Vera", "Aloe Vera", "aloe vera"},
			{"Shea Butter", "Sheabutter", "beurre de karité"}, {"Rosehip", "Hagebutte", "rose musquée"}, {"Argan Oil", "Arganöl", "huile d'argan"}, {"Oat", "Hafer", "avoine"}},
		colors:   neutralColors,
		options:  []optionSpec{{"Size", []string{"30 ml", "50 ml", "100 ml", "200 ml"}, true}, {"Scent", []string{"Unscented", "Lavender", "Citrus", "Cedarwood", "Rose"}, false}},
		suffixes: []string{"Plus", "Intense", "Daily", "Sensitive"},
		attrs:    []attrSpec{{"skin_type", []string{"All skin types", "Dry", "Sensitive", "Oily", "Combination"}}, {"vegan", []string{"Yes", "No"}}},
		uses:     []string{"morning and evening routines", "sensitive skin", "the gym bag", "self-care Sundays"},
		benefits: []string{"Dermatologist tested and never tested on animals.", "Formulated without parabens, sulphates or mineral oils.", "Refill pouches use 80% less plastic."},
		priceMin: 499, priceMax: 12999, weightMin: 30, weightMax: 1500, warrantyYears: []int{1},
	},
	"sport": {
		brands:     []string{"Peregrine", "Summitline", "Ironbark", "Trailhead", "Veloce", "Cobalt Athletics", "Riptide", "Fellrunner"},
		adjectives: []string{"Lightweight", "Trail", "All-Weather", "Ultralight", "Training", "Insulated", "Breathable"},
		materials: []word{{"Carbon Fibre", "Carbon", "carbone"}, {"Aluminium", "Aluminium", "aluminium"}, {"Recycled Nylon", "recyceltem Nylon", "nylon recyclé"},
			{"Neoprene", "Neopren", "néoprène"}, {"Merino", "Merino", "mérinos"}, {"Cork", "Kork", "liège"}, {"Titanium", "Titan", "titane"}},
		colors:   append(append([]word{}, apparelColors[:4]...), brightColors[:4]...),
		options:  []optionSpec{{"Size", []string{"S", "M", "L", "XL"}, true}, {"Weight", []string{"2 kg", "5 kg", "10 kg", "20 kg"}, true}},
		suffixes: []string{"Pro", "Elite", "Trail", "Race", "2", "Sport"},
		attrs:    []attrSpec{{"level", []string{"Beginner", "Intermediate", "Advanced", "All levels"}}},
		uses:     []string{"weekend adventures", "training at home", "long days on the trail", "race day"},
		benefits: []string{"Field-tested by our athletes through a full season.", "Built to take a beating and easy to repair.", "Packs down small and weighs next to nothing."},
		priceMin: 999, priceMax: 89900, weightMin: 80, weightMax: 25000, warrantyYears: []int{1, 2, 5},
	},
	"tools": {
		brands:     []string{"Ironclad", "Torque & Tine", "Forgeway", "Steadfast", "Benchmark Tools", "Anvil Works", "Keystone Industrial"},
		adjectives: []string{"Heavy-Duty", "Professional", "Cordless", "Compact", "Industrial", "Precision", "Adjustable", "Weatherproof"},
		materials: []word{{"Steel", "Stahl", "acier"}, {"Stainless Steel", "Edelstahl", "acier inoxydable"}, {"Cast Iron", "Gusseisen", "fonte"},
			{"Aluminium", "Aluminium", "aluminium"}, {"Brass", "Messing", "laiton"}, {"Fibreglass", "Glasfaser", "fibre de verre"}},
		colors:   toolColors,
		options:  []optionSpec{{"Size", []string{"Small", "Medium", "Large"}, true}, {"Length", []string{"1 m", "2 m", "5 m", "10 m"}, true}, {"Pack", []string{"1 piece", "5 pieces", "10 pieces", "25 pieces"}, true}},
		suffixes: []string{"Pro", "HD", "XL", "Max", "Plus"},
		attrs:    []attrSpec{{"power_source", []string{"Manual", "18 V battery", "Mains", "Pneumatic"}}, {"certification", []string{"CE", "UL listed", "CE, UKCA", "ISO 9001"}}},
		uses:     []string{"the workshop", "job sites", "weekend projects", "professional trades"},
		benefits: []string{"Drop-forged and heat-treated for a lifetime of use.", "Meets or exceeds ANSI and DIN standards.", "Replacement parts are available for ten years."},
		priceMin: 299, priceMax: 69900, weightMin: 50, weightMax: 30000, warrantyYears: []int{2, 3, 5},
	},
	"baby": {
		brands:     []string{"Little Acorn", "Pip & Pebble", "Moonbeam", "Wee Folk", "Honeybee Baby"},
		adjectives: []string{"Soft", "Organic", "Travel", "Convertible", "Gentle"},
		materials: []word{{"Organic Cotton", "Bio-Baumwolle", "coton bio"}, {"Bamboo", "Bambus", "bambou"}, {"Beech", "Buche", "hêtre"},
			{"Silicone", "Silikon", "silicone"}, {"Merino Wool", "Merinowolle", "laine mérinos"}},
		colors:   brightColors,
		options:  []optionSpec{{"Age", []string{"0–6 months", "6–12 months", "12–18 months", "18–24 months"}, true}},
		attrs:    []attrSpec{{"age", []string{"0+ months", "6+ months", "12+ months"}}, {"safety", []string{"EN 71 tested", "BPA-free", "OEKO-TEX Standard 100"}}},
		uses:     []string{"newborns", "growing toddlers", "nights away from home", "the nursery"},
		benefits: []string{"Safety tested to EN 71 and free from BPA and phthalates.", "Soft on skin and easy to wash.", "Designed with paediatric nurses."},
		priceMin: 799, priceMax: 49900, weightMin: 50, weightMax: 15000, warrantyYears: []int{1, 2},
	},
	"toys": {
		brands:     []string{"Kite & Key", "Marble Run Co.", "Tinkertown", "Bright Owl", "Puzzlewright", "Little Acorn"},
		adjectives: []string{"Wooden", "Musical", "Stackable", "Magnetic", "Classic", "Family"},
		materials:  []word{{"Beech", "Buche", "hêtre"}, {"Recycled Plastic", "recyceltem Kunststoff", "plastique recyclé"}, {"Felt", "Filz", "feutre"}, {"Cardboard", "Karton", "carton"}},
		colors:     brightColors,
		options:    []optionSpec{genericSizes, packs},
		suffixes:   []string{"Deluxe", "Junior", "Family Edition", "Travel"},
		attrs:      []attrSpec{{"age", []string{"3+ years", "5+ years", "8+ years", "12+ years"}}, {"players", []string{"1", "2–4", "2–6", "1–8"}}},
		uses:       []string{"rainy afternoons", "family game night", "curious little builders", "birthday presents"},
		benefits:   []string{"Tested for safety to EN 71.", "Made to be played with for years and passed on.", "Encourages open-ended, screen-free play."},
		priceMin:   599, priceMax: 19900, weightMin: 80, weightMax: 6000, warrantyYears: []int{1, 2},
	},
	"pets": {
		brands:     []string{"Good Boy Goods", "Whisker & Tail", "Pawstead", "Field Hound", "Kitoko", "Barkley & Sons"},
		adjectives: []string{"Durable", "Chew-Proof", "Orthopedic", "Reflective", "Washable", "Calming", "Interactive"},
		materials: []word{{"Natural Rubber", "Naturkautschuk", "caoutchouc naturel"}, {"Hemp", "Hanf", "chanvre"}, {"Leather", "Leder", "cuir"},
			{"Recycled Polyester", "recyceltem Polyester", "polyester recyclé"}, {"Stainless Steel", "Edelstahl", "acier inoxydable"}},
		colors:   append(append([]word{}, neutralColors[:4]...), brightColors[:4]...),
		options:  []optionSpec{{"Size", []string{"XS", "S", "M", "L", "XL"}, true}, {"Flavor", []string{"Chicken", "Salmon", "Lamb", "Duck"}, false}},
		attrs:    []attrSpec{{"pet", []string{"Dogs", "Cats", "Dogs and cats", "Small animals", "Birds"}}},
		uses:     []string{"dogs of every size", "indoor cats", "long walks", "pets who love to chew"},
		benefits: []string{"Vet-approved and made from non-toxic materials.", "Machine washable and quick to dry.", "Tested by a very demanding panel of rescue dogs."},
		priceMin: 499, priceMax: 19900, weightMin: 50, weightMax: 12000, warrantyYears: []int{1},
	},
	"arts": {
		brands:     []string{"Quill & Vellum", "Paperwright", "Studio Ochre", "Inkwell", "Atelier Blanc", "Gallery Nine"},
		adjectives: []string{"Handmade", "Archival", "Refillable", "Artist-Grade", "Pocket", "Deluxe"},
		materials: []word{{"Recycled Paper", "Recyclingpapier", "papier recyclé"}, {"Cotton Paper", "Baumwollpapier", "papier coton"}, {"Walnut", "Nussbaum", "noyer"},
			{"Brass", "Messing", "laiton"}, {"Linen", "Leinen", "lin"}, {"Beeswax", "Bienenwachs", "cire d'abeille"}, {"Leather", "Leder", "cuir"}},
		colors:   neutralColors,
		options:  []optionSpec{{"Size", []string{"A6", "A5", "A4"}, true}, packs},
		suffixes: []string{"Studio", "Pro", "Classic", "Set"},
		attrs:    []attrSpec{{"made_in", []string{"Small workshop", "Artisan studio"}}},
		uses:     []string{"sketching on the go", "the studio", "journaling", "thoughtful gifts"},
		benefits: []string{"Acid-free and made to last for generations.", "Each one is made by hand, so no two are exactly alike.", "Refills are available for as long as we make it."},
		priceMin: 299, priceMax: 29900, weightMin: 20, weightMax: 5000, warrantyYears: []int{1, 2},
	},
}

// closings end a description.
var closings = []string{
	"Ships in recyclable packaging.",
	"Free returns within 30 days.",
	"Free delivery on orders over $50.",
	"Order before 2 pm for same-day dispatch.",
}

// German and French text of translated descriptions.
var (
	deBenefits = []string{"Sorgfältig verarbeitet und für den täglichen Gebrauch gemacht.", "Langlebig, pflegeleicht und zeitlos im Design.",
		"Von unserem Team entworfen und vor dem Versand einzeln geprüft."}
	deClosings = []string{"Versand in recycelbarer Verpackung.", "Kostenlose Rücksendung innerhalb von 30 Tagen.", "Bestellungen bis 14 Uhr versenden wir am selben Tag."}
	frBenefits = []string{"Fabriqué avec soin et conçu pour un usage quotidien.", "Durable, facile d'entretien et au design intemporel.",
		"Conçu par notre équipe et contrôlé un par un avant l'expédition."}
	frClosings = []string{"Expédié dans un emballage recyclable.", "Retours gratuits sous 30 jours.", "Commande avant 14 h, expédition le jour même."}
)

// singular maps plural nouns whose singular the suffix rules get wrong; a
// noun mapped to itself stays as it is.
var singular = map[string]string{
	"Accessories": "Accessory Set", "Supplies": "Supply Kit", "Clothes": "Clothes", "Shoes": "Shoe",
	"Knives": "Knife", "Shelves": "Shelf", "Leaves": "Leaf", "Halves": "Half", "Wolves": "Wolf", "Loaves": "Loaf",
	"Potatoes": "Potato", "Tomatoes": "Tomato", "Heroes": "Hero", "Cookies": "Cookie", "Movies": "Movie",
	"Ties": "Tie", "Pies": "Pie", "Brownies": "Brownie", "Smoothies": "Smoothie", "Hoodies": "Hoodie", "Beanies": "Beanie",
	"Onesies": "Onesie", "Lingerie": "Lingerie", "Series": "Series", "Species": "Species", "Sunglasses": "Sunglasses",
	"Eyeglasses": "Eyeglasses", "Glasses": "Glasses", "Jeans": "Jeans", "Pants": "Pants", "Shorts": "Shorts", "Leggings": "Leggings",
	"Pajamas": "Pajamas", "Trousers": "Trousers", "Scissors": "Scissors", "Tongs": "Tongs", "Binoculars": "Binoculars",
	"Headphones": "Headphones", "Earbuds": "Earbuds", "Goggles": "Goggles", "Overalls": "Overalls", "Pliers": "Pliers",
	"Tweezers": "Tweezers", "Clippers": "Clippers", "Electronics": "Electronics", "Cosmetics": "Cosmetics", "Graphics": "Graphics",
	"Optics": "Optics", "Mattresses": "Mattress", "Dresses": "Dress", "Canvases": "Canvas", "Buses": "Bus", "Lenses": "Lens",
	"Boxes": "Box", "Indexes": "Index", "Gloves": "Gloves", "Mittens": "Mittens", "Socks": "Socks", "Slippers": "Slippers",
	"Sneakers": "Sneakers", "Boots": "Boots", "Sandals": "Sandals", "Skates": "Skates", "Skis": "Skis", "Dice": "Dice",
	"Games": "Game", "Toys": "Toy", "Products": "Product", "Equipment": "Equipment", "Furniture": "Furniture",
	"Bases": "Base", "Cases": "Case", "Vases": "Vase", "Houses": "House", "Horses": "Horse", "Purses": "Purse", "Blouses": "Blouse",
}

// bigTicket and smallTicket are head nouns of dear and of cheap things
// (lower case, singular), for priceLevel.
var (
	bigTicket = set("sofa", "couch", "sectional", "bed", "table", "desk", "wardrobe", "armoire", "dresser", "cabinet", "bookcase",
		"television", "refrigerator", "freezer", "dishwasher", "oven", "range", "mattress", "bicycle", "laptop", "computer", "projector",
		"piano", "grill", "treadmill", "kayak", "canoe", "tent", "drone", "console", "generator", "camera", "telescope", "stroller",
		"crib", "boat", "engine", "saw", "mower", "heater", "conditioner", "amplifier", "receiver", "monitor", "printer", "guitar",
		"drum", "violin", "cello", "machine", "safe", "fireplace", "sauna", "spa", "scooter", "motorcycle", "trailer", "chandelier",
		"recliner", "bench", "loveseat", "headboard", "vanity", "sideboard", "buffet", "hutch", "ottoman", "coat", "jacket", "suit")
	smallTicket = set("magnet", "band", "clip", "tape", "decal", "envelope", "sticker", "pin", "card", "candle", "battery", "cable",
		"sock", "socks", "bookmark", "pen", "pencil", "eraser", "label", "spice", "fastener", "screw", "nail", "bolt", "nut", "hook",
		"filter", "brush", "sponge", "refill", "ink", "glue", "cord", "straw", "napkin", "coaster", "ornament", "charm", "button",
		"thread", "needle", "bead", "patch", "lace", "seed", "bulb", "fuse", "sandpaper", "polish", "marker", "crayon", "chalk",
		"soap", "floss", "toothbrush", "razor", "cleaner", "treat", "sharpener", "staple", "tack", "washer", "rivet", "spring", "gasket",
		"wick", "match", "lighter", "balloon", "confetti", "ribbon", "wrap", "bag", "liner", "wipe", "glove", "mitten", "tie", "sachet")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
