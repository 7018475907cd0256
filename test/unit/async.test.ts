import { describe, expect, it } from "vitest";
import { appendStatus, judgeAsync, type AsyncObservation } from "../../src/async/judge.ts";

const T = 1_000_000;
const base: AsyncObservation = {
  submittedAt: T,
  deadline: T + 60_000,
  webhook: null,
  statuses: [],
  webhookStatus: null,
  statusError: null,
  pollError: null,
};
const webhook = { at: T + 1_500, ok: true, reason: "ok", message: "" };

describe("async verdicts", () => {
  it("waits until the webhook and a completed status have both been seen", () => {
    expect(judgeAsync(base, T + 1)).toEqual({ done: false });
    expect(judgeAsync({ ...base, webhook }, T + 2_000)).toEqual({ done: false });
    expect(judgeAsync({ ...base, statuses: ["QUEUED", "SUCCEEDED"], webhookStatus: "PENDING", webhook }, T + 2_000)).toEqual({
      done: false,
    });
  });

  it("passes with the latency from submit to webhook", () => {
    const verdict = judgeAsync(
      { ...base, webhook, statuses: ["QUEUED", "IN_PROGRESS", "SUCCEEDED"], webhookStatus: "SUCCEEDED" },
      T + 3_000,
    );
    expect(verdict).toMatchObject({ done: true, ok: true, reason: "ok", latencyMs: 1_500 });
  });

  it("fails at once on a webhook that did not check out", () => {
    const bad = { ...webhook, ok: false, reason: "model_not_found", message: "MODEL_DOES_NOT_EXIST: gone" };
    expect(judgeAsync({ ...base, webhook: bad }, T + 2_000)).toMatchObject({ done: true, ok: false, reason: "model_not_found" });
  });

  it("fails a status sequence that goes back or changes after the end, naming what was seen", () => {
    expect(judgeAsync({ ...base, statuses: ["IN_PROGRESS", "QUEUED"] }, T + 1)).toMatchObject({
      reason: "async_status_invalid",
      message: "statuses out of order: IN_PROGRESS → QUEUED",
    });
    expect(judgeAsync({ ...base, statuses: ["SUCCEEDED", "FAILED"] }, T + 1)).toMatchObject({ reason: "async_status_invalid" });
    expect(judgeAsync({ ...base, statuses: ["DONE"] }, T + 1)).toMatchObject({ message: "unknown status DONE" });
  });

  it("takes the reason of a failed request from its status when the webhook has not come yet", () => {
    const failed = { ...base, statuses: ["IN_PROGRESS", "FAILED"], statusError: { code: "MODEL_UNAVAILABLE", message: "no replicas" } };
    expect(judgeAsync(failed, T + 1)).toMatchObject({ reason: "model_unavailable", message: "MODEL_UNAVAILABLE: no replicas" });
    expect(judgeAsync({ ...failed, statusError: { code: "MODEL_DOES_NOT_EXIST", message: "" } }, T + 1)).toMatchObject({
      reason: "model_not_found",
    });
  });

  it("fails a request that ended badly, or whose webhook the platform could not deliver", () => {
    expect(judgeAsync({ ...base, statuses: ["QUEUED", "EXPIRED"], webhookStatus: "PENDING" }, T + 1)).toMatchObject({
      reason: "async_request_failed",
      message: "request ended EXPIRED: QUEUED → EXPIRED, webhook_status PENDING",
    });
    expect(judgeAsync({ ...base, statuses: ["SUCCEEDED"], webhookStatus: "FAILED" }, T + 1)).toMatchObject({
      reason: "webhook_delivery_failed",
    });
  });

  it("at the deadline tells a stuck request from a lost webhook", () => {
    const at = base.deadline;
    expect(judgeAsync({ ...base, statuses: ["QUEUED"], webhookStatus: "PENDING" }, at)).toMatchObject({
      reason: "status_stuck",
      message: "no webhook and the request still QUEUED after 60 s: QUEUED, webhook_status PENDING",
      latencyMs: 60_000,
    });
    expect(judgeAsync({ ...base, statuses: ["QUEUED", "SUCCEEDED"], webhookStatus: "SUCCEEDED" }, at)).toMatchObject({
      reason: "webhook_timeout",
    });
    expect(judgeAsync({ ...base, pollError: "status endpoint answered 502" }, at)).toMatchObject({
      reason: "status_stuck",
      message: expect.stringContaining("last poll failed: status endpoint answered 502"),
    });
    expect(judgeAsync({ ...base, webhook, statuses: ["IN_PROGRESS"] }, at)).toMatchObject({
      reason: "status_stuck",
      latencyMs: 1_500,
    });
  });

  it("folds repeated statuses", () => {
    expect(appendStatus(appendStatus(["QUEUED"], "QUEUED"), "IN_PROGRESS")).toEqual(["QUEUED", "IN_PROGRESS"]);
  });
});
