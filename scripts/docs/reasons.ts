import { REASONS } from "../../src/status/reasons.ts";

const STATUS_WORDS = { pass: "passes", NO_USER: "`NO_USER`", NO_ORACLE: "`NO_ORACLE`", FAILED: "`FAILED`" } as const;

/** docs/reasons.md, from the reasons registry: pure, so a test can hold the file to it. */
export function reasonsDoc(): string {
  const rows = Object.entries(REASONS).map(
    ([code, reason]) => `| \`${code}\` | ${STATUS_WORDS[reason.status]} | ${reason.meaning} | ${reason.givenBy} |`,
  );
  return [
    "# Reason codes",
    "",
    "<!-- Generated from src/status/reasons.ts by `npm run docs`: edit the registry, not this file. -->",
    "",
    "Every result carries a reason code: in the API, the history, the status page and Sentry alerts.",
    "The status column is what a critical probe failing for that reason makes of the plane once it",
    "fails in more regions than the quorum spares (a non-critical probe, or fewer regions, only",
    "degrades it); precedence is `NO_USER` > `NO_ORACLE` > `FAILED`. An async error code a platform",
    "adds later appears lowercased and reads `FAILED`.",
    "",
    "| code | status | meaning | given by |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
