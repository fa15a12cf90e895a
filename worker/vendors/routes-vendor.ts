import { createRoute, z } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { requireVendor } from "./guard";
import {
  ChangeMemberRoleBody,
  ConnectLink,
  EmptyBody,
  InvitationIdParam,
  InviteMemberBody,
  MemberIdParam,
  PayoutAccountView,
  PayoutPage,
  PayoutSettingsBody,
  UpdateVendorSettingsBody,
  VendorLedgerPage,
  VendorLedgerQuery,
  VendorPayoutQuery,
  VendorPayoutSummary,
  VendorSettings,
  VendorTeam,
} from "./schema";
import { vendorStatement, vendorStatementCsv } from "./service/ledger";
import { changeMemberRole, inviteMember, removeMember, revokeInvitation, vendorTeam } from "./service/members";
import { payoutAccountOf, setPayoutSettings, startConnectOnboarding } from "./service/payout-account";
import { vendorPayoutSummary } from "./service/payout-balances";
import { listPayouts } from "./service/payouts";
import { updateVendorSettings, vendorSettings } from "./service/settings";

const denied = {
  401: problemResponse("Not signed in."),
  403: problemResponse("Not a member of a vendor, or the member role may not see its money."),
};

/** The vendor's own money: balance and ledger statement (finance members and the owner). */
export const vendorLedgerRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/ledger",
      tags: ["Vendor: payouts"],
      security: SIGNED_IN,
      summary: "The vendor's balance and ledger statement, newest first",
      request: { query: VendorLedgerQuery },
      responses: { 200: { description: "Balance and a page of entries.", content: { "application/json": { schema: VendorLedgerPage } } }, ...denied },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "finance");
      const { page, perPage } = c.req.valid("query");
      return c.json(await vendorStatement(c.env, vendorId, c.env.BASE_CURRENCY, page, perPage), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/ledger/export",
      tags: ["Vendor: payouts"],
      security: SIGNED_IN,
      summary: "The vendor's whole ledger statement as CSV, oldest first",
      description:
        "Columns: date, kind, amount, currency, balance, order_id, vendor_order_id, payout_id, reference (a payout entry's Stripe transfer id or bank reference, read from its payout), note. Amounts as decimals in the currency.",
      responses: { 200: { description: "The CSV file.", content: { "text/csv": { schema: z.string() } } }, ...denied },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "finance");
      const csv = await vendorStatementCsv(c.env, vendorId, c.env.BASE_CURRENCY);
      return c.body(csv, 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="ledger-${new Date().toISOString().slice(0, 10)}.csv"`,
      });
    },
  );

/** The vendor's payout history (finance members and the owner). */
export const vendorPayoutRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/payouts",
      tags: ["Vendor: payouts"],
      security: SIGNED_IN,
      summary: "The vendor's payouts, newest first",
      request: { query: VendorPayoutQuery },
      responses: { 200: { description: "A page of payouts.", content: { "application/json": { schema: PayoutPage } } }, ...denied },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "finance");
      return c.json(await listPayouts(c.env, { ...c.req.valid("query"), vendorId }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/payouts/summary",
      tags: ["Vendor: payouts"],
      security: SIGNED_IN,
      summary: "The vendor's balance, what can be paid now, what is held, and the next payout (amount and when)",
      responses: { 200: { description: "The money at a glance.", content: { "application/json": { schema: VendorPayoutSummary } } }, ...denied },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "finance");
      return c.json(await vendorPayoutSummary(c.env, vendorId, c.env.BASE_CURRENCY), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/payouts/account",
      tags: ["Vendor: payouts"],
      security: SIGNED_IN,
      summary: "How the vendor is paid: the chosen method and the Stripe account's state",
      responses: { 200: { description: "The payout account.", content: { "application/json": { schema: PayoutAccountView } } }, ...denied },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "finance");
      return c.json(await payoutAccountOf(c.env, vendorId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/payouts/account",
      tags: ["Vendor: payouts"],
      security: SIGNED_IN,
      summary: "Choose how the vendor is paid and the bank details for manual payouts (owners, with a second factor proved within minutes)",
      request: { body: { required: true, content: { "application/json": { schema: PayoutSettingsBody } } } },
      responses: {
        200: { description: "How the vendor is paid now.", content: { "application/json": { schema: PayoutAccountView } } },
        400: problemResponse("Invalid field (each named)."),
        401: denied[401],
        403: problemResponse("Not an owner of an active vendor, or `auth.reauthentication_required`: prove a second factor first."),
      },
    }),
    async (c) => {
      const { vendorId, auth } = await requireVendor(c, "settings");
      const by = { vendorMember: { actor: auditActor(c), sessionId: auth.sessionId } };
      return c.json(await setPayoutSettings(c.env, vendorId, c.req.valid("json") as PayoutSettingsBody, by), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/payouts/connect",
      tags: ["Vendor: payouts"],
      security: SIGNED_IN,
      summary: "Start or resume Stripe Connect onboarding (owners): answers the link to Stripe's pages",
      request: { body: { required: true, content: { "application/json": { schema: EmptyBody } } } },
      responses: {
        200: { description: "The onboarding link.", content: { "application/json": { schema: ConnectLink } } },
        401: denied[401],
        403: problemResponse("Not an owner of an active vendor."),
        409: problemResponse("This store does not pay through Stripe Connect."),
      },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "settings");
      return c.json(await startConnectOnboarding(c.env, vendorId, new URL(c.req.url).origin), 200);
    },
  );

const errors = {
  400: problemResponse("Invalid field (each named)."),
  401: problemResponse("Not signed in."),
  403: problemResponse("Not an owner of an active vendor."),
  404: problemResponse("No such member or invitation in the caller's vendor."),
  409: problemResponse("Already a member, or the change would leave the vendor without an owner."),
};
const team = { description: "The vendor's members and open invitations.", content: { "application/json": { schema: VendorTeam } } };
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });

/** The owner's team screen: members, invitations by email, role changes and removals (never the last owner). */
export const vendorMemberRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/members",
      tags: ["Vendor: members"],
      security: SIGNED_IN,
      summary: "The caller's vendor's members and open invitations (owners)",
      responses: { 200: team, 401: errors[401], 403: errors[403] },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "settings");
      return c.json(await vendorTeam(c.env, vendorId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/members/invitations",
      tags: ["Vendor: members"],
      security: SIGNED_IN,
      summary: "Invite a teammate by email with a member role (emails a link that works for 7 days)",
      request: body(InviteMemberBody),
      responses: { 201: team, 400: errors[400], 401: errors[401], 403: errors[403], 409: errors[409] },
    }),
    async (c) => {
      const { vendorId, auth } = await requireVendor(c, "settings");
      const input = c.req.valid("json") as InviteMemberBody;
      return c.json(await inviteMember(c.env, auditActor(c), vendorId, auth.principal, input, new URL(c.req.url).origin), 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/members/invitations/{id}",
      tags: ["Vendor: members"],
      security: SIGNED_IN,
      summary: "Withdraw an open invitation (its link stops working)",
      request: { params: InvitationIdParam },
      responses: { 200: team, 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "settings");
      return c.json(await revokeInvitation(c.env, auditActor(c), vendorId, c.req.valid("param").id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/members/{userId}",
      tags: ["Vendor: members"],
      security: SIGNED_IN,
      summary: "Change a member's role (the last owner stays an owner)",
      request: { params: MemberIdParam, ...body(ChangeMemberRoleBody) },
      responses: { 200: team, 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "settings");
      const { role } = c.req.valid("json") as ChangeMemberRoleBody;
      return c.json(await changeMemberRole(c.env, auditActor(c), vendorId, c.req.valid("param").userId, role), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/members/{userId}",
      tags: ["Vendor: members"],
      security: SIGNED_IN,
      summary: "Remove a member (never the last owner); they go back to a customer account",
      request: { params: MemberIdParam },
      responses: { 200: team, 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "settings");
      return c.json(await removeMember(c.env, auditActor(c), vendorId, c.req.valid("param").userId), 200);
    },
  );

/** The vendor's own profile, storefront page and return address (the owner's "settings" capability). */
export const vendorSettingsRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/settings",
      tags: ["Vendor: settings"],
      security: SIGNED_IN,
      summary: "The caller's vendor's profile, storefront and return address (owners)",
      responses: {
        200: { description: "The vendor's settings.", content: { "application/json": { schema: VendorSettings } } },
        401: errors[401],
        403: errors[403],
      },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "settings");
      return c.json(await vendorSettings(c.env, vendorId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/settings",
      tags: ["Vendor: settings"],
      security: SIGNED_IN,
      summary: "Change the vendor's profile, storefront or return address (only the fields sent); audited",
      request: body(UpdateVendorSettingsBody),
      responses: {
        200: { description: "The vendor's settings after the change.", content: { "application/json": { schema: VendorSettings } } },
        400: errors[400],
        401: errors[401],
        403: errors[403],
      },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "settings");
      return c.json(await updateVendorSettings(c.env, auditActor(c), vendorId, c.req.valid("json") as UpdateVendorSettingsBody), 200);
    },
  );
