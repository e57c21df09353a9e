package io.ingraft.it.writer;

import static io.ingraft.it.writer.WriterRig.deleteEdge;
import static io.ingraft.it.writer.WriterRig.deleteNode;
import static io.ingraft.it.writer.WriterRig.edge;
import static io.ingraft.it.writer.WriterRig.load;
import static io.ingraft.it.writer.WriterRig.mutation;
import static io.ingraft.it.writer.WriterRig.props;
import static io.ingraft.it.writer.WriterRig.schema;
import static io.ingraft.it.writer.WriterRig.update;
import static io.ingraft.it.writer.WriterRig.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.app.writer.GraphWriter;
import io.ingraft.engine.GraphEngine;
import io.ingraft.events.CommitNoticeCodec;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.SealReason;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.it.model.PersonGraphModel;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly once across a crash: a writer in a child JVM applies a few thousand events of several
 * graphs (two graphs per partition), a second writer joins the group (a rebalance), the child is
 * killed with SIGKILL at a random moment, and the survivor finishes the log. Every graph must then
 * equal a plain in-memory model of its events applied once, in order. Doubling is visible: append
 * loads of fresh keys would be rejected as key collisions, and the manifests' applied event counts
 * would add up to more than the model's. Set {@code -Dingraft.crash.seed=<n>} to replay a run.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class GraphWriterCrashTest {
  private static final Logger LOG = LoggerFactory.getLogger(GraphWriterCrashTest.class);
  static final int GRAPHS = 6;
  static final int PARTITIONS = 3;
  static final int EVENTS_PER_GRAPH = 500;
  static final int MAX_BATCH = 40;

  /** One graph's generated log and what it must come to. */
  private record GeneratedGraph(
      String graph,
      int partition,
      Deque<GraphLogRecord> log,
      PersonGraphModel model,
      Set<String> rejected,
      long appliedEvents) {}

  @Test
  void aWriterKilledMidStreamLeavesEveryGraphAppliedExactlyOnce(
      KafkaTestBroker kafka, @TempDir Path dir) throws Exception {
    long seed = Long.getLong("ingraft.crash.seed", System.nanoTime());
    LOG.info("crash test seed {}", seed);
    Random random = new Random(seed);
    try (WriterRig rig = new WriterRig(kafka, dir, PARTITIONS)) {
      List<GeneratedGraph> graphs = new ArrayList<>();
      for (int g = 0; g < GRAPHS; g++) {
        graphs.add(generate("crash-" + g, g % PARTITIONS, random));
      }
      // Interleave the graphs' logs at random, each graph's records staying in order.
      List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
      List<GeneratedGraph> owners = new ArrayList<>();
      List<Boolean> isEvent = new ArrayList<>();
      List<GeneratedGraph> open = new ArrayList<>(graphs);
      while (!open.isEmpty()) {
        GeneratedGraph graph = open.get(random.nextInt(open.size()));
        GraphLogRecord record = graph.log().poll();
        records.add(
            new ProducerRecord<>(
                rig.graphLog,
                graph.partition(),
                graph.graph().getBytes(StandardCharsets.UTF_8),
                rig.encode(record)));
        owners.add(graph);
        isEvent.add(!(record.getEntry() instanceof io.ingraft.events.avro.Seal));
        if (graph.log().isEmpty()) {
          open.remove(graph);
        }
      }
      List<RecordMetadata> sent = rig.sendAll(records);
      Map<String, Long> lastEventOffset = new HashMap<>();
      for (int i = 0; i < sent.size(); i++) {
        if (isEvent.get(i)) {
          lastEventOffset.put(owners.get(i).graph(), sent.get(i).offset());
        }
      }
      long total = records.size();

      String[] args =
          rig.settings("writer-child").entrySet().stream()
              .map(e -> e.getKey() + "=" + e.getValue())
              .toArray(String[]::new);
      GraphWriter survivor;
      GraphEngine engine = rig.engine("writer-survivor");
      try (ChildJvm.Running child = ChildJvm.start(WriterChildMain.class, Map.of(), args)) {
        long joinAt = total * (5 + random.nextInt(25)) / 100;
        long killAt = joinAt + total * (5 + random.nextInt(30)) / 100;
        awaitCommitted(rig, joinAt, child);
        survivor = rig.startWriter("writer-survivor", engine);
        awaitCommitted(rig, killAt, child);
        long committedAtKill = committedSum(rig);
        child.destroyForcibly();
        LOG.info(
            "child killed with {} of {} records committed (join at {}, kill at {})",
            committedAtKill,
            total,
            joinAt,
            killAt);
        assertThat(committedAtKill).as("killed mid-stream").isLessThan(total);
      }
      try {
        rig.awaitCommittedToEnd();
      } finally {
        survivor.close();
      }

      Set<String> allRejected = new HashSet<>();
      for (GeneratedGraph graph : graphs) {
        assertThat(rig.export(engine, graph.graph()))
            .as(graph.graph())
            .isEqualTo(graph.model().export());
        Manifest latest = new ManifestLog(rig.store, GraphId.of(graph.graph())).require();
        assertThat(latest.nextOffset(rig.graphLog + ":" + graph.partition()))
            .as(graph.graph())
            .isEqualTo(lastEventOffset.get(graph.graph()) + 1);
        long appliedByVersions =
            rig.manifests(graph.graph()).stream().mapToLong(m -> m.commit().eventCount()).sum();
        assertThat(appliedByVersions)
            .as(graph.graph() + ": events applied over all versions")
            .isEqualTo(graph.appliedEvents());
        allRejected.addAll(graph.rejected());
      }
      // Dead letters: only the events meant to be rejected, never one twice. (One whose batch
      // was published just before the kill can be missing: it is not sent again on replay.)
      List<ConsumerRecord<byte[], byte[]>> dead = rig.readAll(rig.dlq);
      List<String> deadIds =
          dead.stream()
              .map(r -> DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.EVENT_ID))
              .toList();
      assertThat(deadIds).doesNotHaveDuplicates();
      assertThat(allRejected).containsAll(deadIds);
      assertThat(dead)
          .allSatisfy(
              r ->
                  assertThat(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.CODE))
                      .isEqualTo("NODE_NOT_FOUND"));
      CommitNoticeCodec codec = new CommitNoticeCodec();
      List<String> noticed =
          rig.readAll(rig.commits).stream()
              .map(r -> codec.decode(r.value()))
              .map(n -> n.getGraph() + "@" + n.getManifestVersion())
              .toList();
      assertThat(noticed).doesNotHaveDuplicates();
      LOG.info(
          "{} records, {} dead letters of {} rejected events, {} commit notices",
          total,
          dead.size(),
          allRejected.size(),
          noticed.size());
    }
  }

  private static void awaitCommitted(WriterRig rig, long atLeast, ChildJvm.Running child) {
    KafkaTestBroker.await(
        WriterRig.TIMEOUT,
        atLeast + " records committed",
        () -> {
          if (!child.isAlive()) {
            throw new AssertionError("the writer child died:\n" + child.output());
          }
          return committedSum(rig) >= atLeast;
        });
  }

  private static long committedSum(WriterRig rig) {
    return rig.committed().values().stream().mapToLong(Long::longValue).sum();
  }

  // ---------------------------------------------------------------------------------------------
  // The stream

  private static GeneratedGraph generate(String graph, int partition, Random random) {
    Deque<GraphLogRecord> log = new ArrayDeque<>();
    PersonGraphModel model = new PersonGraphModel();
    Set<String> rejected = new HashSet<>();
    long sequence = 0;
    log.add(logged(schema(graph, graph + "-schema", PersonGraphModel.SCHEMA)));
    log.add(GraphLogCodec.seal(graph, ++sequence, 1, SealReason.SCHEMA));
    int open = 0;
    int nextSeal = 1 + random.nextInt(MAX_BATCH);
    for (int i = 0; i < EVENTS_PER_GRAPH; i++) {
      log.add(logged(nextEvent(graph, i, model, rejected, random)));
      open++;
      if (open == nextSeal || i == EVENTS_PER_GRAPH - 1) {
        log.add(GraphLogCodec.seal(graph, ++sequence, open, SealReason.COUNT));
        open = 0;
        nextSeal = 1 + random.nextInt(MAX_BATCH);
      }
    }
    long applied = 1 + EVENTS_PER_GRAPH - rejected.size();
    return new GeneratedGraph(graph, partition, log, model, rejected, applied);
  }

  private static GraphLogRecord logged(GraphEvent event) {
    return GraphLogCodec.logged(event, "ingraft.mutations", 0, 0);
  }

  /** A random event that is valid against the model, except the ones meant to be rejected. */
  private static GraphEvent nextEvent(
      String graph, int i, PersonGraphModel model, Set<String> rejected, Random random) {
    String id = graph + "-" + i;
    long n = i;
    List<String> names = model.names();
    int roll = random.nextInt(100);
    if (roll < 5) {
      rejected.add(id);
      return mutation(graph, id, update("Person", "ghost-" + i, "n", n));
    }
    if (roll < 15) {
      // Fresh keys: applying this load twice would be a KEY_COLLISION rejection.
      String a = "a" + i + "x";
      String b = "a" + i + "y";
      model.upsert(a, n);
      model.upsert(b, null);
      return load(
          graph,
          id,
          LoadMode.APPEND,
          Map.of("Person", List.of(props("name", a, "n", n), props("name", b))),
          Map.of());
    }
    if (roll < 23 && !names.isEmpty()) {
      String name = pick(names, random);
      model.delete(name);
      return mutation(graph, id, deleteNode("Person", name));
    }
    if (roll < 38 && !names.isEmpty()) {
      String name = pick(names, random);
      model.update(name, n);
      return mutation(graph, id, update("Person", name, "n", n));
    }
    if (roll < 58 && names.size() >= 2) {
      String from = pick(names, random);
      String to = pick(names, random);
      while (to.equals(from)) {
        to = pick(names, random);
      }
      model.edge("e" + i, from, to);
      return mutation(graph, id, edge("Knows", "e" + i, from, to));
    }
    if (roll < 65 && !model.knows.isEmpty()) {
      String edgeId = pick(model.edgeIds(), random);
      model.deleteEdge(edgeId);
      return mutation(graph, id, deleteEdge("Knows", edgeId));
    }
    // Upserts (the same 40 names again and again: the last one wins, so a replayed old event
    // would show), sometimes with an edge in the same event.
    String name = "p" + random.nextInt(40);
    model.upsert(name, n);
    List<Op> ops = new ArrayList<>(List.of(upsert("Person", "name", name, "n", n)));
    if (random.nextBoolean() && !names.isEmpty()) {
      String to = pick(names, random);
      if (!to.equals(name)) {
        model.edge("e" + i + "u", name, to);
        ops.add(edge("Knows", "e" + i + "u", name, to));
      }
    }
    return mutation(graph, id, ops.toArray(Op[]::new));
  }

  private static String pick(List<String> from, Random random) {
    return from.get(random.nextInt(from.size()));
  }
}
