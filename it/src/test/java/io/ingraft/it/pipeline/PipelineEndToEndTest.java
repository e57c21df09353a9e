package io.ingraft.it.pipeline;

import static io.ingraft.it.pipeline.Events.deleteEdge;
import static io.ingraft.it.pipeline.Events.deleteEdges;
import static io.ingraft.it.pipeline.Events.deleteNode;
import static io.ingraft.it.pipeline.Events.edge;
import static io.ingraft.it.pipeline.Events.list;
import static io.ingraft.it.pipeline.Events.load;
import static io.ingraft.it.pipeline.Events.mutation;
import static io.ingraft.it.pipeline.Events.props;
import static io.ingraft.it.pipeline.Events.row;
import static io.ingraft.it.pipeline.Events.rows;
import static io.ingraft.it.pipeline.Events.schema;
import static io.ingraft.it.pipeline.Events.update;
import static io.ingraft.it.pipeline.Events.upsert;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingraft.app.IngestPipeline;
import io.ingraft.app.writer.WriterStats;
import io.ingraft.events.CommitNoticeCodec;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.CommitNotice;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline in one process ({@code IngestPipeline}: the Streams topology and the graph
 * writer) on the in-JVM broker and real Lance tables. Three graphs get, through a plain Java
 * producer, JSON and Avro single-object events keyed by graph id, spread over the mutations and
 * loads topics: a schema each, mutations of every op kind (string and integer keys, explicit and
 * derived edge ids, a cascading node delete, edges deleted by id and by endpoints, a null that
 * clears a property, an upsert that replaces a node whole), a merge load, an overwrite load that
 * cascades, and a schema evolution adding a nullable property followed by events that use it.
 *
 * <p>Then every graph must equal an in-memory reference built from the same events ({@link
 * ExpectedGraph}), through the engine and through {@code ingraft graph export}; the manifest chain
 * must verify, and every event the writer group committed must be applied ({@code ingraft graph
 * verify --json --bootstrap-servers ...}); the commits topic must hold exactly one notice per
 * published data or schema version, matching the manifest; the graph log must hold every event
 * exactly once, stamped with where it was produced.
 *
 * <p>The second test stops the pipeline while events are still on their way through it and starts a
 * new one (another writer id) on the same storage and broker: what was applied stays, nothing is
 * lost or applied twice, the events produced after the restart apply, and every check above still
 * holds.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineEndToEndTest {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineEndToEndTest.class);

  /** The manifest versions a writer batch publishes, each announced by one commit notice. */
  private static final Set<CommitKind> DATA_KINDS =
      EnumSet.of(CommitKind.CREATE, CommitKind.MUTATION, CommitKind.LOAD, CommitKind.SCHEMA_APPLY);

  static final String SOCIAL = "social";
  static final String ORG = "org";
  static final String LEDGER = "ledger";
  static final List<String> GRAPHS = List.of(SOCIAL, ORG, LEDGER);

  static final String SOCIAL_V1 =
      """
      node Person {
        name: String @key
        age: I64?
        email: String? @unique
      }
      node Company {
        name: String @key
        founded: Date?
      }
      edge Knows: Person -> Person { since: I64? }
      edge WorksAt: Person -> Company @card(0..1) { role: String? }
      """;
  static final String SOCIAL_V2 =
      SOCIAL_V1.replace("email: String? @unique\n", "email: String? @unique\n  city: String?\n");
  static final String ORG_V1 =
      """
      node Team {
        code: String @key
        title: String
        active: Bool?
      }
      node Member {
        login: String @key
        level: I64?
      }
      edge MemberOf: Member -> Team @card(0..1)
      edge Mentors: Member -> Member { topic: String? }
      """;
  static final String ORG_V2 = ORG_V1.replace("level: I64?\n", "level: I64?\n  score: F64?\n");
  static final String LEDGER_V1 =
      """
      node Account {
        id: I64 @key
        owner: String
        balance: F64?
      }
      edge Transfer: Account -> Account { amount: F64 memo: String? }
      """;
  static final String LEDGER_V2 =
      LEDGER_V1.replace("balance: F64?\n", "balance: F64?\n  opened: Date?\n");

  @TempDir static Path dir;
  static PipelineRig rig;
  static Scenario scenario;
  static String mutations;
  static String loads;

  @BeforeAll
  static void startPipeline(KafkaTestBroker kafka) {
    assertThat(SOCIAL_V2).contains("city");
    assertThat(ORG_V2).contains("score");
    assertThat(LEDGER_V2).contains("opened");
    rig = new PipelineRig(kafka, dir);
    scenario = new Scenario(rig);
    mutations = rig.topics.mutations();
    loads = rig.topics.loads();
    long t0 = System.nanoTime();
    rig.start("e2e-writer-a");
    LOG.info("pipeline started in {} ms", (System.nanoTime() - t0) / 1_000_000);
  }

  @AfterAll
  static void stopPipeline() {
    if (rig != null) {
      rig.close();
    }
  }

  @Test
  @Order(1)
  void everyEventOfEveryGraphAppliesOnceAndMatchesTheReference() throws Exception {
    long t0 = System.nanoTime();
    // The pipeline created its five topics.
    assertThat(rig.kafka.admin().listTopics().names().get())
        .contains(mutations, loads, rig.topics.graphLog(), rig.topics.dlq(), rig.topics.commits());

    // Phase 1, mutations topic: the schemas, then every kind of operation.
    scenario.good(mutations, schema(SOCIAL, "s1", SOCIAL_V1));
    scenario.good(
        mutations,
        mutation(
            SOCIAL,
            "s2",
            upsert("Person", "name", "ada", "age", 36L, "email", "ada@example.org"),
            upsert("Person", "name", "bob", "age", 41L),
            upsert("Person", "name", "cy"),
            upsert("Company", "name", "acme", "founded", "1999-05-01"),
            upsert("Company", "name", "initech")));
    scenario.good(
        mutations,
        mutation(
            SOCIAL,
            "s3",
            edge("Knows", "k1", "ada", "bob", "since", 2019L),
            edge("Knows", null, "bob", "ada"),
            edge("WorksAt", "w1", "ada", "acme", "role", "engineer"),
            edge("WorksAt", null, "bob", "initech")));
    scenario.good(
        mutations,
        mutation(
            SOCIAL,
            "s4",
            update("Person", "ada", "age", 37L),
            update("Person", "bob", "email", "bob@example.org"),
            edge("Knows", "k2", "cy", "ada")));
    scenario.good(
        mutations,
        mutation(SOCIAL, "s5", deleteEdge("Knows", "k1"), deleteEdges("Knows", "bob", "ada")));
    scenario.good(
        mutations,
        mutation(
            SOCIAL,
            "s6",
            deleteNode("Person", "cy"),
            upsert("Person", "name", "dan", "age", 20L),
            // Replaces bob whole: his email is gone.
            upsert("Person", "name", "bob", "age", 42L)));
    scenario.good(
        mutations,
        mutation(
            SOCIAL,
            "s7",
            edge("Knows", "k3", "ada", "dan"),
            update("Company", "acme", "founded", null)));

    scenario.good(mutations, schema(ORG, "o1", ORG_V1));
    scenario.good(
        mutations,
        mutation(
            ORG,
            "o2",
            upsert("Team", "code", "t-core", "title", "Core", "active", true),
            upsert("Team", "code", "t-web", "title", "Web"),
            upsert("Member", "login", "m1", "level", 3L),
            upsert("Member", "login", "m2", "level", 1L),
            upsert("Member", "login", "m3")));
    scenario.good(
        mutations,
        mutation(
            ORG,
            "o3",
            edge("MemberOf", "mo1", "m1", "t-core"),
            edge("MemberOf", null, "m2", "t-web"),
            edge("Mentors", "mt1", "m1", "m2", "topic", "kafka")));
    scenario.good(
        mutations,
        mutation(
            ORG,
            "o4",
            update("Member", "m2", "level", 2L),
            // Takes the derived MemberOf edge m2 -> t-web with it.
            deleteNode("Team", "t-web")));
    scenario.good(
        mutations,
        mutation(
            ORG,
            "o5",
            edge("MemberOf", "mo2", "m2", "t-core"),
            edge("Mentors", null, "m1", "m3"),
            deleteEdge("Mentors", "mt1")));
    scenario.good(
        mutations,
        mutation(
            ORG,
            "o6",
            deleteEdges("Mentors", "m1", "m3"),
            upsert("Member", "login", "m4", "level", 5L)));

    scenario.good(mutations, schema(LEDGER, "l1", LEDGER_V1));
    scenario.good(
        mutations,
        mutation(
            LEDGER,
            "l2",
            upsert("Account", "id", 1L, "owner", "ann", "balance", 100.5),
            upsert("Account", "id", 2L, "owner", "ben", "balance", 20.25),
            upsert("Account", "id", 3L, "owner", "cat")));
    scenario.good(
        mutations,
        mutation(
            LEDGER,
            "l3",
            edge("Transfer", "tx1", 1L, 2L, "amount", 10.5, "memo", "rent"),
            edge("Transfer", null, 2L, 3L, "amount", 1.25)));
    scenario.good(
        mutations,
        mutation(
            LEDGER,
            "l4",
            update("Account", 1L, "balance", 90.0),
            update("Account", 2L, "balance", 31.5)));
    scenario.good(
        mutations,
        mutation(
            LEDGER,
            "l5",
            deleteEdges("Transfer", 2L, 3L),
            deleteNode("Account", 3L),
            upsert("Account", "id", 4L, "owner", "dee")));
    scenario.good(
        mutations,
        mutation(
            LEDGER,
            "l6",
            edge("Transfer", "tx2", 4L, 1L, "amount", 5.5),
            deleteEdge("Transfer", "tx2"),
            edge("Transfer", "tx3", 1L, 4L, "amount", 7.75)));
    scenario.awaitPhase();

    // Phase 2: merge loads for social and ledger, more mutations for org.
    scenario.good(
        loads,
        load(
            SOCIAL,
            "s-merge",
            LoadMode.MERGE,
            rows(
                "Person",
                list(
                    props("name", "ada", "age", 38L, "email", "ada@example.org"),
                    props("name", "eve", "age", 29L)),
                "Company",
                list(props("name", "globex"))),
            rows("Knows", list(row("eve", "ada", null), row("dan", "eve", "k-de")))));
    scenario.good(
        mutations,
        mutation(
            ORG,
            "o7",
            upsert("Team", "code", "t-ops", "title", "Ops"),
            edge("MemberOf", "mo4", "m4", "t-ops")));
    scenario.good(mutations, mutation(ORG, "o8", update("Team", "t-core", "active", false)));
    scenario.good(
        loads,
        load(
            LEDGER,
            "l-merge",
            LoadMode.MERGE,
            rows(
                "Account",
                list(
                    props("id", 1L, "owner", "ann", "balance", 95.5),
                    props("id", 5L, "owner", "eli"))),
            rows("Transfer", list(row(5L, 1L, "tx5", "amount", 2.5)))));
    scenario.awaitPhase();

    // Phase 3: the other way round.
    scenario.good(
        mutations,
        mutation(
            SOCIAL,
            "s8",
            deleteNode("Company", "initech"),
            edge("WorksAt", "w2", "dan", "globex"),
            edge("WorksAt", "w-eve", "eve", "globex", "role", "ops")));
    scenario.good(mutations, mutation(SOCIAL, "s9", upsert("Company", "name", "initech")));
    scenario.good(
        loads,
        load(
            ORG,
            "o-merge",
            LoadMode.MERGE,
            rows(
                "Member",
                list(props("login", "m5", "level", 1L), props("login", "m2", "level", 9L))),
            rows("Mentors", list(row("m5", "m1", "mt5", "topic", "java"), row("m4", "m5", null)))));
    scenario.good(
        mutations,
        mutation(
            LEDGER,
            "l7",
            edge("Transfer", "tx6", 2L, 5L, "amount", 3.0),
            update("Account", 5L, "balance", 12.5)));
    scenario.awaitPhase();

    // Phase 4: overwrite loads, all on the loads topic.
    scenario.good(
        loads,
        load(
            SOCIAL,
            "s-overwrite",
            LoadMode.OVERWRITE,
            // globex goes, and with it the WorksAt edges of dan and eve.
            rows(
                "Company",
                list(props("name", "acme", "founded", "2001-01-01"), props("name", "initech"))),
            rows(
                "Knows",
                list(row("ada", "eve", "k-ae", "since", 2024L), row("eve", "dan", "k-ed")))));
    scenario.good(
        loads,
        load(
            ORG,
            "o-overwrite",
            LoadMode.OVERWRITE,
            // t-ops goes with its MemberOf edge, which the MemberOf overwrite deletes as well; mo1
            // is deleted and loaded again in the same event, with another target.
            rows(
                "Team",
                list(
                    props("code", "t-core", "title", "Core 2"),
                    props("code", "t-new", "title", "New"))),
            rows("MemberOf", list(row("m1", "t-new", "mo1")))));
    scenario.good(
        loads,
        load(
            LEDGER,
            "l-overwrite",
            LoadMode.OVERWRITE,
            Map.of(),
            rows(
                "Transfer",
                list(row(1L, 2L, "tx-a", "amount", 1.5), row(2L, 1L, null, "amount", 2.5)))));
    scenario.awaitPhase();

    // Phase 5: schema evolution (a new nullable property), and events that use it.
    scenario.good(mutations, schema(SOCIAL, "s10", SOCIAL_V2));
    scenario.good(
        mutations,
        mutation(
            SOCIAL,
            "s11",
            update("Person", "ada", "city", "Oslo"),
            upsert("Person", "name", "fay", "age", 50L, "city", "Rome")));
    scenario.good(
        mutations, mutation(SOCIAL, "s12", update("Person", "eve", "city", "Bergen", "age", null)));
    scenario.good(mutations, schema(ORG, "o9", ORG_V2));
    scenario.good(
        mutations,
        mutation(
            ORG,
            "o10",
            update("Member", "m1", "score", 4.5),
            upsert("Member", "login", "m6", "level", 2L, "score", 0.25)));
    scenario.good(mutations, schema(LEDGER, "l8", LEDGER_V2));
    scenario.good(
        mutations,
        mutation(
            LEDGER,
            "l9",
            update("Account", 1L, "opened", "2020-02-29"),
            upsert("Account", "id", 6L, "owner", "fox", "balance", 0.5, "opened", "2024-01-31")));
    scenario.awaitPhase();
    rig.awaitCommittedToEnd();
    LOG.info(
        "{} events through the pipeline in {} ms",
        scenario.toApply(),
        (System.nanoTime() - t0) / 1_000_000);

    WriterStats stats = rig.pipeline().stats();
    assertThat(stats.eventsApplied()).isEqualTo(scenario.toApply());
    assertThat(stats.eventsRejected()).isZero();
    assertThat(stats.eventsSkipped()).isZero();
    assertThat(stats.deadLetters()).isZero();
    assertThat(rig.readAll(rig.topics.dlq())).isEmpty();
    assertThat(scenario.all)
        .extracting(s -> s.format)
        .contains(io.ingraft.events.EventFormat.JSON, io.ingraft.events.EventFormat.AVRO);
    assertThat(scenario.all).extracting(s -> s.topic).contains(mutations, loads);

    // A few facts the reference must have, so that a broken scenario cannot pass unnoticed.
    assertThat(scenario.graph(SOCIAL).export())
        .contains(
            "{\"kind\":\"node\",\"type\":\"Person\",\"key\":\"ada\",\"props\":{\"age\":38,"
                + "\"city\":\"Oslo\",\"email\":\"ada@example.org\"}}")
        .contains("\"key\":\"bob\",\"props\":{\"age\":42}}")
        .doesNotContain("globex", "\"cy\"", "w2");
    assertThat(scenario.graph(ORG).export())
        .contains(
            "{\"kind\":\"edge\",\"type\":\"MemberOf\",\"id\":\"mo1\",\"from\":\"m1\","
                + "\"to\":\"t-new\",\"props\":{}}")
        .doesNotContain("t-ops", "mo2", "mo4");
    assertThat(scenario.graph(LEDGER).export())
        .contains(
            "{\"kind\":\"node\",\"type\":\"Account\",\"key\":1,\"props\":{\"balance\":95.5,"
                + "\"opened\":\"2020-02-29\",\"owner\":\"ann\"}}");

    assertAllGraphsMatch();
    assertCommitNotices(scenario.toApply());
    assertGraphLogHoldsEveryEventOnce();
  }

  @Test
  @Order(2)
  void aRestartedPipelineKeepsWhatWasAppliedAndAppliesWhatFollows() throws Exception {
    rig.awaitCommittedToEnd();
    Map<String, Long> epochs = new HashMap<>();
    try (LocalObjectStore store = new LocalObjectStore(rig.storageRoot())) {
      for (String graph : GRAPHS) {
        epochs.put(graph, new ManifestLog(store, GraphId.of(graph)).require().epoch());
      }
    }

    // Phase 6a: events still on their way through the stages when the pipeline stops: the stop
    // comes as soon as the writer has read the first of them.
    long read = rig.pipeline().stats().recordsRead();
    scenario.good(
        mutations,
        mutation(
            SOCIAL,
            "s13",
            upsert("Person", "name", "gus", "city", "Lima"),
            edge("Knows", null, "gus", "ada")));
    scenario.good(mutations, mutation(ORG, "o11", update("Member", "m3", "level", 4L)));
    scenario.good(mutations, mutation(LEDGER, "l10", update("Account", 2L, "balance", 0.75)));
    scenario.resolve();
    rig.awaitStats("the writer read a record of phase 6a", st -> st.recordsRead() > read);
    long t0 = System.nanoTime();
    WriterStats first = rig.stop();
    rig.start("e2e-writer-b");
    LOG.info(
        "pipeline restarted in {} ms; the first writer had applied {} of {} events",
        (System.nanoTime() - t0) / 1_000_000,
        first.eventsApplied(),
        scenario.toApply());
    scenario.awaitPhase();

    // Nothing was lost and nothing applied twice, before anything new arrives.
    for (String graph : GRAPHS) {
      assertThat(rig.export(graph)).as(graph).isEqualTo(scenario.graph(graph).export());
    }

    // Phase 6b, after the restart, on both topics.
    scenario.good(mutations, mutation(SOCIAL, "s14", deleteNode("Person", "dan")));
    scenario.good(
        loads,
        load(
            ORG,
            "o-merge-2",
            LoadMode.MERGE,
            rows("Member", list(props("login", "m7", "level", 1L, "score", 1.5))),
            rows("Mentors", list(row("m7", "m6", "mt7")))));
    scenario.good(mutations, mutation(LEDGER, "l11", deleteNode("Account", 2L)));
    scenario.awaitPhase();
    rig.awaitCommittedToEnd();

    WriterStats second = rig.pipeline().stats();
    // The stopped writer committed all it published, and only that: the new one applies the
    // rest, and re-reads nothing the first one applied.
    assertThat(first.eventsApplied() + second.eventsApplied()).isEqualTo(scenario.toApply());
    assertThat(second.eventsSkipped()).isZero();
    assertThat(second.eventsRejected()).isZero();
    assertThat(second.deadLetters()).isZero();

    assertAllGraphsMatch();
    assertCommitNotices(scenario.toApply());
    assertGraphLogHoldsEveryEventOnce();
    // The new writer took every graph over, at a higher epoch.
    try (LocalObjectStore store = new LocalObjectStore(rig.storageRoot())) {
      for (String graph : GRAPHS) {
        Manifest latest = new ManifestLog(store, GraphId.of(graph)).require();
        assertThat(latest.writer().writerId()).as(graph).isEqualTo("e2e-writer-b");
        assertThat(latest.epoch()).as(graph).isGreaterThan(epochs.get(graph));
      }
    }
  }

  @Test
  @Order(3)
  void aPausedTopologyLeavesEventsInTheProducerTopicsUntilResumed() throws Exception {
    rig.awaitCommittedToEnd();
    IngestPipeline pipeline = rig.pipeline();
    pipeline.pauseTopology();
    assertThat(pipeline.isTopologyPaused()).isTrue();
    long read = pipeline.stats().recordsRead();

    scenario.good(mutations, mutation(SOCIAL, "s15", upsert("Person", "name", "hal", "age", 51L)));
    scenario.good(
        loads,
        load(
            LEDGER,
            "l-merge-3",
            LoadMode.MERGE,
            rows("Account", list(props("id", 9L, "owner", "ivy"))),
            rows("Transfer", list(row(9L, 1L, "tx9", "amount", 1.0)))));
    scenario.resolve();
    // The events are in the producer topics (acknowledged); for several seal lingers and commit
    // intervals, stage 1 passes none of them on, so the writer reads nothing.
    long observeUntil = System.nanoTime() + Duration.ofMillis(1500).toNanos();
    while (System.nanoTime() < observeUntil) {
      assertThat(pipeline.stats().recordsRead()).as("records read while paused").isEqualTo(read);
      Thread.sleep(20);
    }

    pipeline.resumeTopology();
    assertThat(pipeline.isTopologyPaused()).isFalse();
    scenario.awaitPhase();
    rig.awaitCommittedToEnd();
    for (String graph : GRAPHS) {
      assertThat(rig.export(graph)).as(graph).isEqualTo(scenario.graph(graph).export());
    }
    assertGraphLogHoldsEveryEventOnce();
  }

  // -----------------------------------------------------------------------------------------------

  /** Engine export, CLI export and reference agree, and the manifest chain verifies. */
  private static void assertAllGraphsMatch() throws Exception {
    for (String graph : GRAPHS) {
      String expected = scenario.graph(graph).export();
      String exported = rig.export(graph);
      assertThat(exported).as("export of " + graph).isEqualTo(expected);
      assertThat(rig.cliExport(graph)).as("ingraft graph export -g " + graph).isEqualTo(exported);

      // Export to stdout: the same lines (the console log appender may add lines of its own).
      PipelineRig.CliResult stdout = rig.cli("graph", "export", "-g", graph);
      assertThat(stdout.exitCode()).isZero();
      assertThat(
              stdout
                  .stdout()
                  .lines()
                  .filter(l -> l.startsWith("{\"kind\":"))
                  .map(l -> l + "\n")
                  .collect(Collectors.joining()))
          .isEqualTo(exported);

      PipelineRig.Verified verify = rig.verify(graph);
      JsonNode report = verify.report();
      assertThat(verify.ok()).as(report.toString()).isTrue();
      assertThat(report.get("graph").asText()).isEqualTo(graph);
      assertThat(report.get("eventsApplied").asLong())
          .as(report.toString())
          .isEqualTo(scenario.applied.get(graph).size());
    }
  }

  /**
   * The commits topic holds one notice per manifest version of each graph through its last version
   * that covers events (epoch claims included, with their own kind; a claim after that one waits
   * for the graph's next version), each matching its manifest, with applied counts that sum to the
   * events applied.
   */
  private static void assertCommitNotices(long appliedEvents) {
    CommitNoticeCodec codec = new CommitNoticeCodec();
    Map<String, List<CommitNotice>> notices = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> record : rig.readAll(rig.topics.commits())) {
      CommitNotice notice = codec.decode(record.value());
      assertThat(new String(record.key(), UTF_8)).isEqualTo(notice.getGraph());
      notices.computeIfAbsent(notice.getGraph(), g -> new ArrayList<>()).add(notice);
    }
    assertThat(notices.keySet()).containsExactlyInAnyOrderElementsOf(GRAPHS);
    long appliedTotal = 0;
    try (LocalObjectStore store = new LocalObjectStore(rig.storageRoot())) {
      for (String graph : GRAPHS) {
        ManifestLog log = new ManifestLog(store, GraphId.of(graph));
        Map<Long, Manifest> dataVersions = new TreeMap<>();
        long lastCovering = 0;
        Map<String, Long> before = Map.of();
        for (long v : log.versions()) {
          Manifest m = log.read(v);
          dataVersions.put(v, m);
          if (!m.sources().equals(before)) {
            lastCovering = v;
          }
          before = m.sources();
        }
        long covered = lastCovering;
        dataVersions.keySet().removeIf(v -> v > covered);
        List<Long> announced =
            notices.get(graph).stream().map(CommitNotice::getManifestVersion).toList();
        assertThat(announced)
            .as("notice versions of " + graph)
            .doesNotHaveDuplicates()
            .containsExactlyInAnyOrderElementsOf(dataVersions.keySet());
        long appliedInGraph = 0;
        for (CommitNotice notice : notices.get(graph)) {
          Manifest m = dataVersions.get(notice.getManifestVersion());
          assertThat(notice.getApplied())
              .as(graph + " v" + m.version())
              .isEqualTo((int) m.commit().eventCount());
          assertThat(notice.getRejected()).isZero();
          assertThat(notice.getKind()).isEqualTo(m.commit().kind().name());
          if (!DATA_KINDS.contains(m.commit().kind()) || m.commit().recovery()) {
            continue;
          }
          assertThat(notice.getSkipped()).isZero();
          assertThat(notice.getFirstOffset()).isEqualTo(m.commit().firstOffset());
          assertThat(notice.getLastOffset()).isEqualTo(m.commit().lastOffset());
          assertThat(notice.getPublishedAt()).isEqualTo(m.time().toEpochMilli());
          assertThat(notice.getFreshnessMs()).isNotNull().isGreaterThanOrEqualTo(0L);
          Map<String, Long> pins = new HashMap<>();
          m.tables().forEach((table, pin) -> pins.put(table, pin.version()));
          assertThat(notice.getTables()).isEqualTo(pins);
          appliedInGraph += notice.getApplied();
        }
        assertThat(appliedInGraph).as(graph).isEqualTo(scenario.applied.get(graph).size());
        appliedTotal += appliedInGraph;
      }
    }
    assertThat(appliedTotal).isEqualTo(appliedEvents);
  }

  /**
   * The graph log holds every produced event exactly once (stage 1 is exactly-once, and a restart
   * re-logs nothing), stamped with the topic, partition and offset it was produced at.
   */
  private static void assertGraphLogHoldsEveryEventOnce() {
    GraphLogCodec codec = new GraphLogCodec();
    Map<String, Integer> seen = new HashMap<>();
    Map<String, Scenario.Sent> produced = scenario.byEventId();
    for (ConsumerRecord<byte[], byte[]> record : rig.readAll(rig.topics.graphLog())) {
      GraphLogRecord decoded = codec.decode(record.value());
      assertThat(new String(record.key(), UTF_8)).isEqualTo(GraphLogCodec.graphOf(decoded));
      if (decoded.getEntry() instanceof LoggedEvent logged) {
        String id = logged.getEvent().getGraph() + "/" + logged.getEvent().getEventId();
        seen.merge(id, 1, Integer::sum);
        Scenario.Sent sent = produced.get(id);
        assertThat(sent).as(id).isNotNull();
        assertThat(logged.getSourceTopic()).as(id).isEqualTo(sent.topic);
        assertThat(logged.getSourcePartition()).as(id).isEqualTo(sent.partition);
        assertThat(logged.getSourceOffset()).as(id).isEqualTo(sent.offset);
      }
    }
    assertThat(seen).allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1));
    assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(produced.keySet());
  }
}
