import { selectorMatches, type Matcher } from "./selector.ts";

/**
 * Prometheus expositions: text 0.0.4 and OpenMetrics 1.0, from one model. A counter family is
 * named without `_total` (as OpenMetrics names it) and its samples end in `_total` in both
 * formats, so a series has the same name whichever format a scraper negotiates.
 */
export type ExpositionFormat = "text" | "openmetrics";

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  text: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

export interface Sample {
  /** Appended to the family name: `_bucket`, `_sum`, `_count` for histograms. */
  suffix?: "_bucket" | "_sum" | "_count";
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: "gauge" | "counter" | "histogram";
  /** OpenMetrics unit; the name must end in `_<unit>`. */
  unit?: string;
  /** Iterated as the exposition is written, so a scrape never holds all its samples at once. */
  samples: Iterable<Sample>;
}

/** Samples produced afresh each time they are iterated. */
export function lazySamples(produce: () => Iterable<Sample>): Iterable<Sample> {
  return { [Symbol.iterator]: () => produce()[Symbol.iterator]() };
}

/** The name of a sample's series, as it is stored and matched by `__name__`. */
export function seriesName(family: Pick<MetricFamily, "name" | "type">, sample: Sample): string {
  return family.type === "counter" ? `${family.name}_total` : `${family.name}${sample.suffix ?? ""}`;
}

/** What a label value must escape; most values have none of it, and are written as they are. */
const NEEDS_ESCAPE = /[\\"\n]/;

export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP escapes backslash and newline; OpenMetrics also the double quote. */
function escapeHelp(text: string, format: ExpositionFormat): string {
  const escaped = text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  return format === "openmetrics" ? escaped.replace(/"/g, '\\"') : escaped;
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/**
 * A histogram bound as OpenMetrics writes `le` (`1.0`, `0.25`, `+Inf`). Used in both formats, so
 * the `le` label of a bucket is the same series whatever format a scraper negotiated.
 */
export function formatBound(bound: number): string {
  let text = boundTexts.get(bound);
  if (text === undefined) {
    text = Number.isInteger(bound) ? `${bound}.0` : formatValue(bound);
    boundTexts.set(bound, text);
  }
  return text;
}

/** The few bounds there are, formatted once: a scrape writes each for every histogram. */
const boundTexts = new Map<number, string>();

export function formatLabels(labels: Record<string, string>): string {
  // A plain loop: a scrape of 1,000 planes formats some 60,000 label sets.
  let out = "";
  for (const key in labels) out += `${out === "" ? "{" : ","}${key}="${escapeLabelValue(labels[key]!)}"`;
  return out === "" ? "" : `${out}}`;
}

/** Lines per chunk of a streamed exposition. */
const CHUNK_LINES = 2_000;

/** HELP and TYPE of a family (and UNIT in OpenMetrics), one line each. */
export function familyHeader(family: Omit<MetricFamily, "samples">, format: ExpositionFormat): string {
  // Text 0.0.4 names a counter's metadata after its series; OpenMetrics after the family.
  const metaName = format === "text" && family.type === "counter" ? `${family.name}_total` : family.name;
  let header = `# HELP ${metaName} ${escapeHelp(family.help, format)}\n# TYPE ${metaName} ${family.type}\n`;
  if (format === "openmetrics" && family.unit !== undefined) header += `# UNIT ${metaName} ${family.unit}\n`;
  return header;
}

/** One sample as a line of the exposition, the same in both formats. */
export function sampleLine(family: Pick<MetricFamily, "name" | "type">, sample: Sample): string {
  return `${seriesName(family, sample)}${formatLabels(sample.labels)} ${formatValue(sample.value)}\n`;
}

/** What ends an exposition: OpenMetrics says `# EOF`. */
export function expositionEnd(format: ExpositionFormat): string {
  return format === "openmetrics" ? "# EOF\n" : "";
}

/**
 * Writes families in chunks of lines: the header of each family before its samples, each
 * family contiguous, families without samples left out. No timestamps: every value is read
 * live at the scrape, so the scraper's own scrape time is the right one (see
 * docs/outputs.md, "No timestamps"). Callers keep (name, labels) unique.
 */
export function* renderChunks(families: Iterable<MetricFamily>, format: ExpositionFormat): Generator<string> {
  let chunk = "";
  let lines = 0;
  for (const family of families) {
    let header = familyHeader(family, format);
    for (const s of family.samples) {
      chunk += header + sampleLine(family, s);
      header = "";
      if (++lines >= CHUNK_LINES) {
        yield chunk;
        chunk = "";
        lines = 0;
      }
    }
  }
  chunk += expositionEnd(format);
  if (chunk !== "") yield chunk;
}

/** The whole exposition as one string. */
export function render(families: Iterable<MetricFamily>, format: ExpositionFormat): string {
  return [...renderChunks(families, format)].join("");
}

/** Chunks of an exposition as a response body, written as the scraper reads it. */
export function streamChunks(chunks: Iterator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    pull(controller) {
      const next = chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
  });
}

/** Keeps the samples that match any of the selectors (a union, as `/federate` does). */
export function selectSamples(families: readonly MetricFamily[], selectors: readonly Matcher[][]): MetricFamily[] {
  return families.map((family) => ({
    ...family,
    samples: lazySamples(function* () {
      for (const s of family.samples) {
        const name = seriesName(family, s);
        if (selectors.some((m) => selectorMatches(m, name, s.labels))) yield s;
      }
    }),
  }));
}

/** One range of an Accept or Accept-Encoding header: its type (or coding) and its parameters. */
function mediaRanges(accept: string): Array<{ type: string; params: Record<string, string> }> {
  return accept.split(",").map((range) => {
    const [type = "", ...params] = range.split(";").map((p) => p.trim());
    return {
      type: type.toLowerCase(),
      params: Object.fromEntries(params.map((p) => p.split("=").map((x) => x.trim().replace(/^"|"$/g, "")) as [string, string])),
    };
  });
}

const OFFERS: ReadonlyArray<{ format: ExpositionFormat; types: string[]; version: string }> = [
  { format: "openmetrics", types: ["application/openmetrics-text"], version: "1.0.0" },
  { format: "text", types: ["text/plain", "text/*", "*/*"], version: "0.0.4" },
];

/**
 * The format a scraper asked for: OpenMetrics 1.0 when its Accept header prefers it (as
 * Prometheus's does), text 0.0.4 otherwise. The highest q wins, the earlier range on a tie.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  let best: { format: ExpositionFormat; q: number } = { format: "text", q: 0 };
  for (const range of mediaRanges(accept ?? "")) {
    const q = range.params.q === undefined ? 1 : Number(range.params.q);
    const offer = OFFERS.find((o) => o.types.includes(range.type) && (range.params.version ?? o.version) === o.version);
    if (offer && Number.isFinite(q) && q > best.q) best = { format: offer.format, q };
  }
  return best.format;
}

/**
 * Whether a scraper takes the body gzipped (Prometheus always asks): "gzip", or "*" when gzip
 * is not named, with q above 0. A scrape at a thousand planes is megabytes of text that
 * gzip makes twenty to thirty times smaller (BENCHMARKS.md).
 */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  const codings = mediaRanges(acceptEncoding ?? "");
  const range = codings.find((c) => c.type === "gzip") ?? codings.find((c) => c.type === "*");
  const q = range?.params.q === undefined ? 1 : Number(range.params.q);
  return range !== undefined && q > 0;
}
