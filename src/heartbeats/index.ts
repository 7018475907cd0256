/**
 * Heartbeats, in the order a beat travels. The kind's spec (its config) is
 * src/probes/heartbeat.ts; everything else of the flow is in this folder.
 *
 * 1. Receive (route.ts): a worker or a cron job POSTs /api/v1/heartbeats/{plane}/{probe} with
 *    `Authorization: Bearer <token>`, the value of the secret the probe names. An unknown
 *    probe, a bad token or an unset secret is refused, and nothing is stored.
 * 2. Record (storage.ts): the plane's object notes the beat and records a passing result
 *    from the region `push`, at most one per 10 s so that a sender in a loop cannot flood the
 *    history.
 * 3. Judge silence (judge.ts, storage.ts): on its alarm the Plane object judges every probe
 *    whose deadline (period + grace after the last beat) has passed, again every period while
 *    it stays silent. The plane's first Prober object re-arms that alarm every minute, so a
 *    sender that never beat is noticed too.
 *
 * Other layers use the flow through this file.
 */
export { heartbeats } from "./route.ts";
export { heartbeatProbe, judgeHeartbeats, recordBeat } from "./storage.ts";
