/**
 * Deterministic demo catalog: categories, brands and products with variants,
 * images and attributes, shaped exactly like the catalog tables.
 *
 * Pure (no Node or Worker APIs), so it runs in the seed CLI, in tests and
 * could run in a Worker. Product `i` depends only on `(seed, i)`, never on the
 * products before it, so products are produced lazily in any chunk size and a
 * smaller catalog is the prefix of a larger one with the same seed (apart from
 * the zero-padding width of numbers above 99,999).
 */
import type { brands, categories, productAttributes, productImages, products, productVariants } from "../../worker/catalog/tables.ts";

export type CategoryRow = typeof categories.$inferSelect;
export type BrandRow = typeof brands.$inferSelect;
export type ProductRow = typeof products.$inferSelect;
export type VariantRow = typeof productVariants.$inferSelect;
export type ImageRow = typeof productImages.$inferSelect;
export type AttributeRow = typeof productAttributes.$inferSelect;

/** One product with the rows of its child tables. */
export interface SeedProduct {
  product: ProductRow;
  variants: VariantRow[];
  images: ImageRow[];
  attributes: AttributeRow[];
}

export interface CatalogOptions {
  /** Number of products (default 1,000). */
  products?: number;
  /** PRNG seed (default 1). */
  seed?: number;
  /** The store's return window in days, as descriptions promise it (default 30, the settings' default). */
  returnWindowDays?: number;
}

export interface GeneratedCatalog {
  seed: number;
  productCount: number;
  categories: CategoryRow[];
  brands: BrandRow[];
  /** Products `start` (inclusive) to `end` (exclusive), generated lazily. */
  products(start?: number, end?: number): Generator<SeedProduct>;
  /** All products in arrays of at most `size`. */
  chunks(size: number): Generator<SeedProduct[]>;
}

export const DEFAULT_PRODUCTS = 1_000;
export const DEFAULT_SEED = 1;
/** created_at values are spread over the two years before this instant (never the clock, so output is stable). */
export const REFERENCE_DATE = "2026-11-01T00:00:00.000Z";
const REFERENCE_MS = Date.parse(REFERENCE_DATE);
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------
// Randomness

/** 32-bit integer hash of two numbers (murmur3 finalizer over a mix). */
export function hash32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: a small, fast PRNG with 32 bits of state; returns floats in [0, 1). */
export function mulberry32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;

const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
const chance = (r: Rng, p: number) => r() < p;

