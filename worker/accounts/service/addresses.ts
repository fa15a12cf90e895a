import { and, asc, eq, ne } from "drizzle-orm";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { decryptPii, encryptPii } from "../../lib/pii-crypto";
import { addressProblemsFor } from "../../regions";
import type { Address, CreateAddressBody, UpdateAddressBody } from "../schema";
import { userAddresses } from "../tables";

const MAX_ADDRESSES = 20;
const context = (userId: string, id: string) => `user_addresses:${userId}:${id}`;

type Stored = Omit<Address, "id" | "country" | "isDefaultShipping" | "isDefaultBilling">;

async function toAddress(env: Env, row: typeof userAddresses.$inferSelect): Promise<Address> {
  const data = JSON.parse(await decryptPii(env.PII_KEYS, row.dataEnc, context(row.userId, row.id))) as Stored;
  return { id: row.id, ...data, country: row.country, isDefaultShipping: row.isDefaultShipping === 1, isDefaultBilling: row.isDefaultBilling === 1 };
}

/** The country's rules in force, as admins keep them: the same ones checkout applies. */
async function validate(env: Env, address: { country: string; region?: string | null; postalCode?: string | null }) {
  const problems = await addressProblemsFor(env, address);
  if (problems.length) throw new AppError("accounts.invalid_address", 400, "The address is not complete for its country.", problems);
}

/** The caller's addresses, defaults first. */
export async function listAddresses(env: Env, userId: string): Promise<Address[]> {
  const rows = await getDb(env.DB).select().from(userAddresses).where(eq(userAddresses.userId, userId)).orderBy(asc(userAddresses.createdAt));
  const list = await Promise.all(rows.map((r) => toAddress(env, r)));
  return list.sort((a, b) => Number(b.isDefaultShipping) - Number(a.isDefaultShipping));
}

/** Loads one of the caller's addresses; another user's address is answered 404 like a missing one. */
async function ownedRow(env: Env, userId: string, id: string) {
  const row = await getDb(env.DB)
    .select()
    .from(userAddresses)
    .where(and(eq(userAddresses.id, id), eq(userAddresses.userId, userId)))
    .get();
  if (!row) throw new AppError("accounts.address_not_found", 404, "No such address.");
  return row;
}

/** The caller's default shipping address, or null (one row read, one decryption). */
export async function getDefaultShippingAddress(env: Env, userId: string): Promise<Address | null> {
  const row = await getDb(env.DB)
    .select()
    .from(userAddresses)
    .where(and(eq(userAddresses.userId, userId), eq(userAddresses.isDefaultShipping, 1)))
    .get();
  return row ? toAddress(env, row) : null;
}

export async function getAddress(env: Env, userId: string, id: string): Promise<Address> {
  return toAddress(env, await ownedRow(env, userId, id));
}

async function write(env: Env, userId: string, id: string, address: Omit<Address, "id">, isNew: boolean): Promise<Address> {
  await validate(env, address);
  const db = getDb(env.DB);
  const { country, isDefaultShipping, isDefaultBilling, ...rest } = address;
  const data: Stored = { ...rest, region: rest.region ? rest.region.toUpperCase() : null, postalCode: rest.postalCode ? rest.postalCode.toUpperCase() : null };
  const values = {
    country,
    dataEnc: await encryptPii(env.PII_KEYS, JSON.stringify(data), context(userId, id)),
    isDefaultShipping: isDefaultShipping ? 1 : 0,
    isDefaultBilling: isDefaultBilling ? 1 : 0,
    updatedAt: new Date().toISOString(),
  };
  // One default of each kind: clearing the others is in the same batch as the write.
  const statements = [
    isNew ? db.insert(userAddresses).values({ id, userId, ...values }) : db.update(userAddresses).set(values).where(eq(userAddresses.id, id)),
    ...(isDefaultShipping
      ? [
          db
            .update(userAddresses)
            .set({ isDefaultShipping: 0 })
            .where(and(eq(userAddresses.userId, userId), ne(userAddresses.id, id))),
        ]
      : []),
    ...(isDefaultBilling
      ? [
          db
            .update(userAddresses)
            .set({ isDefaultBilling: 0 })
            .where(and(eq(userAddresses.userId, userId), ne(userAddresses.id, id))),
        ]
      : []),
  ];
  await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  return { id, ...data, country, isDefaultShipping: !!isDefaultShipping, isDefaultBilling: !!isDefaultBilling };
}

/** Adds an address; the first one becomes the default for shipping and billing. */
export async function createAddress(env: Env, userId: string, body: CreateAddressBody): Promise<Address> {
  const existing = await getDb(env.DB).select({ id: userAddresses.id }).from(userAddresses).where(eq(userAddresses.userId, userId));
  if (existing.length >= MAX_ADDRESSES) throw new AppError("accounts.too_many_addresses", 409, `An address book holds at most ${MAX_ADDRESSES} addresses.`);
  const first = existing.length === 0;
  return write(
    env,
    userId,
    newId("adr"),
    {
      fullName: body.fullName,
      company: body.company ?? null,
      line1: body.line1,
      line2: body.line2 ?? null,
      city: body.city,
      region: body.region ?? null,
      postalCode: body.postalCode ?? null,
      country: body.country,
      phone: body.phone ?? null,
      isDefaultShipping: body.isDefaultShipping ?? first,
      isDefaultBilling: body.isDefaultBilling ?? first,
    },
    true,
  );
}

/** Changes fields of one of the caller's addresses; the result is re-validated for its country. */
export async function updateAddress(env: Env, userId: string, id: string, patch: UpdateAddressBody): Promise<Address> {
  const current = await getAddress(env, userId, id);
  const { id: _id, ...rest } = current;
  const next = { ...rest };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
  return write(env, userId, id, next, false);
}

/** Deletes one of the caller's addresses; if it was a default, the oldest remaining one takes over. */
export async function deleteAddress(env: Env, userId: string, id: string): Promise<void> {
  const row = await ownedRow(env, userId, id);
  const db = getDb(env.DB);
  await db.delete(userAddresses).where(eq(userAddresses.id, id));
  const next = await db.select().from(userAddresses).where(eq(userAddresses.userId, userId)).orderBy(asc(userAddresses.createdAt)).get();
  if (next && (row.isDefaultShipping || row.isDefaultBilling)) {
    await db
      .update(userAddresses)
      .set({ ...(row.isDefaultShipping ? { isDefaultShipping: 1 } : {}), ...(row.isDefaultBilling ? { isDefaultBilling: 1 } : {}) })
      .where(eq(userAddresses.id, next.id));
  }
}
