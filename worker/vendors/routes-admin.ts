import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import type { AppEnv } from "../lib/context";
import { createApiApp, IdParam, problemResponse, SIGNED_IN } from "../lib/openapi";
import {
  AdminVendorPage,
  AdminVendorQuery,
  AdminVendorView,
  CommissionRuleBody,
  CommissionRuleList,
  CommissionRuleView,
  EmptyBody,
  MarkPayoutFailedBody,
  MarkPayoutPaidBody,
  PayoutAccountView,
  PayoutListQuery,
  PayoutPage,
  PayoutRunResult,
  PayoutSettingsBody,
  PayoutView,
  UpdateCommissionRuleBody,
  VendorReasonBody,
} from "./schema";
import { adminVendorDetail, approveVendor, listVendorsForAdmin, reinstateVendor, rejectVendor, suspendVendor } from "./service/applications";
import { createCommissionRule, deleteCommissionRule, listCommissionRules, updateCommissionRule } from "./service/commission-rules";
import { setPayoutSettings } from "./service/payout-account";
import { markPayoutFailed, markPayoutPaid } from "./service/payout-manual";
import { queuePayoutRun } from "./service/payout-runs";
import { listPayouts } from "./service/payouts";

const errors = {
  400: problemResponse("Invalid field (each named)."),
  401: problemResponse("Not signed in."),
  403: problemResponse("Missing the vendors permission."),
  404: problemResponse("No such vendor."),
  409: problemResponse("Not allowed in the vendor's current status, or it changed meanwhile."),
};

function write<B extends z.ZodType>(path: string, summary: string, body: B) {
  return createRoute({
    method: "post",
    path,
    tags: ["Admin: vendors"],
    security: SIGNED_IN,
    summary,
    request: { params: IdParam, body: { required: true, content: { "application/json": { schema: body } } } },
    responses: { 200: { description: "Done.", content: { "application/json": { schema: AdminVendorView } } }, ...errors },
  });
}

/** The staff member making a vendor decision: needs the `vendors` permission; answers the audit actor and origin. */
function decision(c: Context<AppEnv>) {
  requirePermission(c, "vendors");
  return { actor: auditActor(c), origin: new URL(c.req.url).origin };
}

/** Reviewing sellers: applications and vendors by status, approve, reject, suspend, reinstate. */
export const adminVendorRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/vendors",
      tags: ["Admin: vendors"],
      security: SIGNED_IN,
      summary: "Vendors and applications by status or by part of the name, handle or email, newest first",
      request: { query: AdminVendorQuery },
      responses: {
        200: { description: "A page of vendors.", content: { "application/json": { schema: AdminVendorPage } } },
        400: errors[400],
        401: errors[401],
        403: errors[403],
      },
    }),
    async (c) => c.json(await listVendorsForAdmin(c.env, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/vendors/{id}",
      tags: ["Admin: vendors"],
      security: SIGNED_IN,
      summary: "One vendor or application with its members",
      request: { params: IdParam },
      responses: {
        200: { description: "The vendor.", content: { "application/json": { schema: AdminVendorView } } },
        401: errors[401],
        403: errors[403],
        404: errors[404],
      },
    }),
    async (c) => c.json(await adminVendorDetail(c.env, c.req.valid("param").id), 200),
  )
  .openapi(write("/vendors/{id}/approve", "Approve a pending application: its members get the vendor role (emailed, audited)", EmptyBody), async (c) => {
    const { actor, origin } = decision(c);
    return c.json(await approveVendor(c.env, actor, c.req.valid("param").id, origin), 200);
  })
  .openapi(write("/vendors/{id}/reject", "Decline a pending application with the reason the applicant reads", VendorReasonBody), async (c) => {
    const { actor, origin } = decision(c);
    const { reason } = c.req.valid("json") as VendorReasonBody;
    return c.json(await rejectVendor(c.env, actor, c.req.valid("param").id, reason, origin), 200);
  })
  .openapi(write("/vendors/{id}/suspend", "Suspend an active vendor: its products leave the store (reason emailed)", VendorReasonBody), async (c) => {
    const { actor, origin } = decision(c);
    const { reason } = c.req.valid("json") as VendorReasonBody;
    return c.json(await suspendVendor(c.env, actor, c.req.valid("param").id, reason, origin), 200);
  })
  .openapi(write("/vendors/{id}/reinstate", "Reinstate a suspended vendor: its products return to the store", EmptyBody), async (c) => {
    const { actor, origin } = decision(c);
    return c.json(await reinstateVendor(c.env, actor, c.req.valid("param").id, origin), 200);
  })
  .openapi(
    createRoute({
      method: "put",
      path: "/vendors/{id}/payout-settings",
      tags: ["Admin: payouts"],
      security: SIGNED_IN,
      summary: "Change how a vendor is paid (needs a second factor proved within the last minutes; audited)",
      request: { params: IdParam, body: { required: true, content: { "application/json": { schema: PayoutSettingsBody } } } },
      responses: {
        200: { description: "How the vendor is paid now.", content: { "application/json": { schema: PayoutAccountView } } },
        400: errors[400],
        401: errors[401],
        403: problemResponse("Missing the vendors permission, or no fresh second factor (`auth.reauthentication_required`)."),
        404: errors[404],
      },
    }),
    async (c) => {
      const { actor } = decision(c);
      const body = c.req.valid("json") as PayoutSettingsBody;
      return c.json(await setPayoutSettings(c.env, c.req.valid("param").id, body, { staff: { actor, sessionId: c.get("auth")?.sessionId ?? "" } }), 200);
    },
  );