/** `count` distinct items in random order. */
function sample<T>(r: Rng, list: readonly T[], count: number): T[] {
  const copy = list.slice();
  const n = Math.min(count, copy.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(r() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, n);
}

/** `count` adjacent items (sizes stay a continuous run). */
function run<T>(r: Rng, list: readonly T[], count: number): T[] {
  const n = Math.min(count, list.length);
  const start = Math.floor(r() * (list.length - n + 1));
  return list.slice(start, start + n);
}

// ---------------------------------------------------------------------------
// Reference data

/** Colour names used for variants and names, with the family used for the `color` attribute. */
const COLOR_FAMILY: Record<string, string> = {
  Black: "Black",
  White: "White",
  Ivory: "White",
  Cream: "Neutral",
  Oat: "Neutral",
  Sand: "Neutral",
  Navy: "Blue",
  "Sky Blue": "Blue",
  "Midnight Blue": "Blue",
  "Dusty Blue": "Blue",
  Blue: "Blue",
  Grey: "Grey",
  "Heather Grey": "Grey",
  Charcoal: "Grey",
  Graphite: "Grey",
  Slate: "Grey",
  Silver: "Metallic",
  Olive: "Green",
  "Forest Green": "Green",
  Sage: "Green",
  Green: "Green",
  Red: "Red",
  Burgundy: "Red",
  Rust: "Orange",
  Terracotta: "Orange",
  Orange: "Orange",
  Coral: "Orange",
  Mustard: "Yellow",
  Camel: "Brown",
  Tan: "Brown",
  Brown: "Brown",
  Blush: "Pink",
  Lavender: "Purple",
};

const PALETTES = {
  apparel: [
    "Black",
    "White",
    "Navy",
    "Heather Grey",
    "Charcoal",
    "Olive",
    "Forest Green",
    "Burgundy",
    "Rust",
    "Sand",
    "Camel",
    "Sky Blue",
    "Cream",
    "Mustard",
    "Blush",
  ],
  footwear: ["Black", "White", "Tan", "Brown", "Navy", "Grey", "Olive", "Sand"],
  home: ["White", "Ivory", "Sage", "Slate", "Terracotta", "Charcoal", "Oat", "Dusty Blue", "Mustard"],
  tech: ["Black", "White", "Silver", "Graphite", "Midnight Blue", "Sage", "Coral", "Sand"],
  outdoor: ["Black", "Olive", "Forest Green", "Orange", "Slate", "Red", "Sky Blue", "Sand", "Navy"],
  paper: ["Black", "Navy", "Forest Green", "Burgundy", "Tan", "Coral", "Lavender", "Sage"],
};

/** Colour words that may open a product name when its variants do not vary by colour. */
const COLOR_WORDS = [
  "Red",
  "Blue",
  "Green",
  "Black",
  "White",
  "Navy",
  "Olive",
  "Sand",
  "Sage",
  "Slate",
  "Ivory",
  "Rust",
  "Coral",
  "Charcoal",
  "Mustard",
  "Terracotta",
];

const ADJECTIVES = [
  "Aurora",
  "Summit",
  "Harbor",
  "Nordic",
  "Coastal",
  "Heritage",
  "Everyday",
  "Classic",
  "Studio",
  "Meridian",
  "Alpine",
  "Urban",
  "Drift",
  "Ember",
  "Willow",
  "Cedar",
  "Nova",
  "Terra",
  "Luna",
  "Solstice",
  "Canyon",
  "Prairie",
  "Tundra",
  "Haven",
  "Voyager",
  "Pioneer",
  "Horizon",
  "Juniper",
  "Kestrel",
  "Mesa",
  "Orchard",
  "Sierra",
];

interface Dim {
  name: string;
  values: readonly string[];
  /** How many values a product gets: [min, max]. */
  count: readonly [number, number];
  /** Chance that a product has this option at all (default 1). */
  p?: number;
  /** Values are ordered (sizes): take a continuous run, and raise the price by `step` per position. */
  ordered?: boolean;
  step?: number;
}

const APPAREL_SIZES: Dim = { name: "size", values: ["XS", "S", "M", "L", "XL", "XXL"], count: [4, 5], ordered: true };
const SHOE_SIZES: Dim = {
  name: "size",
  values: ["6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "12", "13"],
  count: [5, 8],
  ordered: true,
};
const color = (palette: readonly string[], count: [number, number], p = 1): Dim => ({ name: "color", values: palette, count, p });

interface Line {
  materials: readonly string[];
  nouns: readonly string[];
  /** Replaces the subcategory's options for this line. */
  dims?: readonly Dim[];
}

interface Sub {
  slug: string;
  name: string;
  description: string;
  lines: readonly Line[];
  dims: readonly Dim[];
  /** Base price range in whole dollars. */
  price: readonly [number, number];
  /** Shipping weight range in grams. */
  weight: readonly [number, number];
  /** Attribute name for the second name word ("material" unless it names a feature). */
  materialAttr?: string;
  /** Extra attributes: name -> values, one picked per product. */
  attrs?: Record<string, readonly string[]>;
  /** Relative share of products. */
  share?: number;
}

interface Dept {
  slug: string;
  name: string;
  description: string;
  palette: keyof typeof PALETTES;
  subs: readonly Sub[];
}

const FIT = ["Regular", "Relaxed", "Slim", "Oversized"];
const CARE = ["Machine wash cold", "Hand wash", "Dry clean only", "Machine wash warm"];
const AGES = ["3+", "5+", "8+", "12+", "14+"];

const DEPARTMENTS: readonly Dept[] = [
  {
    slug: "apparel",
    name: "Apparel",
    description: "Everyday clothing in natural fibres, cut to last.",
    palette: "apparel",
    subs: [
      {
        slug: "sweaters-knitwear",
        name: "Sweaters & Knitwear",
        description: "Warm layers knitted from wool, cashmere and cotton.",
        lines: [
          {
            materials: ["Merino", "Cashmere", "Lambswool", "Cotton", "Alpaca"],
            nouns: ["Crew Sweater", "Cardigan", "Turtleneck", "Quarter-Zip Sweater", "Cable-Knit Sweater"],
          },
          { materials: ["Fleece", "French Terry", "Brushed Cotton"], nouns: ["Hoodie", "Sweatshirt", "Zip Hoodie"] },
        ],
        dims: [APPAREL_SIZES, color(PALETTES.apparel, [1, 3])],
        price: [49, 229],
        weight: [280, 650],
        attrs: { fit: FIT, care: CARE },
        share: 1.4,
      },
      {
        slug: "t-shirts-tops",
        name: "T-Shirts & Tops",
        description: "Tees, henleys and polos for every day of the week.",
        lines: [
          {
            materials: ["Organic Cotton", "Pima Cotton", "Linen", "Bamboo", "Slub Cotton", "Jersey"],
            nouns: ["Pocket Tee", "Crew Tee", "Henley", "Tank Top", "Polo", "Long-Sleeve Tee"],
          },
        ],
        dims: [APPAREL_SIZES, color(PALETTES.apparel, [2, 3])],
        price: [14, 59],
        weight: [140, 260],
        attrs: { fit: FIT, care: CARE },
        share: 1.6,
      },
      {
        slug: "shirts",
        name: "Shirts",
        description: "Oxfords, overshirts and camp collars in woven cotton and linen.",
        lines: [
          {
            materials: ["Cotton", "Linen", "Chambray", "Poplin", "Flannel", "Corduroy", "Twill"],
            nouns: ["Oxford Shirt", "Button-Down Shirt", "Camp Collar Shirt", "Overshirt", "Work Shirt"],
          },
        ],
        dims: [APPAREL_SIZES, color(PALETTES.apparel, [1, 2])],
        price: [39, 129],
        weight: [220, 420],
        attrs: { fit: FIT, care: CARE },
        share: 1.3,
      },
      {
        slug: "jackets-coats",
        name: "Jackets & Coats",
        description: "Outer layers for rain, wind and cold.",
        lines: [
          {
            materials: ["Waxed Cotton", "Nylon", "Recycled Polyester", "Wool", "Ripstop", "Softshell"],
            nouns: ["Rain Jacket", "Parka", "Bomber Jacket", "Puffer Vest", "Trench Coat", "Field Jacket", "Down Jacket"],
          },
        ],
        dims: [APPAREL_SIZES, color(PALETTES.apparel, [1, 2])],
        price: [79, 399],
        weight: [400, 1400],
        attrs: { fit: FIT, care: CARE },
        share: 1.2,
      },
      {
        slug: "trousers-jeans",
        name: "Trousers & Jeans",
        description: "Denim, chinos and joggers in a fit for everyone.",
        lines: [
          { materials: ["Denim", "Selvedge Denim", "Stretch Denim", "Raw Denim"], nouns: ["Slim Jeans", "Straight Jeans", "Relaxed Jeans", "Tapered Jeans"] },
          { materials: ["Cotton Twill", "Stretch Cotton", "Linen", "Corduroy"], nouns: ["Chinos", "Trousers", "Shorts", "Pleated Trousers"] },
          { materials: ["Fleece", "French Terry", "Cotton"], nouns: ["Joggers", "Sweatpants", "Lounge Shorts"] },
        ],
        dims: [APPAREL_SIZES, color(PALETTES.apparel, [1, 3])],
        price: [29, 169],
        weight: [250, 800],
        attrs: { fit: FIT, care: CARE },
        share: 1.3,
      },
    ],
  },
  {
    slug: "footwear",
    name: "Footwear",
    description: "Sneakers, boots and sandals built on comfortable lasts.",
    palette: "footwear",
    subs: [
      {
        slug: "sneakers",
        name: "Sneakers",
        description: "Low-tops, high-tops and runners for the city and the track.",
        lines: [
          {
            materials: ["Leather", "Suede", "Canvas", "Knit", "Recycled Mesh"],
            nouns: ["Low-Top Sneaker", "High-Top Sneaker", "Court Sneaker", "Slip-On Sneaker", "Running Shoe"],
          },
        ],
        dims: [SHOE_SIZES, color(PALETTES.footwear, [1, 2], 0.4)],
        price: [59, 189],
        weight: [600, 1100],
        attrs: { closure: ["Lace-up", "Slip-on", "Hook-and-loop"] },
        share: 1.3,
      },
      {
        slug: "boots",
        name: "Boots",
        description: "Chelsea, chukka and hiking boots with resoleable soles.",
        lines: [
          {
            materials: ["Leather", "Suede", "Waxed Leather", "Nubuck", "Waterproof Leather"],
            nouns: ["Chelsea Boot", "Hiking Boot", "Chukka Boot", "Work Boot", "Lace-Up Boot"],
          },
        ],
        dims: [SHOE_SIZES, color(PALETTES.footwear, [1, 2], 0.3)],
        price: [99, 289],
        weight: [900, 1800],
        attrs: { closure: ["Lace-up", "Pull-on", "Side zip"] },
      },
      {
        slug: "sandals",
        name: "Sandals",
        description: "Slides and sport sandals for warm days.",
        lines: [
          { materials: ["Leather", "Cork", "Recycled Rubber", "Webbing", "EVA"], nouns: ["Slide Sandal", "Sport Sandal", "Flip-Flop", "Strappy Sandal"] },
        ],
        dims: [SHOE_SIZES, color(PALETTES.footwear, [1, 2], 0.4)],
        price: [19, 99],
        weight: [300, 700],
        attrs: { closure: ["Buckle", "Hook-and-loop", "Slip-on"] },
      },
      {
        slug: "slippers",
        name: "Slippers",
        description: "Soft house shoes lined with wool and shearling.",
        lines: [{ materials: ["Shearling", "Wool Felt", "Sherpa", "Suede"], nouns: ["Moccasin Slipper", "Scuff Slipper", "House Shoe", "Bootie Slipper"] }],
        dims: [{ ...SHOE_SIZES, count: [4, 6] }],
        price: [29, 99],
        weight: [300, 600],
      },
    ],
  },
  {
    slug: "home-kitchen",
    name: "Home & Kitchen",
    description: "Cookware, tableware, bedding and lighting for a well-kept home.",
    palette: "home",
    subs: [
      {
        slug: "cookware",
        name: "Cookware",
        description: "Pans and pots in cast iron, steel and copper.",
        lines: [
          {
            materials: ["Cast Iron", "Enamelled Cast Iron", "Stainless Steel", "Carbon Steel", "Copper", "Nonstick"],
            nouns: ["Skillet", "Saucepan", "Dutch Oven", "Sauté Pan", "Stockpot", "Wok", "Griddle"],
          },
        ],
        dims: [{ name: "size", values: ["8 in", "10 in", "12 in", "14 in"], count: [2, 3], p: 0.5, ordered: true, step: 0.2 }],
        price: [29, 279],
        weight: [900, 5500],
        attrs: { stovetop: ["Gas, electric and induction", "Gas and electric", "All hobs and oven-safe"] },
      },
      {
        slug: "dinnerware-drinkware",
        name: "Dinnerware & Drinkware",
        description: "Mugs, plates, bowls and glasses for the everyday table.",
        lines: [
          {
            materials: ["Stoneware", "Porcelain", "Ceramic", "Glazed Stoneware", "Bone China"],
            nouns: ["Mug", "Dinner Plate Set", "Pasta Bowl Set", "Teapot", "Espresso Cup Set", "Serving Platter"],
          },
          { materials: ["Borosilicate Glass", "Recycled Glass", "Crystal"], nouns: ["Tumbler Set", "Wine Glass Set", "Carafe", "Pitcher"], dims: [] },
        ],
        dims: [color(PALETTES.home, [2, 4], 0.5)],
        price: [12, 129],
        weight: [300, 3200],
        attrs: { care: ["Dishwasher safe", "Hand wash", "Microwave and dishwasher safe"] },
      },
      {
        slug: "bedding",
        name: "Bedding",
        description: "Sheets, duvet covers and throws in linen and cotton.",
        lines: [
          {
            materials: ["Linen", "Percale Cotton", "Sateen Cotton", "Organic Cotton", "Washed Linen", "Bamboo"],
            nouns: ["Duvet Cover", "Sheet Set", "Quilt", "Pillowcase Pair", "Coverlet"],
          },
          { materials: ["Wool", "Cotton Waffle", "Cashmere", "Chunky Knit"], nouns: ["Throw Blanket", "Throw"], dims: [color(PALETTES.home, [1, 3])] },
        ],
        dims: [{ name: "size", values: ["Twin", "Full", "Queen", "King"], count: [3, 4], ordered: true, step: 0.15 }, color(PALETTES.home, [1, 2], 0.6)],
        price: [39, 249],
        weight: [600, 2600],
        attrs: { care: CARE },
      },
      {
        slug: "lighting",
        name: "Lighting",
        description: "Table, floor and pendant lamps with warm light.",
        lines: [
          {
            materials: ["Ceramic", "Brass", "Walnut", "Rattan", "Opal Glass", "Linen Shade"],
            nouns: ["Table Lamp", "Floor Lamp", "Pendant Light", "Desk Lamp", "Wall Sconce"],
          },
        ],
        dims: [color(PALETTES.home, [1, 3], 0.3)],
        price: [39, 349],
        weight: [900, 6000],
        attrs: { bulb: ["E26 LED included", "E26, not included", "Integrated LED"] },
      },
      {
        slug: "storage-organisation",
        name: "Storage & Organisation",
        description: "Baskets, boxes and bins that keep things tidy.",
        lines: [
          {
            materials: ["Seagrass", "Cotton Rope", "Bamboo", "Felt", "Rattan", "Oak"],
            nouns: ["Storage Basket", "Storage Box", "Laundry Hamper", "Shelf Bin", "Magazine Rack"],
          },
        ],
        dims: [{ name: "size", values: ["Small", "Medium", "Large"], count: [2, 3], p: 0.6, ordered: true, step: 0.25 }],
        price: [15, 119],
        weight: [300, 2500],
      },
    ],
  },
  {
    slug: "electronics",
    name: "Electronics",
    description: "Audio, phones, wearables and the small things that keep them charged.",
    palette: "tech",
    subs: [
      {
        slug: "headphones-audio",
        name: "Headphones & Audio",
        description: "Headphones, earbuds and speakers tuned for long listening.",
        lines: [
          {
            materials: ["Wireless", "Noise-Cancelling", "Bluetooth", "Studio", "Hi-Fi"],
            nouns: ["Over-Ear Headphones", "On-Ear Headphones", "Earbuds", "Portable Speaker", "Soundbar", "Bookshelf Speakers"],
          },
        ],
        dims: [color(PALETTES.tech, [1, 3], 0.8)],
        price: [29, 399],
        weight: [40, 2400],
        materialAttr: "feature",
        attrs: { warranty: ["1 year", "2 years"], battery: ["20 hours", "30 hours", "40 hours", "Mains powered"] },
        share: 1.2,
      },
      {
        slug: "phones-tablets",
        name: "Phones & Tablets",
        description: "Smartphones, tablets and e-readers.",
        lines: [
          { materials: ["5G", "Dual-SIM", "Rugged", "Compact"], nouns: ["Smartphone"] },
          { materials: ["OLED", "Wi-Fi", "Pro", "Lite"], nouns: ["Tablet", "E-Reader", "Drawing Tablet"] },
        ],
        dims: [color(PALETTES.tech, [1, 3]), { name: "storage", values: ["64 GB", "128 GB", "256 GB", "512 GB"], count: [2, 3], ordered: true, step: 0.18 }],
        price: [149, 1099],
        weight: [150, 700],
        materialAttr: "feature",
        attrs: { warranty: ["1 year", "2 years"] },
      },
      {
        slug: "wearables",
        name: "Wearables",
        description: "Smartwatches and trackers for training and everyday health.",
        lines: [{ materials: ["Fitness", "GPS", "Hybrid", "Solar", "Sport"], nouns: ["Smartwatch", "Fitness Tracker", "Running Watch"] }],
        dims: [color(PALETTES.tech, [1, 3])],
        price: [49, 449],
        weight: [30, 120],
        materialAttr: "feature",
        attrs: { warranty: ["1 year", "2 years"], water_resistance: ["5 ATM", "10 ATM", "IP68"] },
      },
      {
        slug: "smart-home",
        name: "Smart Home",
        description: "Cameras, plugs, thermostats and speakers that work together.",
        lines: [
          {
            materials: ["Wi-Fi", "Zigbee", "Battery-Powered", "Outdoor", "Indoor"],
            nouns: ["Security Camera", "Video Doorbell", "Smart Plug", "Smart Thermostat", "Smart Speaker", "Smart Bulb Kit"],
          },
        ],
        dims: [color(PALETTES.tech, [1, 2], 0.4)],
        price: [19, 249],
        weight: [60, 900],
        materialAttr: "feature",
        attrs: { works_with: ["Matter", "Alexa and Google Home", "HomeKit"] },
      },
      {
        slug: "chargers-accessories",
        name: "Chargers & Accessories",
        description: "Power banks, cables, hubs and cases.",
        lines: [
          {
            materials: ["USB-C", "Fast-Charging", "Magnetic", "Braided", "Compact"],
            nouns: ["Power Bank", "Wireless Charger", "Charging Cable", "USB-C Hub", "Laptop Sleeve", "Phone Case"],
          },
        ],
        dims: [color(PALETTES.tech, [2, 4], 0.6)],
        price: [12, 99],
        weight: [40, 450],
        materialAttr: "feature",
        attrs: { warranty: ["1 year", "2 years"] },
      },
    ],
  },
  {
    slug: "outdoor",
    name: "Outdoor",
    description: "Gear for camping, hiking and training outside.",
    palette: "outdoor",
    subs: [
      {
        slug: "camping",
        name: "Camping",
        description: "Tents, sleeping bags, stoves and lanterns.",
        lines: [
          { materials: ["Ultralight", "Waterproof", "Ripstop", "Four-Season", "Freestanding"], nouns: ["Dome Tent", "Backpacking Tent", "Tunnel Tent"] },
          { materials: ["Down", "Synthetic", "Insulated", "Ultralight"], nouns: ["Sleeping Bag", "Sleeping Pad"] },
          { materials: ["Rechargeable", "Collapsible", "Compact"], nouns: ["Camp Lantern", "Camp Stove"], dims: [] },
        ],
        dims: [color(PALETTES.outdoor, [1, 2], 0.5)],
        price: [29, 499],
        weight: [300, 4200],
        attrs: { season: ["3-season", "4-season", "Summer"] },
      },
      {
        slug: "backpacks-bags",
        name: "Backpacks & Bags",
        description: "Daypacks, duffels and totes for trail and town.",
        lines: [
          {
            materials: ["Recycled Nylon", "Waxed Canvas", "Ripstop", "Cordura", "Leather"],
            nouns: ["Daypack", "Backpack", "Rolltop Backpack", "Duffel Bag", "Sling Bag", "Tote Bag"],
          },
        ],
        dims: [color(PALETTES.outdoor, [1, 3], 0.8)],
        price: [29, 229],
        weight: [300, 1500],
        attrs: { capacity: ["12 L", "20 L", "28 L", "36 L", "45 L"] },
      },
      {
        slug: "bottles-flasks",
        name: "Bottles & Flasks",
        description: "Insulated bottles, flasks and travel mugs.",
        lines: [
          {
            materials: ["Insulated Steel", "Stainless Steel", "Tritan", "Glass", "Titanium"],
            nouns: ["Water Bottle", "Vacuum Flask", "Travel Mug", "Food Jar", "Sport Bottle"],
          },
        ],
        dims: [
          { name: "capacity", values: ["350 ml", "500 ml", "750 ml", "1 L"], count: [2, 3], p: 0.6, ordered: true, step: 0.12 },
          color(PALETTES.outdoor, [2, 3], 0.7),
        ],
        price: [14, 59],
        weight: [150, 650],
      },
      {
        slug: "fitness-yoga",
        name: "Fitness & Yoga",
        description: "Mats, blocks, rollers and weights for training at home.",
        lines: [
          { materials: ["Natural Rubber", "Cork", "TPE", "Jute"], nouns: ["Yoga Mat"] },
          { materials: ["Cork", "Foam", "Bamboo"], nouns: ["Yoga Block"], dims: [] },
          {
            materials: ["Cast Iron", "Vinyl-Coated", "Competition"],
            nouns: ["Kettlebell", "Dumbbell Pair"],
            dims: [{ name: "weight", values: ["4 kg", "8 kg", "12 kg", "16 kg", "20 kg", "24 kg"], count: [3, 5], ordered: true, step: 0.3 }],
          },
          { materials: ["High-Density", "Textured", "Vibrating"], nouns: ["Foam Roller"], dims: [] },
          { materials: ["Latex", "Fabric"], nouns: ["Resistance Band Set"], dims: [] },
        ],
        dims: [color(PALETTES.outdoor, [2, 3], 0.7)],
        price: [12, 129],
        weight: [200, 4000],
      },
    ],
  },
  {
    slug: "beauty",
    name: "Beauty",
    description: "Skincare, haircare and fragrance with short ingredient lists.",
    palette: "home",
    subs: [
      {
        slug: "skincare",
        name: "Skincare",
        description: "Serums, creams and cleansers for every skin type.",
        lines: [
          {
            materials: ["Hyaluronic", "Vitamin C", "Niacinamide", "Ceramide", "Retinol", "Squalane"],
            nouns: ["Face Serum", "Moisturiser", "Gel Cleanser", "Eye Cream", "Face Oil", "Night Cream"],
          },
        ],
        dims: [{ name: "size", values: ["15 ml", "30 ml", "50 ml"], count: [2, 2], p: 0.4, ordered: true, step: 0.6 }],
        price: [12, 89],
        weight: [60, 260],
        materialAttr: "key_ingredient",
        attrs: { skin_type: ["All skin types", "Dry", "Oily", "Sensitive", "Combination"] },
        share: 1.2,
      },
      {
        slug: "haircare",
        name: "Haircare",
        description: "Shampoos, conditioners and treatments.",
        lines: [
          {
            materials: ["Argan", "Coconut", "Rosemary", "Keratin", "Tea Tree"],
            nouns: ["Shampoo", "Conditioner", "Hair Oil", "Hair Mask", "Styling Cream", "Leave-In Spray"],
          },
        ],
        dims: [{ name: "size", values: ["100 ml", "250 ml", "500 ml"], count: [2, 2], p: 0.4, ordered: true, step: 0.5 }],
        price: [9, 49],
        weight: [120, 600],
        materialAttr: "key_ingredient",
        attrs: { hair_type: ["All hair types", "Curly", "Fine", "Thick", "Coloured"] },
      },
      {
        slug: "fragrance",
        name: "Fragrance",
        description: "Perfumes, candles and diffusers.",
        lines: [
          {
            materials: ["Cedar & Vetiver", "Amber", "Bergamot", "Sandalwood", "Fig Leaf", "Neroli"],
            nouns: ["Eau de Parfum", "Eau de Toilette", "Room Spray"],
          },
          { materials: ["Cedar & Vetiver", "Amber", "Fig Leaf", "Sea Salt", "Tomato Leaf"], nouns: ["Scented Candle", "Reed Diffuser"], dims: [] },
        ],
        dims: [{ name: "size", values: ["30 ml", "50 ml", "100 ml"], count: [2, 3], p: 0.7, ordered: true, step: 0.45 }],
        price: [18, 189],
        weight: [150, 700],
        materialAttr: "scent",
        attrs: { scent_family: ["Woody", "Citrus", "Floral", "Fresh", "Amber"] },
      },
      {
        slug: "bath-body",
        name: "Bath & Body",
        description: "Washes, lotions, soaps and salts.",
        lines: [
          {
            materials: ["Lavender", "Eucalyptus", "Oat Milk", "Shea Butter", "Sea Salt", "Rose"],
            nouns: ["Body Wash", "Body Lotion", "Hand Cream", "Bath Salts", "Bar Soap", "Body Scrub"],
          },
        ],
        dims: [],
        price: [7, 39],
        weight: [100, 700],
        materialAttr: "scent",
        attrs: { skin_type: ["All skin types", "Dry", "Sensitive"] },
      },
    ],
  },
  {
    slug: "toys-games",
    name: "Toys & Games",
    description: "Building sets, plush friends, puzzles and games for all ages.",
    palette: "outdoor",
    subs: [
      {
        slug: "building-sets",
        name: "Building & Construction",
        description: "Blocks, marble runs and magnetic tiles.",
        lines: [
          {
            materials: ["Wooden", "Magnetic", "Interlocking", "Modular"],
            nouns: ["Building Blocks", "Construction Set", "Marble Run", "Tile Set", "Stacking Tower"],
          },
        ],
        dims: [],
        price: [19, 149],
        weight: [300, 2500],
        materialAttr: "type",
        attrs: { age: AGES, pieces: ["24 pieces", "50 pieces", "100 pieces", "250 pieces"] },
      },
      {
        slug: "plush-soft-toys",
        name: "Plush & Soft Toys",
        description: "Soft companions, machine washable.",
        lines: [
          {
            materials: ["Organic Cotton", "Super-Soft", "Knitted", "Corduroy", "Recycled Plush"],
            nouns: ["Teddy Bear", "Bunny", "Fox", "Elephant", "Whale", "Dinosaur"],
          },
        ],
        dims: [{ name: "size", values: ["Small", "Medium", "Large"], count: [2, 3], p: 0.4, ordered: true, step: 0.35 }],
        price: [14, 59],
        weight: [150, 900],
        attrs: { age: ["0+", "3+"] },
      },
      {
        slug: "board-games",
        name: "Board Games",
        description: "Strategy, party and family games.",
        lines: [
          {
            materials: ["Family", "Strategy", "Cooperative", "Party", "Deluxe", "Travel"],
            nouns: ["Board Game", "Card Game", "Dice Game", "Trivia Game", "Word Game"],
          },
        ],
        dims: [],
        price: [12, 79],
        weight: [300, 2200],
        materialAttr: "type",
        attrs: { age: AGES, players: ["1-4 players", "2-4 players", "2-6 players", "3-8 players"] },
      },
      {
        slug: "puzzles",
        name: "Puzzles",
        description: "Jigsaws and brain teasers.",
        lines: [{ materials: ["1000-Piece", "500-Piece", "Wooden", "3D", "Panoramic"], nouns: ["Jigsaw Puzzle", "Puzzle Box", "Brain Teaser"] }],
        dims: [],
        price: [12, 49],
        weight: [250, 1200],
        materialAttr: "type",
        attrs: { age: AGES },
      },
    ],
  },
  {
    slug: "books-stationery",
    name: "Books & Stationery",
    description: "Notebooks, pens, desk things and books worth keeping.",
    palette: "paper",
    subs: [
      {
        slug: "notebooks-journals",
        name: "Notebooks & Journals",
        description: "Notebooks, journals, sketchbooks and planners.",
        lines: [
          {
            materials: ["Linen", "Leather", "Recycled Paper", "Kraft", "Dot-Grid", "Softcover"],
            nouns: ["Notebook", "Journal", "Sketchbook", "Weekly Planner", "Notepad"],
          },
        ],
        dims: [color(PALETTES.paper, [2, 4], 0.5)],
        price: [8, 59],
        weight: [120, 600],
        attrs: { paper: ["Dot grid", "Lined", "Plain", "Squared"], pages: ["96 pages", "160 pages", "192 pages", "240 pages"] },
      },
      {
        slug: "pens-pencils",
        name: "Pens & Pencils",
        description: "Fountain pens, rollerballs and pencils.",
        lines: [
          {
            materials: ["Brass", "Aluminium", "Resin", "Lacquered", "Bamboo"],
            nouns: ["Fountain Pen", "Rollerball Pen", "Ballpoint Pen", "Mechanical Pencil"],
          },
          { materials: ["Archival", "Watercolour", "Graphite"], nouns: ["Fineliner Set", "Colouring Pencil Set"], dims: [] },
        ],
        dims: [color(PALETTES.paper, [1, 3], 0.5)],
        price: [6, 149],
        weight: [20, 250],
      },
      {
        slug: "desk-accessories",
        name: "Desk Accessories",
        description: "Organisers, stands and trays for a calmer desk.",
        lines: [
          {
            materials: ["Walnut", "Oak", "Felt", "Leather", "Powder-Coated Steel", "Cork"],
            nouns: ["Desk Organiser", "Monitor Stand", "Desk Mat", "Letter Tray", "Pen Cup", "Bookends"],
          },
        ],
        dims: [],
        price: [14, 129],
        weight: [150, 3000],
      },
      {
        slug: "books",
        name: "Books",
        description: "Cookbooks, guides and illustrated books.",
        lines: [
          {
            materials: ["Illustrated", "Pocket", "Collector's", "Annotated", "Visual"],
            nouns: ["Cookbook", "Field Guide", "Travel Guide", "Coffee Table Book", "Poetry Collection"],
          },
        ],
        dims: [{ name: "format", values: ["Paperback", "Hardcover"], count: [2, 2], p: 0.4, ordered: true, step: 0.6 }],
        price: [9, 69],
        weight: [200, 1800],
        materialAttr: "edition",
        attrs: { language: ["English"], pages: ["128 pages", "224 pages", "320 pages", "416 pages"] },
      },
    ],
  },
];

/** Invented brands and the departments they sell in. */
const BRANDS: readonly (readonly [string, readonly string[]])[] = [
  ["Halden & Co.", ["apparel"]],
  ["Fjordline", ["apparel", "outdoor"]],
  ["Copperleaf", ["home-kitchen"]],
  ["Bramble Works", ["apparel", "home-kitchen"]],
  ["Kestrel Outdoor", ["outdoor", "footwear"]],
  ["Lumen Lane", ["home-kitchen"]],
  ["Oakhaven", ["home-kitchen", "books-stationery"]],
  ["Tidewater", ["apparel", "footwear"]],
  ["Ridgeback Supply", ["outdoor", "apparel"]],
  ["Morrow Studio", ["apparel"]],
  ["Pinecrest", ["outdoor"]],
  ["Velora", ["beauty"]],
  ["Quillsmith", ["books-stationery"]],
  ["Sable & Stone", ["footwear", "apparel"]],
  ["Brightwell", ["home-kitchen", "beauty"]],
  ["Cinder Audio", ["electronics"]],
  ["Voltiq", ["electronics"]],
  ["Arclight", ["electronics"]],
  ["Juniper Home", ["home-kitchen"]],
  ["Marlowe", ["apparel", "footwear"]],
  ["Wren & Willow", ["toys-games", "apparel"]],
  ["Ironbark", ["footwear", "outdoor"]],
  ["Saltmarsh", ["beauty"]],
  ["Everfield", ["apparel"]],
  ["Nimbus Labs", ["electronics"]],
  ["Petalform", ["beauty"]],
  ["Glow Theory", ["beauty"]],
  ["Pebble & Pine", ["toys-games"]],
  ["Hollow Oak Toys", ["toys-games"]],
  ["Tinker Tree", ["toys-games"]],
  ["Papercraft Co.", ["books-stationery"]],
  ["Inkwell & Sons", ["books-stationery"]],
  ["Northmark", ["outdoor", "electronics"]],
  ["Stillwater Press", ["books-stationery"]],
  ["Loomhouse", ["home-kitchen", "apparel"]],
  ["Strider", ["footwear"]],
  ["Corvid Electronics", ["electronics"]],
  ["Fernway", ["beauty", "home-kitchen"]],
  ["Basalt", ["home-kitchen"]],
  ["Keel & Compass", ["outdoor", "books-stationery"]],
  ["Honeycomb Games", ["toys-games"]],
  ["Polestar Gear", ["outdoor"]],
  ["Meadowlark", ["apparel", "beauty"]],
  ["Tallow & Tin", ["beauty", "home-kitchen"]],
  ["Quartzline", ["electronics"]],
  ["Bluebird Kids", ["toys-games", "apparel"]],
  ["Greyhound Athletic", ["footwear", "outdoor"]],
  ["Atelier Noon", ["apparel", "beauty"]],
  ["Foxglove Paper", ["books-stationery"]],
  ["Hearth & Kiln", ["home-kitchen"]],
];

/** Sentences per department; `{noun}`, `{material}`, `{brand}` are filled in. */
const OPENERS: Record<string, readonly string[]> = {
  apparel: [
    "A {noun} in {material} that feels as good on the hundredth wear as on the first.",
    "Our {noun} is cut from {material} with a clean, easy shape that layers well.",
    "{brand} makes this {noun} from {material} in small runs, finished by hand.",
    "An everyday {noun} in soft {material}, built for comfort and made to keep its shape.",
  ],
  footwear: [
    "A {noun} in {material} on a cushioned footbed for all-day wear.",
    "{brand} builds this {noun} from {material} with a grippy rubber outsole.",
    "This {noun} pairs {material} uppers with a supportive, flexible sole.",
  ],
  "home-kitchen": [
    "A {noun} in {material} that earns its place in the kitchen and the home.",
    "{brand} makes this {noun} from {material} to be used daily for years.",
    "Simple, sturdy and quietly good-looking: a {noun} in {material}.",
  ],
  electronics: [
    "A {material} {noun} with clear sound, long battery life and simple controls.",
    "{brand} designed this {material} {noun} to pair in seconds and last all day.",
    "This {material} {noun} packs premium features into a slim, durable body.",
  ],
  outdoor: [
    "A {noun} in {material}, tested on long trails and wet weekends.",
    "{brand} built this {material} {noun} to be light, tough and easy to repair.",
    "Ready for the trail or the park: a {material} {noun} that packs down small.",
  ],
  beauty: [
    "A {material} {noun} with a short, honest ingredient list.",
    "{brand} formulates this {noun} with {material} for visible results without fuss.",
    "This {material} {noun} is gentle enough for daily use and smells subtly fresh.",
  ],
  "toys-games": [
    "A {material} {noun} that invites hours of imaginative play.",
    "{brand} designed this {material} {noun} to be picked up again and again.",
    "Made to be shared: a {material} {noun} for curious minds.",
  ],
  "books-stationery": [
    "A {material} {noun} made for ideas worth keeping.",
    "{brand} makes this {material} {noun} with care, from the paper to the binding.",
    "This {material} {noun} is a small everyday pleasure on any desk.",
  ],
};

const MIDDLES = [
  "Thoughtful details make it a pleasure to use every day.",
  "It is made in a certified facility using responsibly sourced materials.",
  "Reviewers love how well it holds up after months of regular use.",
  "Packed plastic-free and shipped in recycled cardboard.",
  "The design is deliberately simple, so it fits in anywhere.",
  "Every piece is inspected before it leaves the workshop.",
];

/** `{window}` becomes the store's return window, so a description never promises another one. */
const CLOSERS = [
  "Backed by our {window}-day return promise.",
  "Pairs well with the rest of the collection.",
  "A thoughtful gift, too.",
  "Built to be repaired rather than replaced.",
];

const IMAGE_VIEWS = ["front view", "three-quarter view", "side view", "close-up detail"];

// ---------------------------------------------------------------------------
// Helpers

/** Lowercase ASCII slug: accents dropped, runs of anything else become one hyphen. */
export function slugify(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/&/g, " ")
    .replace(/'/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

const skuPart = (value: string) => value.toUpperCase().replace(/[^A-Z0-9]/g, "");

/** Dollars as a believable shelf price in cents, ending in .99 or .00. */
function shelfPrice(dollars: number, endsIn99: boolean): number {
  const grain = dollars < 20 ? 1 : dollars < 100 ? 5 : dollars < 500 ? 10 : 50;
  let whole = Math.max(grain, Math.round(dollars / grain) * grain);
  if (grain === 1) whole = Math.max(1, Math.floor(dollars));
  return endsIn99 ? whole * 100 - 1 : whole * 100;
}

const titleCase = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const pad = (n: number, width: number) => String(n).padStart(width, "0");

interface FlatSub {
  sub: Sub;
  dept: Dept;
  category: CategoryRow;
  brandIds: string[];
}

function buildCategories(): { rows: CategoryRow[]; subs: FlatSub[] } {
  const rows: CategoryRow[] = [];
  const subs: FlatSub[] = [];
  let n = 0;
  const nextId = () => `cat_${pad(++n, 3)}`;
  const roots = DEPARTMENTS.map((dept, position) => {
    const id = nextId();
    const row: CategoryRow = { id, parentId: null, slug: dept.slug, name: dept.name, description: dept.description, path: `/${id}/`, depth: 0, position };
    rows.push(row);
    return row;
  });
  DEPARTMENTS.forEach((dept, d) => {
    const root = roots[d] as CategoryRow;
    dept.subs.forEach((sub, position) => {
      const id = nextId();
      const row: CategoryRow = {
        id,
        parentId: root.id,
        slug: sub.slug,
        name: sub.name,
        description: sub.description,
        path: `${root.path}${id}/`,
        depth: 1,
        position,
      };
      rows.push(row);
      subs.push({ sub, dept, category: row, brandIds: [] });
    });
  });
  return { rows, subs };
}

function buildBrands(subs: FlatSub[]): BrandRow[] {
  const rows = BRANDS.map(([name], i) => ({ id: `brand_${pad(i + 1, 3)}`, slug: slugify(name), name }));
  for (const s of subs) {
    s.brandIds = BRANDS.flatMap(([, depts], i) => (depts.includes(s.dept.slug) ? [(rows[i] as BrandRow).id] : []));
  }
  return rows;
}

/** Cumulative share table for picking a subcategory with one random number. */
function cumulative(subs: FlatSub[]): number[] {
  const out: number[] = [];
  let total = 0;
  for (const s of subs) {
    total += s.sub.share ?? 1;
    out.push(total);
  }
  return out.map((c) => c / total);
}

function fill(template: string, words: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => words[k] ?? "");
}

// ---------------------------------------------------------------------------
// The generator

/**
 * Builds the demo catalog for `products` products (default 1,000) from
 * `seed` (default 1). Same arguments, same rows, byte for byte.
 */
export function generateCatalog(options: CatalogOptions = {}): GeneratedCatalog {
  const productCount = options.products ?? DEFAULT_PRODUCTS;
  const seed = (options.seed ?? DEFAULT_SEED) >>> 0;
  const returnWindowDays = options.returnWindowDays ?? 30;
  if (!Number.isSafeInteger(returnWindowDays) || returnWindowDays < 1)
    throw new RangeError(`returnWindowDays must be a whole number >= 1, got ${returnWindowDays}`);
  if (!Number.isSafeInteger(productCount) || productCount < 0) throw new RangeError(`products must be a whole number >= 0, got ${productCount}`);
  const { rows: categoryRows, subs } = buildCategories();
  const brandRows = buildBrands(subs);
  const brandById = new Map(brandRows.map((b) => [b.id, b]));
  const cdf = cumulative(subs);
  const width = Math.max(5, String(productCount).length);

  const buildProduct = (index: number): SeedProduct => {
    const r = mulberry32(hash32(seed, index + 1));
    const number = pad(index + 1, width);
    const u = r();
    let s = cdf.findIndex((c) => u < c);
    if (s < 0) s = cdf.length - 1;
    const { sub, dept, category, brandIds } = subs[s] as FlatSub;
    const line = pick(r, sub.lines);
    const material = pick(r, line.materials);
    const noun = pick(r, line.nouns);
    const brand = brandById.get(pick(r, brandIds)) as BrandRow;

    // Options: each dimension is used with its probability; cartesian product, capped at 12 variants.
    const chosen: { dim: Dim; values: string[] }[] = [];
    for (const dim of line.dims ?? sub.dims) {
      if (!chance(r, dim.p ?? 1)) continue;
      const count = int(r, dim.count[0], dim.count[1]);
      chosen.push({ dim, values: dim.ordered ? run(r, dim.values, count) : sample(r, dim.values, count) });
    }
    while (chosen.reduce((n, c) => n * c.values.length, 1) > 12) {
      const widest = chosen.reduce((a, b) => (b.values.length > a.values.length ? b : a));
      widest.values.pop();
    }
    const hasColorOption = chosen.some((c) => c.dim.name === "color");

    // A colour word leads the name only when the colour is not an option (and never on beauty products).
    const adjective = !hasColorOption && dept.slug !== "beauty" && chance(r, 0.3) ? pick(r, COLOR_WORDS) : pick(r, ADJECTIVES);
    const name = `${adjective} ${material} ${noun}`;
    const slug = `${slugify(name)}-${number}`;
    const id = `prod_${number}`;

    // Prices: one base per product, shelf-rounded per variant with one ending style.
    const [lo, hi] = sub.price;
    const spread = r();
    const base = lo + (hi - lo) * ((spread + spread * spread) / 2);
    const endsIn99 = chance(r, 0.75);
    const onSale = chance(r, 0.18);
    const discount = pick(r, [0.1, 0.15, 0.2, 0.25, 0.3, 0.4]);
    const compareEndsIn99 = chance(r, 0.5);
    const outOfStock = chance(r, 0.05);
    const baseWeight = int(r, sub.weight[0], sub.weight[1]);

    const combos: { options: Record<string, string>; step: number; sizeRank: number }[] = [{ options: {}, step: 0, sizeRank: 0 }];
    for (const { dim, values } of chosen) {
      const next: typeof combos = [];
      for (const combo of combos) {
        values.forEach((value, k) => {
          const step = dim.ordered ? (dim.step ?? 0) * k : 0;
          next.push({ options: { ...combo.options, [dim.name]: value }, step: combo.step + step, sizeRank: combo.sizeRank + (dim.ordered ? k : 0) });
        });
      }
      combos.splice(0, combos.length, ...next);
    }
    const skuBase = `${skuPart(brand.name).slice(0, 3)}-${number}`;
    const variants: VariantRow[] = combos.map((combo, position) => {
      const values = Object.values(combo.options);
      const price = shelfPrice(base * (1 + combo.step), endsIn99);
      let compareAtPrice: number | null = null;
      if (onSale) {
        compareAtPrice = shelfPrice(price / 100 / (1 - discount), compareEndsIn99);
        if (compareAtPrice <= price) compareAtPrice = price + 500;
      }
      const roll = r();
      const stockAvailable = outOfStock ? 0 : combos.length > 1 && roll < 0.06 ? 0 : roll < 0.16 ? int(r, 1, 5) : int(r, 6, roll < 0.6 ? 60 : 240);
      return {
        id: `var_${number}_${position}`,
        productId: id,
        sku: values.length ? `${skuBase}-${values.map(skuPart).join("-")}` : skuBase,
        title: values.length ? values.join(" / ") : "Default",
        options: combo.options,
        price,
        compareAtPrice,
        weightGrams: Math.round(baseWeight * (1 + 0.06 * combo.sizeRank)),
        // The demo brands are invented, so no real barcode exists: a part number in the brand's style stands in.
        gtin: null,
        mpn: `${skuBase}-${String(position + 1).padStart(2, "0")}`,
        stockAvailable,
        stockVersion: 0,
        lowStockThreshold: 5,
        position,
      };
    });

    const prices = variants.map((v) => v.price);
    const ratingCount = chance(r, 0.06) ? 0 : Math.floor(r() * r() * r() * 1800) + 1;
    const ratingAvg = ratingCount === 0 ? 0 : Math.min(500, Math.max(300, Math.round(440 + (r() + r() + r() - 1.5) * 90)));
    const statusRoll = r();
    const status: ProductRow["status"] = statusRoll < 0.02 ? "draft" : statusRoll < 0.03 ? "archived" : "active";
    const createdMs = REFERENCE_MS - Math.floor(r() * 730 * DAY_MS);
    const updatedMs = Math.min(REFERENCE_MS, createdMs + Math.floor(r() * 90 * DAY_MS));

    const words = { noun: noun.toLowerCase(), material: material.toLowerCase(), brand: brand.name };
    const description = [
      fill(pick(r, OPENERS[dept.slug] ?? []), words),
      pick(r, MIDDLES),
      ...(chance(r, 0.6) ? [pick(r, CLOSERS).replace("{window}", String(returnWindowDays))] : []),
    ].join(" ");

    const product: ProductRow = {
      id,
      slug,
      name,
      description: titleCase(description),
      brandId: brand.id,
      categoryId: category.id,
      categoryPath: category.path,
      vendorId: null,
      status,
      currency: "USD",
      minPrice: Math.min(...prices),
      maxPrice: Math.max(...prices),
      inStock: variants.some((v) => v.stockAvailable > 0) ? 1 : 0,
      featured: status === "active" && chance(r, 0.1) ? 1 : 0,
      ratingAvg,
      ratingCount,
      ratingDist: "[0,0,0,0,0]",
      soldCount: ratingCount * int(r, 3, 28) + int(r, 0, 60),
      seoTitle: null,
      seoDescription: null,
      createdAt: new Date(createdMs).toISOString(),
      updatedAt: new Date(updatedMs).toISOString(),
    };

    const imageCount = int(r, 2, 4);
    const images: ImageRow[] = Array.from({ length: imageCount }, (_, n) => ({
      id: `img_${number}_${n}`,
      productId: id,
      url: `/media/products/${slug}/${n}.svg`,
      alt: `${name}, ${IMAGE_VIEWS[n]}`,
      position: n,
    }));

    // One row per (name, value): the table's primary key.
    const attributes: AttributeRow[] = [];
    const seen = new Set<string>();
    const addAttribute = (attrName: string, value: string) => {
      const key = `${attrName}\u0000${value}`;
      if (seen.has(key)) return;
      seen.add(key);
      attributes.push({ productId: id, name: attrName, value });
    };
    addAttribute(sub.materialAttr ?? "material", material);
    const colorValues = chosen.find((c) => c.dim.name === "color")?.values ?? (COLOR_FAMILY[adjective] ? [adjective] : []);
    for (const c of colorValues) addAttribute("color", COLOR_FAMILY[c] ?? c);
    for (const [attrName, values] of Object.entries(sub.attrs ?? {})) addAttribute(attrName, pick(r, values));

    return { product, variants, images, attributes };
  };

  function* productsBetween(start = 0, end = productCount): Generator<SeedProduct> {
    for (let i = Math.max(0, start); i < Math.min(end, productCount); i++) yield buildProduct(i);
  }

  return {
    seed,
    productCount,
    categories: categoryRows,
    brands: brandRows,
    products: productsBetween,
    *chunks(size: number) {
      for (let start = 0; start < productCount; start += size) yield [...productsBetween(start, start + size)];
    },
  };
}

/** Every noun the generator can put at the end of a product name (for picture coverage checks). */
export function listProductNouns(): string[] {
  return [...new Set(DEPARTMENTS.flatMap((d) => d.subs.flatMap((s) => s.lines.flatMap((l) => l.nouns))))];
}
