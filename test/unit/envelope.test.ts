import { describe, expect, it } from "vitest";
import { parseEnvelope } from "../support/envelope.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** The Sentry stand-in's parser, against the shapes the envelope spec allows. */
describe("parseEnvelope", () => {
  it("reads items with and without a length, the length counted in bytes", () => {
    const attachment = "\u00e9t\u00e9\n2"; // 5 characters, 7 bytes in UTF-8, a newline inside
    const text = [
      '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://e12d836b15bb49d7bbf99e64295d995b@sentry.io/42"}',
      `{"type":"attachment","length":${bytes(attachment).length},"content_type":"text/plain","filename":"hello.txt"}`,
      attachment,
      '{"type":"event","content_type":"application/json","filename":"application.log"}',
      '{"message":"hello world","level":"error"}',
      "",
    ].join("\n");
    expect(parseEnvelope(bytes(text))).toEqual({
      headers: { event_id: "9ec79c33ec9942ab8353589fcb2e04dc", dsn: "https://e12d836b15bb49d7bbf99e64295d995b@sentry.io/42" },
      items: [
        { headers: { type: "attachment", length: 7, content_type: "text/plain", filename: "hello.txt" }, payload: attachment },
        {
          headers: { type: "event", content_type: "application/json", filename: "application.log" },
          payload: { message: "hello world", level: "error" },
        },
      ],
    });
  });

  it("reads empty payloads, an envelope without items and one without the final newline", () => {
    expect(parseEnvelope(bytes('{}\n{"type":"attachment","length":0}\n\n{"type":"session"}\n{"a":1}')).items).toEqual([
      { headers: { type: "attachment", length: 0 }, payload: "" },
      { headers: { type: "session" }, payload: { a: 1 } },
    ]);
    expect(parseEnvelope(bytes('{"sent_at":"x"}\n'))).toEqual({ headers: { sent_at: "x" }, items: [] });
  });

  it("refuses what the spec does not allow", () => {
    expect(() => parseEnvelope(bytes("not json\n"))).toThrow(/envelope header/);
    expect(() => parseEnvelope(bytes('{}\n{"length":2}\nab'))).toThrow(/no type/);
    expect(() => parseEnvelope(bytes('{}\n{"type":"attachment","length":10}\nab'))).toThrow(/past the end/);
    expect(() => parseEnvelope(bytes('{}\n{"type":"attachment","length":1}\nab'))).toThrow(/no newline/);
  });
});
