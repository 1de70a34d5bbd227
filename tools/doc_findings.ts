/** What of `deno doc --lint`'s output is about troupe's own API (tools/api_docs.ts reports it). */

/**
 * Types of troupe's dependencies that its signatures name (`createOpsApp` returns a Hono
 * app). deno doc reports them as private because, resolved through node_modules, they
 * live in `file:` modules; it skips types of other packages only when they come from
 * `npm:` or `jsr:` specifiers (denoland/deno#27364). Whose type it is cannot be read from
 * the finding, so the names are listed: a finding about one of these is dropped.
 */
export const DEPENDENCY_TYPES: Readonly<Record<string, string>> = {
  Hono: "hono",
  Registry: "prom-client",
};

/** deno doc --lint's findings (blocks starting `error[`), without those about {@link DEPENDENCY_TYPES}. */
export function troupeFindings(output: string): string[] {
  const blocks = output.split(/\n(?=error\[)/).filter((b) => b.startsWith("error["));
  return blocks.filter((b) => {
    const ref = /^error\[private-type-ref\]: .* references private type '([^']+)'/.exec(b);
    return !(ref && ref[1]! in DEPENDENCY_TYPES);
  }).map((b) =>
    b.split("\n").filter((l) => !/^Warning |^\s+at file:|^npm warn |^error: Found \d+ documentation lint error/.test(l))
      .join("\n").trim()
  );
}
