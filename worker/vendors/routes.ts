import { createRoute } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { requireAuth } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { AcceptInvitationBody, InvitationAccepted, MyVendorApplication, VendorApplicationBody, VendorView } from "./schema";
import { applyToSell, myVendorApplication } from "./service/applications";
import { acceptInvitation } from "./service/members";

/** "Sell with us": a signed-in user applies to become a vendor and follows the application. */
export const vendorApplicationRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "post",
      path: "/vendor-applications",
      tags: ["Vendors"],
      security: SIGNED_IN,
      summary: "Apply to sell: a pending vendor with the caller as its owner (one vendor per account)",
      request: { body: { required: true, content: { "application/json": { schema: VendorApplicationBody } } } },
      responses: {
        201: { description: "The application, pending review.", content: { "application/json": { schema: VendorView } } },
        400: problemResponse("Invalid field (each named)."),
        401: problemResponse("Not signed in."),
        409: problemResponse("The handle is taken, or the account already belongs to a vendor."),
      },
    }),
    async (c) => {
      const { principal } = requireAuth(c);
      const body = c.req.valid("json") as VendorApplicationBody;
      c.header("Cache-Control", "private, no-store");
      return c.json(await applyToSell(c.env, principal.id, body, new URL(c.req.url).origin), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/vendor-applications/me",
      tags: ["Vendors"],
      security: SIGNED_IN,
      summary: "The caller's application or vendor and its status (null when none)",
      responses: {
        200: { description: "The caller's vendor, if any.", content: { "application/json": { schema: MyVendorApplication } } },
        401: problemResponse("Not signed in."),
      },
    }),
    async (c) => {
      const { principal } = requireAuth(c);
      c.header("Cache-Control", "private, no-store");
      return c.json({ vendor: await myVendorApplication(c.env, principal.id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/vendor-invitations/accept",
      tags: ["Vendors"],
      security: SIGNED_IN,
      summary: "Accept an invitation to a vendor with the token of the emailed link (signed in with the invited email)",
      request: { body: { required: true, content: { "application/json": { schema: AcceptInvitationBody } } } },
      responses: {
        200: { description: "Joined; sign in again to open the seller panel.", content: { "application/json": { schema: InvitationAccepted } } },
        400: problemResponse("Invalid field (each named)."),
        401: problemResponse("Not signed in."),
        403: problemResponse("Signed in with another email than the invited one."),
        404: problemResponse("The link expired, was withdrawn or was already used."),
        409: problemResponse("The account already belongs to a vendor."),
      },
    }),
    async (c) => {
      const { principal } = requireAuth(c);
      const { token } = c.req.valid("json") as AcceptInvitationBody;
      c.header("Cache-Control", "private, no-store");
      return c.json(await acceptInvitation(c.env, principal, token, auditActor(c)), 200);
    },
  );
