/** The JSON value of a text, or undefined when it is not JSON: for answers whose shape a schema checks next. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
