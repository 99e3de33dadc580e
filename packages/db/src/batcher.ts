/**
 * Group commit for one kind of statement. A request goes out at once when none is in flight;
 * requests that arrive meanwhile wait for it and then go out together, through `many` (one
 * statement, one round trip). At low load every request runs alone through `one`, as if there
 * were no batcher; under load the batch grows with it, up to `max`. Each caller gets its own
 * result. If `many` fails, each request of that batch runs alone through `one`, so an error
 * lands on the request that caused it and never on its neighbours.
 */
export class Batcher<In, Out> {
  private readonly pending: { input: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];
  private running = false;
  /** Statements sent and requests they carried: requests / statements is the mean batch size. */
  readonly stats = { statements: 0, requests: 0 };

  constructor(
    private readonly run: {
      one: (input: In) => Promise<Out>;
      /** Results in the order of `inputs`. */
      many: (inputs: In[]) => Promise<Out[]>;
      max: number;
    },
  ) {}

  submit(input: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length > 0) await this.flush(this.pending.splice(0, this.run.max));
    } finally {
      this.running = false;
    }
  }

  private async flush(batch: typeof this.pending): Promise<void> {
    if (batch.length > 1) {
      try {
        this.stats.statements++;
        this.stats.requests += batch.length;
        const outs = await this.run.many(batch.map((p) => p.input));
        for (const [i, p] of batch.entries()) p.resolve(outs[i] as Out);
        return;
      } catch {
        // Fall through: each request on its own.
      }
    }
    await Promise.all(
      batch.map(async (p) => {
        try {
          this.stats.statements++;
          this.stats.requests++;
          p.resolve(await this.run.one(p.input));
        } catch (err) {
          p.reject(err);
        }
      }),
    );
  }
}
