package io.ingraft.it.bench;

/**
 * Many small graphs ({@code workload=many-graphs}, 2,000 graphs unless the command line says
 * otherwise): the append mix spread round-robin over all of them, so each graph's batches are tiny
 * and the fixed cost of a publish (sidecar, table commits, manifest, fsyncs) dominates. This is how
 * multi-tenant users run the pipeline.
 */
final class ManyGraphsWorkload extends AppendWorkload {
  static final int DEFAULT_GRAPHS = 2_000;

  ManyGraphsWorkload(int graphs) {
    super("many-graphs", graphs);
  }

  @Override
  public String describe() {
    return String.format(
        "many-graphs: %,d graphs, the append mix (even events a new Person, odd ones a Knows"
            + " edge) round-robin over all of them, so every batch is small",
        graphs());
  }
}
