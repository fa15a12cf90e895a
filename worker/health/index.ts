/** The health domain's public surface: what a production store still has to configure (admin pages show it). */
export { type ReadinessWarning, readinessWarnings } from "./service";
