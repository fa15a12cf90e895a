// The reviews domain's public surface: published reviews and the rating summary for pages and later
// domains (structured data reads `productReviewDigest`), the shopper's writes, and staff moderation.
export { REVIEW_LIMITS } from "./limits";
export * from "./schema";
export { REPORT_REASONS, REVIEW_STATUSES, type ReviewStatus } from "./tables";
export { adminReview, approveReview, deleteReply, dismissReports, listAdminReviews, rejectReview, replyToReview } from "./service/moderation";
export { createGuestReview, guestReviewables } from "./service/guest";
export { openReviewLink, REVIEW_LINK_DAYS, reviewLinkToken, saveReviewByLink } from "./service/link";
export { listReviews, productReviewDigest } from "./service/read";
export { sendReviewRequests } from "./service/requests";
export { listVendorReviews, replyAsVendor } from "./service/vendor";
export { reviewSettings, updateReviewSettings } from "./service/settings";
export {
  createReview,
  deleteReview,
  deliveredLineOf,
  type ReviewerState,
  reportReview,
  reviewerState,
  updateReview,
  uploadReviewPhoto,
  voteHelpful,
} from "./service/write";
