// Replaced at build time (astro.config.mjs `vite.define`); absent where the Worker runs unbuilt (workers tests).
declare const __BUILD_ID__: string | undefined;

/**
 * Which build of the store this Worker is: a new value for every `npm run build`. A page names its build's
 * hashed CSS and script files, which the next deploy replaces, so cached copies carry the build in their key
 * (response-cache.ts): after a deploy no location serves HTML that points at files that are gone.
 */
export const BUILD_ID: string = typeof __BUILD_ID__ === "string" ? __BUILD_ID__ : "unbuilt";
