package io.ingraft.it.bench;

import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import java.util.HashMap;
import java.util.Random;

/**
 * The append mix ({@code workload=append}, the default): per graph, even events upsert a new
 * Person, odd ones insert a Knows edge between two random Persons the graph already has.
 */
class AppendWorkload extends RoundRobinWorkload {
  private final int[] nodes;
  private final Random random = new Random(42);

  AppendWorkload(int graphs) {
    this("append", graphs);
  }

  AppendWorkload(String name, int graphs) {
    super(name, graphs);
    nodes = new int[graphs];
  }

  @Override
  public String describe() {
    return String.format(
        "append: %d graphs, events round-robin over graphs, one op each: even events upsert a"
            + " new Person (id, name, age, score), odd ones insert a Knows edge between two random"
            + " earlier Persons of the graph",
        graphs());
  }

  @Override
  Op op(int graph, long seq) {
    if (seq % 2 == 0 || nodes[graph] < 2) {
      int k = nodes[graph]++;
      return Op.newBuilder()
          .setOp(OpKind.UPSERT_NODE)
          .setType("Person")
          .setProps(new HashMap<>(PipelineBenchmark.person(k)))
          .build();
    }
    return Op.newBuilder()
        .setOp(OpKind.INSERT_EDGE)
        .setType("Knows")
        .setFrom("p" + random.nextInt(nodes[graph]))
        .setTo("p" + random.nextInt(nodes[graph]))
        .build();
  }
}
