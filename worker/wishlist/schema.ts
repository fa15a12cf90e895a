import { z } from "@hono/zod-openapi";
import { StockStatus } from "../catalog/schema";
import { MoneySchema } from "../lib/openapi";

const sku = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Z0-9][A-Z0-9-]*$/, "Expected a SKU")
  .openapi({ example: "NWG-00042-M-RED" });

/** Prices never come from a client: only the SKU. */
export const AddWishlistItemBody = z.object({ sku }).strict().openapi("AddWishlistItemBody");
export type AddWishlistItemBody = z.infer<typeof AddWishlistItemBody>;

export const WishlistSkuParam = z.object({ sku: sku.openapi({ param: { name: "sku", in: "path" } }) });

/** The owner's switches: sharing the list by link. */
export const UpdateWishlistBody = z
  .object({ shareEnabled: z.boolean({ error: "Expected true or false" }).openapi({ description: "Whether the share link answers." }) })
  .strict()
  .openapi("UpdateWishlistBody");
export type UpdateWishlistBody = z.infer<typeof UpdateWishlistBody>;

export const WishlistItemSchema = z
  .object({
    sku: z.string(),
    productSlug: z.string().nullable(),
    name: z.string(),
    variantTitle: z.string(),
    image: z.string().nullable(),
    price: MoneySchema.openapi({ description: "The catalog's price now." }),
    priceWhenAdded: MoneySchema,
    priceDropped: z.boolean().openapi({ description: "The price is lower than when the shopper added the item." }),
    stockStatus: StockStatus,
    available: z.boolean().openapi({ description: "On sale and in stock: can be moved to the cart." }),
    addedAt: z.string(),
  })
  .openapi("WishlistItem");
export type WishlistItem = z.infer<typeof WishlistItemSchema>;

export const WishlistSchema = z
  .object({
    id: z.string().openapi({ description: "Empty when the caller has no list yet." }),
    name: z.string(),
    items: z.array(WishlistItemSchema),
    itemCount: z.number().int(),
    shareEnabled: z.boolean(),
    shareUrl: z.string().nullable().openapi({ description: "Path of the read-only shared page while sharing is on." }),
  })
  .openapi("Wishlist");
export type WishlistView = z.infer<typeof WishlistSchema>;

/** What anyone with the share link sees: the list's items, no owner, no email, no ids of the owner. */
export const SharedWishlistSchema = z
  .object({ name: z.string(), items: z.array(WishlistItemSchema.omit({ addedAt: true, priceWhenAdded: true, priceDropped: true })) })
  .openapi("SharedWishlist");
export type SharedWishlistView = z.infer<typeof SharedWishlistSchema>;

export const ShareTokenParam = z.object({
  token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{22,64}$/, "Expected a share token")
    .openapi({ param: { name: "token", in: "path" } }),
});

/** The unsubscribe form of an alert email's link (no sign-in; the token is signed). */
export const UnsubscribeBody = z
  .object({ token: z.string().min(10).max(300) })
  .strict()
  .openapi("WishlistUnsubscribeBody");
export type UnsubscribeBody = z.infer<typeof UnsubscribeBody>;

/** A list's name as the shopper types it; the store compares names without regard to case. */
const listName = z
  .string({ error: "Expected a name" })
  .trim()
  .min(1, "Give the list a name")
  .max(60, "At most 60 characters")
  .openapi({ example: "Birthday ideas" });

const listIdText = z.string().regex(/^wl[a-z]?_[0-9A-Za-z_-]{1,80}$/, "Expected a wish list id");
const listId = listIdText.openapi({ param: { name: "listId", in: "path" }, example: "wln_0hq3m5k7x9p2r4t6v8w0y2z4b" });

export const WishlistListParam = z.object({ listId });
export const WishlistListSkuParam = z.object({ listId, sku: sku.openapi({ param: { name: "sku", in: "path" } }) });

/** A new named list (signed-in shoppers only; the default list always exists). */
export const CreateWishlistBody = z.object({ name: listName }).strict().openapi("CreateWishlistBody");
export type CreateWishlistBody = z.infer<typeof CreateWishlistBody>;

/** Rename a list and/or turn its share link on or off. */
export const UpdateNamedWishlistBody = z
  .object({
    name: listName.optional(),
    shareEnabled: z.boolean({ error: "Expected true or false" }).optional().openapi({ description: "Whether the list's share link answers." }),
  })
  .strict()
  .refine((b) => b.name !== undefined || b.shareEnabled !== undefined, { message: "Nothing to change", path: ["name"] })
  .openapi("UpdateNamedWishlistBody");
export type UpdateNamedWishlistBody = z.infer<typeof UpdateNamedWishlistBody>;

/** Move a saved item to another of the caller's lists. */
export const MoveWishlistItemBody = z
  .object({ toListId: listIdText.openapi({ description: "The caller's list the item goes to." }) })
  .strict()
  .openapi("MoveWishlistItemBody");
export type MoveWishlistItemBody = z.infer<typeof MoveWishlistItemBody>;

export const WishlistSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    isDefault: z.boolean().openapi({ description: "The default list: where saves go unless another list is named; it cannot be deleted." }),
    itemCount: z.number().int(),
    shareEnabled: z.boolean(),
    shareUrl: z.string().nullable(),
  })
  .openapi("WishlistSummary");
export type WishlistSummary = z.infer<typeof WishlistSummarySchema>;

export const WishlistIndexSchema = z
  .object({
    lists: z.array(WishlistSummarySchema).openapi({ description: "The default list first, then named lists oldest first." }),
    maxLists: z.number().int(),
  })
  .openapi("WishlistIndex");
export type WishlistIndex = z.infer<typeof WishlistIndexSchema>;

export const WishlistMoveItemResultSchema = z.object({ from: WishlistSchema, to: WishlistSchema }).openapi("WishlistMoveItemResult");
export type WishlistMoveItemResult = z.infer<typeof WishlistMoveItemResultSchema>;
