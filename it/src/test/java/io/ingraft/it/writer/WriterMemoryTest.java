package io.ingraft.it.writer;

import static io.ingraft.it.writer.WriterRig.mutation;
import static io.ingraft.it.writer.WriterRig.schema;
import static io.ingraft.it.writer.WriterRig.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.metrics.PipelineMeters;
import io.ingraft.app.writer.GraphWriter;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.SealReason;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer gains and loses a thousand graphs, new ones each round, in rebalances: a second member
 * of its group ({@link TakeAllAssignor}) joins and takes every partition, then leaves and gives
 * them back. After each loss the writer must hold nothing of the graphs it released (lanes, meters,
 * graph state, the engine's owned graphs), and the heap it retains must not grow from round to
 * round. Measured with class histograms (which collect garbage first) of the classes that hold
 * per-graph state, and the heap in use after collections until it is stable.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class WriterMemoryTest {
  private static final int PARTITIONS = 8;
  private static final int GRAPHS = 1_000;

  /** Graphs per round that exist (a schema event creates them), so the engine owns them too. */
  private static final int CREATED = 4;

  private static final int ROUNDS = 4;

  /**
   * How much the retained heap may grow from the first loss to the last. Keeping the meters and
   * lanes of every released graph costs tens of megabytes over the later rounds' 3,000 graphs; the
   * test's own broker moves the figure by a few.
   */
  private static final long HEAP_GROWTH_BOUND = 16L << 20;

  /** How much the live bytes of Ingraft's and Micrometer's classes may grow (same rounds). */
  private static final long CLASS_BYTES_GROWTH_BOUND = 1L << 20;

  /** The classes that hold one instance per graph a writer knows. */
  private static final List<String> PER_GRAPH =
      List.of(
          "io.ingraft.app.writer.GraphLane",
          "io.ingraft.app.metrics.GraphMeters",
          "io.ingraft.app.metrics.GraphState",
          "io.ingraft.engine.GraphEngine$OwnedGraph",
          "io.ingraft.engine.OpenGraph",
          "io.ingraft.storage.table.KeyIndex");

  @TempDir Path dir;
  private WriterRig rig;
  private GraphWriter writer;

  @AfterEach
  void tearDown() {
    if (writer != null) {
      writer.close();
    }
    if (rig != null) {
      rig.close();
    }
  }

  @Test
  void gainingAndLosingGraphsInRebalancesDoesNotGrowTheHeap(KafkaTestBroker kafka)
      throws Exception {
    rig = new WriterRig(kafka, dir, PARTITIONS);
    Map<String, String> settings = rig.settings("memory-writer");
    settings.put(
        "kafka." + ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        TakeAllAssignor.class.getName());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    PipelineMeters meters = new PipelineMeters(registry);
    writer =
        new GraphWriter(
            IngraftConfig.fromMap(settings),
            rig.engine("memory-writer"),
            Clock.systemUTC(),
            WriterRig.fastOptions(Duration.ofSeconds(60)),
            meters);
    writer.start();
    KafkaTestBroker.await(
        WriterRig.TIMEOUT,
        "the writer holds every partition",
        () -> writer.stats().assignedPartitions() == PARTITIONS);

    List<Snapshot> losses = new ArrayList<>();
    for (int round = 1; round <= ROUNDS; round++) {
      writeGraphs(round);
      rig.awaitCommittedToEnd();
      assertThat(writer.graphsHeld()).as("graphs held after round %d", round).isEqualTo(GRAPHS);
      assertThat(meters.graphsTracked()).isEqualTo(GRAPHS);
      if (round == 1) {
        // Held, every per-graph class has instances: the zeros below are drops, not absences.
        Map<String, long[]> held = histogram();
        for (String perGraph : PER_GRAPH) {
          long[] entry = held.get(perGraph);
          assertThat(entry == null ? 0 : entry[0]).as("%s while held", perGraph).isPositive();
        }
      }

      try (KafkaConsumer<byte[], byte[]> taker = taker(kafka, round)) {
        taker.subscribe(List.of(rig.graphLog));
        long deadline = System.nanoTime() + WriterRig.TIMEOUT.toNanos();
        while (taker.assignment().size() < PARTITIONS) {
          assertThat(System.nanoTime() - deadline).as("taker assigned in time").isNegative();
          taker.poll(Duration.ofMillis(100));
        }
        KafkaTestBroker.await(
            WriterRig.TIMEOUT,
            "the writer lost every partition",
            () -> writer.stats().assignedPartitions() == 0);
        Snapshot lost =
            new Snapshot(
                round,
                writer.graphsHeld(),
                meters.graphsTracked(),
                registry.getMeters().stream()
                    .filter(m -> m.getId().getTag("graph") != null)
                    .count(),
                histogram(),
                retainedHeap());
        System.out.println(lost);
        losses.add(lost);
        assertThat(lost.graphsHeld()).as("lanes after losing round %d", round).isZero();
        assertThat(lost.graphsTracked()).as("graph states after round %d", round).isZero();
        assertThat(lost.graphMeters()).as("graph meters after round %d", round).isZero();
        for (String perGraph : PER_GRAPH) {
          assertThat(lost.instances(perGraph)).as("%s after round %d", perGraph, round).isZero();
        }
      }
      KafkaTestBroker.await(
          WriterRig.TIMEOUT,
          "the writer got every partition back",
          () -> writer.stats().assignedPartitions() == PARTITIONS);
    }

    Snapshot first = losses.get(0);
    Snapshot last = losses.get(losses.size() - 1);
    System.out.println(
        "largest growth by class, round 1 to " + ROUNDS + ": " + growth(first, last));
    assertThat(last.classBytes() - first.classBytes())
        .as("live bytes of Ingraft's and Micrometer's classes, round 1 to %d", ROUNDS)
        .isLessThan(CLASS_BYTES_GROWTH_BOUND);
    assertThat(last.heap() - first.heap())
        .as("retained heap, round 1 to %d", ROUNDS)
        .isLessThan(HEAP_GROWTH_BOUND);
    assertThat(writer.stats().eventsRejected()).isEqualTo((long) ROUNDS * (GRAPHS - CREATED));
  }

  /**
   * A thousand graphs new to this round, spread over the partitions: most get one mutation (their
   * graph does not exist, so the engine rejects it, cheaply), a few a schema event that creates
   * them and a mutation.
   */
  private void writeGraphs(int round) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < GRAPHS; i++) {
      String graph = "r" + round + "-g" + i;
      int partition = i % PARTITIONS;
      byte[] key = graph.getBytes(StandardCharsets.UTF_8);
      int events = 0;
      if (i < CREATED) {
        records.add(
            record(
                partition, key, schema(graph, graph + "-s", "node Person { name: String @key }")));
        events++;
      }
      records.add(
          record(partition, key, mutation(graph, graph + "-m", upsert("Person", "name", "ada"))));
      events++;
      records.add(
          new ProducerRecord<>(
              rig.graphLog,
              partition,
              key,
              rig.encode(GraphLogCodec.seal(graph, 1, events, SealReason.COUNT))));
    }
    rig.sendAll(records);
  }

  private ProducerRecord<byte[], byte[]> record(
      int partition, byte[] key, io.ingraft.events.avro.GraphEvent event) {
    return new ProducerRecord<>(
        rig.graphLog,
        partition,
        key,
        rig.encode(GraphLogCodec.logged(event, "ingraft.mutations", 0, 0)));
  }

  /** A member of the writer's group that takes every partition and commits nothing. */
  private KafkaConsumer<byte[], byte[]> taker(KafkaTestBroker kafka, int round) {
    Map<String, Object> props = kafka.clientConfig();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, rig.group);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, TakeAllAssignor.TAKER + "-" + round);
    props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, TakeAllAssignor.class.getName());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 3000);
    props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** What the writer holds after losing its graphs. */
  private record Snapshot(
      int round,
      int graphsHeld,
      int graphsTracked,
      long graphMeters,
      Map<String, long[]> histogram,
      long heap) {
    long instances(String className) {
      long[] entry = histogram.get(className);
      return entry == null ? 0 : entry[0];
    }

    long classBytes() {
      long bytes = 0;
      for (Map.Entry<String, long[]> entry : histogram.entrySet()) {
        if (entry.getKey().startsWith("io.ingraft.")
            || entry.getKey().startsWith("io.micrometer.")) {
          bytes += entry.getValue()[1];
        }
      }
      return bytes;
    }

    @Override
    public String toString() {
      StringBuilder perGraph = new StringBuilder();
      for (String name : PER_GRAPH) {
        perGraph.append(' ').append(name.substring(name.lastIndexOf('.') + 1));
        perGraph.append('=').append(instances(name));
      }
      return String.format(
          "after losing round %d: lanes %d, graph states %d, graph meters %d,%s;"
              + " Ingraft+Micrometer live bytes %,d; retained heap %,d",
          round, graphsHeld, graphsTracked, graphMeters, perGraph, classBytes(), heap);
    }
  }

  /** The ten classes whose live bytes grew most between two snapshots (to read a failure). */
  private static String growth(Snapshot from, Snapshot to) {
    List<Map.Entry<String, Long>> grown = new ArrayList<>();
    to.histogram()
        .forEach(
            (name, entry) -> {
              long[] before = from.histogram().get(name);
              grown.add(Map.entry(name, entry[1] - (before == null ? 0 : before[1])));
            });
    grown.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    return grown.subList(0, Math.min(10, grown.size())).toString();
  }

  private static final Pattern HISTOGRAM_LINE =
      Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

  /**
   * Live instances and bytes by class name, from the JVM's class histogram (GC.class_histogram,
   * which runs a full collection first).
   */
  private static Map<String, long[]> histogram() throws Exception {
    String text =
        (String)
            ManagementFactory.getPlatformMBeanServer()
                .invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram",
                    new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
    Map<String, long[]> classes = new HashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = HISTOGRAM_LINE.matcher(line);
      if (m.find()) {
        classes.put(
            m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
      }
    }
    return classes;
  }

  /** The heap in use after collections, once two in a row agree within a megabyte. */
  private static long retainedHeap() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long previous = -1;
    for (int i = 0; i < 10; i++) {
      System.gc();
      long used = memory.getHeapMemoryUsage().getUsed();
      if (previous >= 0 && Math.abs(used - previous) < (1 << 20)) {
        return used;
      }
      previous = used;
    }
    return previous;
  }
}
