import type { PlaneStatus } from "./model.ts";

/** What an on-call engineer needs for each status, adapted from the workload plane runbook. */
export interface RunbookEntry {
  summary: string;
  meaning: string;
  impact: string;
  diagnosis: string[];
  mitigation: string[];
}

export const RUNBOOK: Record<PlaneStatus, RunbookEntry> = {
  OK: {
    summary: "Every required probe passes.",
    meaning: "Every critical probe passes in enough regions to meet the quorum, and nothing fails anywhere.",
    impact: "None.",
    diagnosis: [],
    mitigation: [],
  },
  DEGRADED: {
    summary: "The plane passes its quorum, but a region or a non-critical probe fails.",
    meaning: "Enough regions pass every critical probe, but at least one region fails a probe, or a non-critical probe fails.",
    impact: "Users near the failing region, or of the failing feature, may see errors or latency.",
    diagnosis: [
      "Open the plane's page and find the failing (region, probe) pairs and their reasons.",
      "Compare latency and HTTP codes across regions: one region alone points at the network or an edge location.",
    ],
    mitigation: [
      "If one region fails, check connectivity from that region and the plane's regional ingress.",
      "If a non-critical probe fails, follow that component's own runbook.",
    ],
  },
  FAILED: {
    summary: "A probe ran and failed in enough regions to break the quorum.",
    meaning: "The health check request to the health-check model (or a critical health endpoint) failed.",
    impact: "The workload plane may be experiencing issues that affect user workloads.",
    diagnosis: [
      "Read the failing probes' reasons and messages on the plane's page (timeout, unexpected_status, body_mismatch, …).",
      "Check the logs of the health-check model itself, impersonating the probe identity if needed.",
      "Check for network or accessibility problems between the regions and the plane.",
    ],
    mitigation: ["Address the network or accessibility issues found.", "If the health-check model is malfunctioning, redeploy it."],
  },
  NO_USER: {
    summary: "The probe identity is missing or rejected.",
    meaning: "The API key secret named in the config is not set on the Worker, or the plane answers 401/403 to the probe identity.",
    impact: "The health check cannot be performed, which may mask other issues with the plane.",
    diagnosis: [
      "Check the reason: credentials_missing means the Worker secret is not set; unauthorized means the plane refused the key.",
      "Verify that the smoke test user for this plane exists and that its API key is valid.",
    ],
    mitigation: [
      "Set the secret with `wrangler secret put <NAME>`, or rotate the key and update the secret.",
      "Re-run the job that creates the smoke test user if it is missing.",
    ],
  },
  NO_ORACLE: {
    summary: "The health-check model does not exist.",
    meaning: "The plane answers 404 or MODEL_DOES_NOT_EXIST for the health-check model.",
    impact: "The health check cannot be performed, which may point at a problem with the plane's database or deployments.",
    diagnosis: [
      "Check the state of the health-check model as the probe identity.",
      "Review the logs of model deployment and of the job that creates the health-check model.",
    ],
    mitigation: ["Deploy the health-check model again."],
  },
  NO_VALUE: {
    summary: "No fresh result: the checks did not run.",
    meaning: "Nothing was evaluated within the status TTL (default 2 minutes): the checks did not run or did not report.",
    impact: "Not by itself a sign that the plane has an issue, but the plane is unwatched while it lasts.",
    diagnosis: [
      "Look for Sentry errors and the cron monitor of the mesh: did the scheduler run?",
      "Check /healthz/readyz: an invalid config stops all probing.",
    ],
    mitigation: ["Fix the mesh (cron trigger, config, Durable Objects) and watch the status come back."],
  },
};
