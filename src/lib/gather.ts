/**
 * Turns a function of a batch into a function of one item: the calls made before the event
 * loop's next turn run together, once, at most `limit` to a batch, and each answers its own
 * item's answer. In a Durable Object, the requests queued at its input gate come in while the
 * batch waits, so a flood of them shares one transaction and one write per row, and `limit`
 * bounds what one transaction holds. `run` answers one value per item, in order.
 */
export function gathered<T, R>(limit: number, run: (items: T[]) => Promise<R[]>): (item: T) => Promise<R> {
  let waiting: { items: T[]; answers: Promise<R[]> } | null = null;
  return (item) => {
    if (waiting === null) {
      const items: T[] = [];
      const answers = new Promise((turn) => setTimeout(turn, 0)).then(() => {
        // Calls from here on gather into the next batch.
        if (waiting?.items === items) waiting = null;
        return run(items);
      });
      waiting = { items, answers };
    }
    const batch = waiting;
    const index = batch.items.push(item) - 1;
    if (batch.items.length >= limit) waiting = null;
    return batch.answers.then((answers) => answers[index]!);
  };
}
