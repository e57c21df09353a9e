package io.ingraft.it.bench;

import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Mostly updates of existing keys ({@code workload=update-heavy}), as change feeds and mutation
 * streams are: the graphs first hold {@code nodes} Persons in all, loaded before the warm-up by one
 * file load event per graph (and per million rows), from JSON Lines files the workload writes under
 * its own load root; then, per graph, of every ten events four upsert an existing Person with new
 * property values, four update an existing Person's age and score, one upserts a new Person and one
 * inserts a Knows edge between two existing Persons. Existing keys are drawn uniformly from the
 * graph's Persons.
 */
final class UpdateHeavyWorkload extends RoundRobinWorkload {
  /** At most this many rows per load event: the engine's default row limit for a load. */
  private static final int ROWS_PER_LOAD = 1_000_000;

  private final long totalNodes;
  private final int[] nodes;
  private final Random random = new Random(42);

  UpdateHeavyWorkload(int graphs, long totalNodes) {
    super("update-heavy", graphs);
    this.totalNodes = totalNodes;
    nodes = new int[graphs];
  }

  @Override
  public String describe() {
    return String.format(
        "update-heavy: %d graphs holding %,d Persons in all before the runs (a file load event"
            + " per graph, applied before the warm-up), then per graph 40%% upserts of existing"
            + " Persons (new name, age, score), 40%% updates of existing Persons (age, score), 10%%"
            + " new Persons, 10%% Knows edges between existing Persons",
        graphs(), totalNodes);
  }

  private Path loadRoot(Path root) {
    return root.resolve("loads");
  }

  @Override
  public Map<String, String> settings(Path root) {
    return Map.of(
        "ingraft.load.roots",
        loadRoot(root).toAbsolutePath() + "/{graph}",
        "ingraft.load.max-bytes",
        String.valueOf(1L << 30),
        "ingraft.load.timeout-ms",
        "600000");
  }

  @Override
  public List<GraphEvent> setup(int graph, Path root) throws IOException {
    int count = (int) (totalNodes / graphs() + (graph < totalNodes % graphs() ? 1 : 0));
    Path dir = loadRoot(root).resolve(graphId(graph));
    Files.createDirectories(dir);
    List<GraphEvent> events = new ArrayList<>();
    for (int start = 0; start < count; start += ROWS_PER_LOAD) {
      int end = Math.min(count, start + ROWS_PER_LOAD);
      Path file = dir.resolve("persons-" + start + ".jsonl");
      try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        for (int k = start; k < end; k++) {
          // The export format; PipelineBenchmark.person(k)'s values.
          out.write("{\"kind\":\"node\",\"type\":\"Person\",\"key\":\"p");
          out.write(Integer.toString(k));
          out.write("\",\"props\":{\"id\":\"p");
          out.write(Integer.toString(k));
          out.write("\",\"name\":\"person ");
          out.write(Integer.toString(k));
          out.write("\",\"age\":");
          out.write(Integer.toString(k % 100));
          out.write(",\"score\":");
          out.write(Double.toString(k / 10.0));
          out.write("}}\n");
        }
      }
      events.add(
          GraphEvent.newBuilder()
              .setGraph(graphId(graph))
              .setEventId("load-" + start)
              .setTimestamp(System.currentTimeMillis())
              .setBody(
                  LoadBody.newBuilder()
                      .setMode(LoadMode.APPEND)
                      // Set, not defaulted: the builder's defaults resolve the generated classes
                      // by name, which fails under exec's class path.
                      .setNodes(new HashMap<>())
                      .setEdges(new HashMap<>())
                      .setUri(file.toAbsolutePath().toString())
                      .build())
              .build());
    }
    nodes[graph] = count;
    return events;
  }

  @Override
  Op op(int graph, long seq) {
    int kind = (int) (seq % 10);
    if (nodes[graph] < 2 || kind == 8) {
      return Op.newBuilder()
          .setOp(OpKind.UPSERT_NODE)
          .setType("Person")
          .setProps(new HashMap<>(PipelineBenchmark.person(nodes[graph]++)))
          .build();
    }
    int k = random.nextInt(nodes[graph]);
    if (kind < 4) {
      Map<String, Object> props = new HashMap<>(8);
      props.put("id", "p" + k);
      props.put("name", "person " + k + " v" + seq);
      props.put("age", (long) (seq % 100));
      props.put("score", seq / 10.0);
      return Op.newBuilder().setOp(OpKind.UPSERT_NODE).setType("Person").setProps(props).build();
    }
    if (kind < 8) {
      Map<String, Object> set = new HashMap<>(4);
      set.put("age", (long) ((seq + k) % 100));
      set.put("score", seq / 7.0);
      return Op.newBuilder()
          .setOp(OpKind.UPDATE_NODE)
          .setType("Person")
          .setKey("p" + k)
          .setSet(set)
          .build();
    }
    return Op.newBuilder()
        .setOp(OpKind.INSERT_EDGE)
        .setType("Knows")
        .setFrom("p" + k)
        .setTo("p" + random.nextInt(nodes[graph]))
        .build();
  }
}