const payoutErrors = {
  ...errors,
  404: problemResponse("No such payout."),
  409: problemResponse("The payout is not a pending manual payout (it was settled meanwhile, or Stripe settles it)."),
};
const payoutAnswer = { description: "The payout.", content: { "application/json": { schema: PayoutView } } };
const payoutWrite = <B extends z.ZodType>(path: string, summary: string, body: B) =>
  createRoute({
    method: "post",
    path,
    tags: ["Admin: payouts"],
    security: SIGNED_IN,
    summary,
    request: { params: IdParam, body: { required: true, content: { "application/json": { schema: body } } } },
    responses: { 200: payoutAnswer, ...payoutErrors },
  });

/** Paying vendors: the payout list, a payout run, and settling manual payouts (all need the `vendors` permission). */
export const adminPayoutRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/payouts",
      tags: ["Admin: payouts"],
      security: SIGNED_IN,
      summary: "Payouts newest first, by vendor and status",
      request: { query: PayoutListQuery },
      responses: {
        200: { description: "A page of payouts.", content: { "application/json": { schema: PayoutPage } } },
        400: errors[400],
        401: errors[401],
        403: errors[403],
      },
    }),
    async (c) => {
      requirePermission(c, "vendors");
      return c.json(await listPayouts(c.env, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/payouts/run",
      tags: ["Admin: payouts"],
      security: SIGNED_IN,
      summary: "Run payouts now: queues one payout per vendor with a positive available balance (created and sent by the payouts queue)",
      request: { body: { required: true, content: { "application/json": { schema: EmptyBody } } } },
      responses: {
        200: {
          description: "The payouts this run queued, with the ids they get (none when nothing is available).",
          content: { "application/json": { schema: PayoutRunResult } },
        },
        401: errors[401],
        403: errors[403],
      },
    }),
    async (c) => {
      requirePermission(c, "vendors");
      return c.json(await queuePayoutRun(c.env, { actor: auditActor(c) }), 200);
    },
  )
  .openapi(payoutWrite("/payouts/{id}/paid", "Record that a manual payout was sent, with the bank reference (audited)", MarkPayoutPaidBody), async (c) => {
    requirePermission(c, "vendors");
    const { reference } = c.req.valid("json") as MarkPayoutPaidBody;
    return c.json(await markPayoutPaid(c.env, auditActor(c), c.req.valid("param").id, reference), 200);
  })
  .openapi(
    payoutWrite("/payouts/{id}/failed", "Cancel a pending manual payout: the amount goes back to the vendor's balance (audited)", MarkPayoutFailedBody),
    async (c) => {
      requirePermission(c, "vendors");
      const { reason } = c.req.valid("json") as MarkPayoutFailedBody;
      return c.json(await markPayoutFailed(c.env, auditActor(c), c.req.valid("param").id, reason), 200);
    },
  );

const ruleErrors = {
  ...errors,
  404: problemResponse("No such commission rule."),
  409: problemResponse("This target has a rule already."),
};
const ruleAnswer = { description: "The rule.", content: { "application/json": { schema: CommissionRuleView } } };

/** Commission rules by scope (store, vendor, category, product): the `vendors` permission; every change audited. */
export const adminCommissionRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/commissions",
      tags: ["Admin: commissions"],
      security: SIGNED_IN,
      summary: "Every commission rule, the store default first",
      responses: {
        200: { description: "The rules.", content: { "application/json": { schema: CommissionRuleList } } },
        401: errors[401],
        403: errors[403],
      },
    }),
    async (c) => {
      requirePermission(c, "vendors");
      return c.json(await listCommissionRules(c.env), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/commissions",
      tags: ["Admin: commissions"],
      security: SIGNED_IN,
      summary: "Add a rule for a scope and target (applies to orders placed from now on)",
      request: { body: { required: true, content: { "application/json": { schema: CommissionRuleBody } } } },
      responses: { 201: ruleAnswer, 400: errors[400], 401: errors[401], 403: errors[403], 409: ruleErrors[409] },
    }),
    async (c) => {
      requirePermission(c, "vendors");
      return c.json(await createCommissionRule(c.env, auditActor(c), c.req.valid("json") as CommissionRuleBody), 201);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/commissions/{id}",
      tags: ["Admin: commissions"],
      security: SIGNED_IN,
      summary: "Change a rule's rate or fee (placed orders keep the commission frozen on their lines)",
      request: { params: IdParam, body: { required: true, content: { "application/json": { schema: UpdateCommissionRuleBody } } } },
      responses: { 200: ruleAnswer, 400: errors[400], 401: errors[401], 403: errors[403], 404: ruleErrors[404] },
    }),
    async (c) => {
      requirePermission(c, "vendors");
      return c.json(await updateCommissionRule(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json") as UpdateCommissionRuleBody), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/commissions/{id}",
      tags: ["Admin: commissions"],
      security: SIGNED_IN,
      summary: "Remove a rule (placed orders keep their frozen commission)",
      request: { params: IdParam },
      responses: {
        200: { description: "Removed.", content: { "application/json": { schema: z.object({ deleted: z.literal(true) }).openapi("CommissionRuleDeleted") } } },
        401: errors[401],
        403: errors[403],
        404: ruleErrors[404],
      },
    }),
    async (c) => {
      requirePermission(c, "vendors");
      return c.json(await deleteCommissionRule(c.env, auditActor(c), c.req.valid("param").id), 200);
    },
  );
