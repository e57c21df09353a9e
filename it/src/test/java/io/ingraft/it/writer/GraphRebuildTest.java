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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.app.cli.IngraftCli;
import io.ingraft.app.rebuild.LogReplay;
import io.ingraft.app.rebuild.LogTruncatedException;
import io.ingraft.app.rebuild.VersionAtPosition;
import io.ingraft.app.writer.GraphWriter;
import io.ingraft.engine.GraphEngine;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.SealReason;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.it.model.PersonGraphModel;
import io.ingraft.recovery.AuditRecord;
import io.ingraft.recovery.Failpoints;
import io.ingraft.recovery.RecoveryAudit;
import io.ingraft.recovery.RecoveryDecision;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.table.TableStore;
import io.ingraft.storage.testing.ChildJvm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ingraft graph rebuild} reproduces the live graph from the canonical log, byte for byte.
 *
 * <p>The live graphs are built the hard way: a writer child JVM halts (exit 86) in the middle of a
 * two-table commit ({@code commit.between-table-commits}: the next owner rolls it back), a second
 * halts after its table commits and before the publish ({@code commit.after-table-commits}: rolled
 * forward), a third is killed with SIGKILL mid-stream, and an in-process writer finishes the log.
 * The writers take up to 50 events of queued batches per apply, so the live versions do not follow
 * the seals the rebuild applies one by one. The log also holds a schema change, loads, rejected
 * events, a record that does not decode (dead-lettered) and an event of an aborted transaction
 * (never applied). Each graph is then rebuilt into a fresh storage root, and its export must equal,
 * byte for byte, the export of the live version at the same log position, which the manifests'
 * source offsets find. Set {@code -Dingraft.rebuild.seed=<n>} to replay a run.
 *
 * <p>The second test stops a rebuild early with {@code --to-offset}, at a live version's recorded
 * offset and inside a batch, on a graph created out of band ({@code graph create}), whose schema
 * the rebuild takes from the live root.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class GraphRebuildTest {
  private static final Logger LOG = LoggerFactory.getLogger(GraphRebuildTest.class);
  private static final int EVENTS_PER_GRAPH = 150;
  private static final int MAX_SEAL = 12;
  private static final String SCHEMA_WITH_TAG =
      """
      node Person {
        name: String @key
        n: I64?
        tag: String?
      }
      edge Knows: Person -> Person
      """;

  @Test
  void aGraphBuiltUnderCrashesRollbacksAndKillsIsRebuiltByteForByte(
      KafkaTestBroker kafka, @TempDir Path dir) throws Exception {
    long seed = Long.getLong("ingraft.rebuild.seed", System.nanoTime());
    LOG.info("rebuild test seed {}", seed);
    Random random = new Random(seed);
    List<String> graphs = List.of("rb-main", "rb-other", "rb-far");
    int[] partitionOf = {0, 0, 1};
    try (WriterRig rig = new WriterRig(kafka, dir, 2)) {
      List<Deque<GraphLogRecord>> logs = new ArrayList<>();
      for (String graph : graphs) {
        logs.add(generate(graph, EVENTS_PER_GRAPH, random));
      }
      List<ProducerRecord<byte[], byte[]>> records =
          interleave(rig, graphs, partitionOf, logs, random);
      int half = records.size() / 2;
      rig.sendAll(records.subList(0, half));
      // A record that does not decode (the writer dead-letters it) and an event of an aborted
      // transaction (read_committed readers never see it), both of rb-main, mid-stream.
      rig.sendRaw(0, "rb-main".getBytes(StandardCharsets.UTF_8), new byte[] {0, 1, 2, 3});
      sendAborted(
          kafka, rig, 0, mutation("rb-main", "aborted-1", upsert("Person", "name", "aborted-x")));
      rig.sendAll(records.subList(half, records.size()));
      long total = rig.endOffsets(rig.graphLog).values().stream().mapToLong(Long::longValue).sum();

      Map<String, String> settings = rig.settings("rebuild-live");
      // The writers take queued batches together, so live versions do not follow the seals.
      settings.put("ingraft.writer.max-batch-events", "50");
      halted(rig, settings, "child-a", Failpoints.BETWEEN_TABLE_COMMITS);
      halted(rig, settings, "child-b", Failpoints.AFTER_TABLE_COMMITS);
      settings.put("ingraft.writer.id", "child-c");
      try (ChildJvm.Running child =
          ChildJvm.start(WriterChildMain.class, Map.of(), args(settings))) {
        long from = committedSum(rig);
        long killAt = from + (total - from) * (20 + random.nextInt(40)) / 100;
        KafkaTestBroker.await(
            WriterRig.TIMEOUT,
            killAt + " records committed",
            () -> {
              if (!child.isAlive()) {
                throw new AssertionError("the writer child died:\n" + child.output());
              }
              return committedSum(rig) >= killAt;
            });
        child.destroyForcibly();
        LOG.info("child-c killed at {} of {} records committed", committedSum(rig), total);
      }
      GraphWriter survivor = rig.startWriter("survivor", rig.engine("survivor"));
      try {
        rig.awaitCommittedToEnd();
      } finally {
        survivor.close();
      }

      // The live history really had the crashes: roll-backs, roll-forwards, several owners.
      Set<RecoveryDecision> decisions = EnumSet.noneOf(RecoveryDecision.class);
      long claims = 0;
      for (String graph : graphs) {
        for (AuditRecord row : new RecoveryAudit(rig.tables).read(GraphId.of(graph))) {
          decisions.add(row.decision());
        }
        claims +=
            rig.manifests(graph).stream()
                .filter(m -> m.commit().kind() == CommitKind.EPOCH_CLAIM)
                .count();
      }
      assertThat(decisions).contains(RecoveryDecision.ROLLED_BACK, RecoveryDecision.ROLLED_FORWARD);
      // Each graph was claimed when created; the graphs the halted children were writing were
      // claimed by them and again by a later writer.
      assertThat(claims)
          .as("epoch claims over all graphs")
          .isGreaterThanOrEqualTo(graphs.size() + 2L);

      Path live = rig.root.resolve("data");
      StringBuilder exports = new StringBuilder();
      for (String graph : graphs) {
        Path rebuilt = dir.resolve("rebuilt-" + graph);
        Cli rebuild =
            cli(
                "graph",
                "rebuild",
                "-g",
                graph,
                "--storage-root",
                rebuilt.toString(),
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic",
                rig.graphLog,
                "--compare-with",
                live.toString(),
                "--progress-interval",
                "1");
        assertThat(rebuild.exit()).as(graph + ":\n" + rebuild.out() + rebuild.err()).isZero();
        assertThat(rebuild.out()).contains("byte-identical");
        assertThat(rebuild.err()).contains("rebuild " + graph + ": 100% (");
        Manifest rebuiltLatest = latest(rebuilt, graph);
        Manifest liveLatest = latest(live, graph);
        assertThat(rebuiltLatest.sources()).as(graph).isEqualTo(liveLatest.sources());
        Manifest match =
            new VersionAtPosition(new ManifestLog(rig.store, GraphId.of(graph)))
                .find(rebuiltLatest.sources())
                .orElseThrow();
        Path mine = export(rebuilt, graph, null, dir);
        Path theirs = export(live, graph, match.version(), dir);
        assertThat(Files.mismatch(mine, theirs))
            .as(graph + ": first differing byte")
            .isEqualTo(-1L);
        exports.append(Files.readString(mine, StandardCharsets.UTF_8));
        LOG.info(
            "{}: rebuilt to version {} equals live version {} of {} ({} bytes)",
            graph,
            rebuiltLatest.version(),
            match.version(),
            liveLatest.version(),
            Files.size(mine));
      }
      // Not empty graphs: edges, the property the schema change added, never the aborted event.
      assertThat(exports.toString())
          .contains("\"kind\":\"edge\"")
          .contains("\"tag\"")
          .doesNotContain("aborted-x");
    }
  }

  @Test
  void aRebuildStopsAtAnOffsetAndEqualsTheLiveVersionThere(KafkaTestBroker kafka, @TempDir Path dir)
      throws Exception {
    Random random = new Random(Long.getLong("ingraft.rebuild.seed", 42));
    try (WriterRig rig = new WriterRig(kafka, dir, 1)) {
      Path live = rig.root.resolve("data");
      String graph = "rb-to";
      // Created out of band: its creation is not in the log, so the rebuild takes the schema of
      // the live root's version 1.
      Path schemaFile = dir.resolve("person.pg");
      Files.writeString(schemaFile, PersonGraphModel.SCHEMA);
      assertThat(
              cli(
                      "graph",
                      "create",
                      "-g",
                      graph,
                      "--schema",
                      schemaFile.toString(),
                      "--storage-root",
                      live.toString())
                  .exit())
          .isZero();
      Deque<GraphLogRecord> log = generate(graph, 60, random);
      log.poll(); // the schema event and its seal: the graph exists already
      log.poll();
      List<ProducerRecord<byte[], byte[]>> records =
          interleave(
              rig,
              List.of(graph, "rb-noise"),
              new int[] {0, 0},
              List.of(log, generate("rb-noise", 40, random)),
              random);
      rig.sendAll(records.subList(0, records.size() / 2));
      GraphWriter writer = rig.startWriter("writer", rig.engine("writer"));
      try {
        rig.sendAll(records.subList(records.size() / 2, records.size()));
        rig.awaitCommittedToEnd();
      } finally {
        writer.close();
      }
      // One version per sealed batch here (max-batch-events 1): take one in the middle with
      // several events.
      List<Manifest> versions = rig.manifests(graph);
      Manifest target =
          versions.stream()
              .filter(
                  m ->
                      m.commit().kind() == CommitKind.MUTATION
                          || m.commit().kind() == CommitKind.LOAD)
              .filter(m -> m.commit().eventCount() >= 2)
              .skip(3)
              .findFirst()
              .orElseThrow();
      String source = rig.graphLog + ":0";
      long toOffset = target.nextOffset(source);

      Path rebuilt = dir.resolve("rebuilt-at-" + toOffset);
      Cli atVersion = rebuild(kafka, rig, graph, rebuilt, live, toOffset);
      assertThat(atVersion.exit()).as(atVersion.out()).isZero();
      assertThat(atVersion.out())
          .contains("stopped at offset " + toOffset)
          .contains("byte-identical");
      assertThat(latest(rebuilt, graph).sources()).isEqualTo(target.sources());
      Path mine = export(rebuilt, graph, null, dir);
      assertThat(Files.mismatch(mine, export(live, graph, target.version(), dir))).isEqualTo(-1L);
      // Early: the live graph went on after it.
      assertThat(Files.mismatch(mine, export(live, graph, null, dir))).isNotEqualTo(-1L);

      // An offset inside a batch: the batch is left out whole; the rebuild stops at the version
      // before it.
      long inside = target.commit().firstOffset() + 1;
      Path early = dir.resolve("rebuilt-at-" + inside);
      Cli beforeBatch = rebuild(kafka, rig, graph, early, live, inside);
      assertThat(beforeBatch.exit()).as(beforeBatch.out()).isZero();
      Manifest earlyLatest = latest(early, graph);
      assertThat(earlyLatest.nextOffset(source)).isLessThanOrEqualTo(target.commit().firstOffset());
      Manifest before =
          new VersionAtPosition(new ManifestLog(rig.store, GraphId.of(graph)))
              .find(earlyLatest.sources())
              .orElseThrow();
      assertThat(before.version()).isLessThan(target.version());
      assertThat(
              Files.mismatch(
                  export(early, graph, null, dir), export(live, graph, before.version(), dir)))
          .isEqualTo(-1L);

      // A target root that has the graph is refused without --resume; with it, the rebuild goes
      // on from the offsets the root records, to the end of the log: the live graph's latest.
      assertThat(rebuild(kafka, rig, graph, early, live, toOffset).exit()).isEqualTo(1);
      Cli resumed =
          cli(
              "graph",
              "rebuild",
              "-g",
              graph,
              "--storage-root",
              early.toString(),
              "--bootstrap-servers",
              kafka.bootstrapServers(),
              "--topic",
              rig.graphLog,
              "--compare-with",
              live.toString(),
              "--resume",
              "--json");
      assertThat(resumed.exit()).as(resumed.out()).isZero();
      JsonNode json =
          new ObjectMapper()
              .readTree(
                  resumed.out().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
      assertThat(json.at("/result/stop").asText()).isEqualTo("END_OF_LOG");
      assertThat(json.at("/result/readFrom/0").asLong()).isEqualTo(earlyLatest.nextOffset(source));
      assertThat(json.at("/comparison/identical").asBoolean()).isTrue();
      assertThat(latest(early, graph).sources()).isEqualTo(latest(live, graph).sources());
      assertThat(Files.mismatch(export(early, graph, null, dir), export(live, graph, null, dir)))
          .isEqualTo(-1L);

      // Once retention (here: a deletion) has removed the log's head, a rebuild from nothing is
      // refused, naming the partition and where it now starts.
      TopicPartition tp = new TopicPartition(rig.graphLog, 0);
      kafka
          .admin()
          .deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(5)))
          .all()
          .get(30, TimeUnit.SECONDS);
      Path truncated = dir.resolve("rebuilt-truncated");
      try (LocalObjectStore store = new LocalObjectStore(truncated);
          TableStore tables = new TableStore(store)) {
        LogReplay replay =
            new LogReplay(
                kafka.clientConfig(),
                rig.graphLog,
                new GraphEngine(store, tables, "rebuild-test", Clock.systemUTC()),
                KafkaConsumer::new,
                LogReplay.Options.defaults(),
                progress -> {});
        assertThatThrownBy(() -> replay.replay(GraphId.of(graph), OptionalLong.empty()))
            .isInstanceOfSatisfying(
                LogTruncatedException.class,
                e -> {
                  assertThat(e.partition()).isEqualTo(tp);
                  assertThat(e.logStart()).isEqualTo(5);
                  assertThat(e.needed()).isZero();
                });
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static Cli rebuild(
      KafkaTestBroker kafka, WriterRig rig, String graph, Path root, Path live, long toOffset) {
    return cli(
        "graph",
        "rebuild",
        "-g",
        graph,
        "--storage-root",
        root.toString(),
        "--bootstrap-servers",
        kafka.bootstrapServers(),
        "--topic",
        rig.graphLog,
        "--from-storage-root",
        live.toString(),
        "--compare-with",
        live.toString(),
        "--to-offset",
        Long.toString(toOffset));
  }

  /** Runs a writer child with the failpoint armed to halt, and waits for it to halt. */
  private static void halted(
      WriterRig rig, Map<String, String> settings, String id, String failpoint) throws Exception {
    settings.put("ingraft.writer.id", id);
    try (ChildJvm.Running child =
        ChildJvm.start(
            WriterChildMain.class,
            Map.of(Failpoints.SYSTEM_PROPERTY, failpoint + "=halt"),
            args(settings))) {
      KafkaTestBroker.await(
          WriterRig.TIMEOUT, id + " halted at " + failpoint, () -> !child.isAlive());
      assertThat(child.process().exitValue()).as(child.output()).isEqualTo(Failpoints.HALT_STATUS);
      LOG.info("{} halted at {} with {} records committed", id, failpoint, committedSum(rig));
    }
  }

  private static String[] args(Map<String, String> settings) {
    return settings.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .toArray(String[]::new);
  }

  private static long committedSum(WriterRig rig) {
    return rig.committed().values().stream().mapToLong(Long::longValue).sum();
  }

  private static Manifest latest(Path root, String graph) {
    try (LocalObjectStore store = new LocalObjectStore(root)) {
      return new ManifestLog(store, GraphId.of(graph)).require();
    }
  }

  /** {@code ingraft graph export} of a version (null: latest) into a file. */
  private static Path export(Path root, String graph, Long version, Path dir) throws Exception {
    Path file = Files.createTempFile(dir, "export-" + graph + "-", ".jsonl");
    List<String> args =
        new ArrayList<>(
            List.of(
                "graph",
                "export",
                "-g",
                graph,
                "--storage-root",
                root.toString(),
                "-o",
                file.toString()));
    if (version != null) {
      args.add("--version");
      args.add(version.toString());
    }
    Cli result = cli(args.toArray(String[]::new));
    assertThat(result.exit()).as(result.out()).isZero();
    return file;
  }

  private record Cli(int exit, String out, String err) {}

  /** Runs {@code ingraft <args>} in this JVM, capturing what it prints on stdout and stderr. */
  private static synchronized Cli cli(String... args) {
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    try (PrintStream outCapture = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream errCapture = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      System.setOut(outCapture);
      System.setErr(errCapture);
      try {
        exit = IngraftCli.execute(args);
      } finally {
        System.setOut(originalOut);
        System.setErr(originalErr);
      }
    }
    Cli result =
        new Cli(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    LOG.info("ingraft {} -> {}\n{}{}", String.join(" ", args), exit, result.out(), result.err());
    return result;
  }

  /** Sends one event in a transaction that is then aborted. */
  private static void sendAborted(
      KafkaTestBroker kafka, WriterRig rig, int partition, GraphEvent event) throws Exception {
    Map<String, Object> props = kafka.clientConfig();
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, KafkaTestBroker.uniqueName("aborting"));
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer
          .send(
              new ProducerRecord<>(
                  rig.graphLog,
                  partition,
                  event.getGraph().getBytes(StandardCharsets.UTF_8),
                  new GraphLogCodec()
                      .encode(
                          GraphLogCodec.logged(event, "ingraft.mutations", 0, 0),
                          EventFormat.AVRO)))
          .get(30, TimeUnit.SECONDS);
      producer.abortTransaction();
      producer.close(Duration.ofSeconds(5));
    }
  }

  /** The graphs' logs interleaved at random, each graph's records in order, on its partition. */
  private static List<ProducerRecord<byte[], byte[]>> interleave(
      WriterRig rig,
      List<String> graphs,
      int[] partitionOf,
      List<Deque<GraphLogRecord>> logs,
      Random random) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    List<Integer> open = new ArrayList<>();
    for (int g = 0; g < graphs.size(); g++) {
      open.add(g);
    }
    while (!open.isEmpty()) {
      int pick = random.nextInt(open.size());
      int g = open.get(pick);
      GraphLogRecord record = logs.get(g).poll();
      records.add(
          new ProducerRecord<>(
              rig.graphLog,
              partitionOf[g],
              graphs.get(g).getBytes(StandardCharsets.UTF_8),
              rig.encode(record)));
      if (logs.get(g).isEmpty()) {
        open.remove(pick);
      }
    }
    return records;
  }

  /**
   * One graph's log: its creating schema event, a first batch that writes both tables, then random
   * events in batches of random size, with a schema change (a new property) halfway, sealed alone.
   */
  private static Deque<GraphLogRecord> generate(String graph, int events, Random random) {
    Deque<GraphLogRecord> log = new ArrayDeque<>();
    PersonGraphModel model = new PersonGraphModel();
    long[] sequence = {0};
    log.add(logged(schema(graph, graph + "-schema", PersonGraphModel.SCHEMA)));
    log.add(seal(graph, sequence, 1, SealReason.SCHEMA));
    model.upsert("p0", 0L);
    model.upsert("p1", 1L);
    model.edge("e-first", "p0", "p1");
    log.add(
        logged(
            mutation(
                graph,
                graph + "-first",
                upsert("Person", "name", "p0", "n", 0L),
                upsert("Person", "name", "p1", "n", 1L),
                edge("Knows", "e-first", "p0", "p1"))));
    log.add(seal(graph, sequence, 1, SealReason.COUNT));
    int open = 0;
    int nextSeal = 1 + random.nextInt(MAX_SEAL);
    boolean tagged = false;
    for (int i = 0; i < events; i++) {
      if (i == events / 2) {
        if (open > 0) {
          log.add(seal(graph, sequence, open, SealReason.COUNT));
          open = 0;
        }
        log.add(logged(schema(graph, graph + "-schema-2", SCHEMA_WITH_TAG)));
        log.add(seal(graph, sequence, 1, SealReason.SCHEMA));
        tagged = true;
      }
      log.add(logged(nextEvent(graph, i, model, tagged, random)));
      open++;
      if (open == nextSeal || i == events - 1) {
        log.add(seal(graph, sequence, open, SealReason.COUNT));
        open = 0;
        nextSeal = 1 + random.nextInt(MAX_SEAL);
      }
    }
    return log;
  }

  private static GraphLogRecord seal(String graph, long[] sequence, int events, SealReason reason) {
    return GraphLogCodec.seal(graph, ++sequence[0], events, reason);
  }

  private static GraphLogRecord logged(GraphEvent event) {
    return GraphLogCodec.logged(event, "ingraft.mutations", 0, 0);
  }

  /** A random event; some are rejected on purpose (an update of a node that does not exist). */
  private static GraphEvent nextEvent(
      String graph, int i, PersonGraphModel model, boolean tagged, Random random) {
    String id = graph + "-" + i;
    long n = i;
    List<String> names = model.names();
    int roll = random.nextInt(100);
    if (roll < 5) {
      return mutation(graph, id, update("Person", "ghost-" + i, "n", n));
    }
    if (roll < 13) {
      String a = "a" + i + "x";
      model.upsert(a, n);
      model.upsert("a" + i + "y", null);
      return load(
          graph,
          id,
          LoadMode.APPEND,
          Map.of("Person", List.of(props("name", a, "n", n), props("name", "a" + i + "y"))),
          Map.of());
    }
    if (roll < 20 && names.size() > 2) {
      String name = pick(names, random);
      model.delete(name);
      return mutation(graph, id, deleteNode("Person", name));
    }
    if (roll < 35 && !names.isEmpty()) {
      String name = pick(names, random);
      model.update(name, n);
      return mutation(graph, id, update("Person", name, "n", n));
    }
    if (roll < 55 && names.size() >= 2) {
      String from = pick(names, random);
      String to = pick(names, random);
      // Half of the edges have no id: the engine derives one from the event, deterministically.
      String edgeId = random.nextBoolean() ? "e" + i : null;
      if (edgeId != null) {
        model.edge(edgeId, from, to);
      }
      return mutation(graph, id, edge("Knows", edgeId, from, to));
    }
    if (roll < 62 && !model.knows.isEmpty()) {
      String edgeId = pick(model.edgeIds(), random);
      model.deleteEdge(edgeId);
      return mutation(graph, id, deleteEdge("Knows", edgeId));
    }
    String name = "p" + random.nextInt(30);
    model.upsert(name, n);
    Op op =
        tagged && random.nextBoolean()
            ? upsert("Person", "name", name, "n", n, "tag", "t" + i)
            : upsert("Person", "name", name, "n", n);
    return mutation(graph, id, op);
  }

  private static String pick(List<String> from, Random random) {
    return from.get(random.nextInt(from.size()));
  }
}
