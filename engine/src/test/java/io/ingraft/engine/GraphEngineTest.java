package io.ingraft.engine;

import static io.ingraft.engine.EventResult.Status.APPLIED;
import static io.ingraft.engine.EventResult.Status.REJECTED;
import static io.ingraft.engine.EventResult.Status.SKIPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.EventBody.LoadMode;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.engine.read.GraphSnapshot;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.InvalidNameException;
import io.ingraft.storage.manifest.FencedException;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GraphEngineTest {
  static final String SCHEMA =
      """
      node Person {
        name: String @key
        age: I32?
        email: String? @unique
      }
      node Company { name: String @key }
      edge WorksAt: Person -> Company @card(0..1) { since: Date? }
      edge Knows: Person -> Person
      """;
  static final GraphId G = GraphId.of("social");
  static final String P = "log:0";

  private Path root;
  private ObjectStore store;
  private TableStore tables;
  private GraphEngine engine;
  private long offset;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "engine-");
    store = new LocalObjectStore(root);
    tables = new TableStore(store);
    // Load files come from the test's own folder.
    engine =
        new GraphEngine(
            store,
            tables,
            "engine-a",
            Clock.systemUTC(),
            MaintenancePolicy.DEFAULT,
            new io.ingraft.engine.load.LoadSources(
                List.of(new io.ingraft.engine.load.LoadRoot.Directory(root.toString())),
                io.ingraft.engine.load.LoadLimits.DEFAULT));
    engine.createGraph(G, SCHEMA);
  }

  @AfterEach
  void tearDown() {
    tables.close();
    store.close();
  }

  // --- event builders ------------------------------------------------------------------------

  GraphEvent mutation(Op... ops) {
    long at = offset++;
    return new GraphEvent(
        G.value(), "e" + at, new SourcePosition(P, at), null, new EventBody.Mutation(List.of(ops)));
  }

  GraphEvent load(
      LoadMode mode,
      Map<String, List<Map<String, Object>>> nodes,
      Map<String, List<Map<String, Object>>> edges) {
    long at = offset++;
    return new GraphEvent(
        G.value(),
        "e" + at,
        new SourcePosition(P, at),
        null,
        new EventBody.Load(mode, nodes, edges, null));
  }

  static Op person(String name, Integer age, String email) {
    Map<String, Object> props = new HashMap<>();
    props.put("name", name);
    props.put("age", age);
    props.put("email", email);
    return new Op.UpsertNode("Person", props);
  }

  static Op company(String name) {
    return new Op.UpsertNode("Company", Map.of("name", name));
  }

  static Op knows(String from, String to) {
    return new Op.InsertEdge("Knows", from, to, Map.of(), null);
  }

  static Op worksAt(String from, String to) {
    return new Op.InsertEdge("WorksAt", from, to, Map.of("since", "2024-01-31"), null);
  }

  BatchResult apply(GraphEvent... events) {
    return engine.apply(G, List.of(events));
  }

  GraphSnapshot now() {
    return engine.snapshot(G);
  }

  String export(GraphSnapshot snapshot) {
    StringWriter out = new StringWriter();
    snapshot.export(out);
    return out.toString();
  }

  // --- tests ----------------------------------------------------------------------------------

  @Test
  void aBatchIsOnePublishAndReadsSeeIt() {
    long before = now().version();
    BatchResult result =
        apply(
            mutation(person("ada", 36, "ada@x.org"), person("bob", 40, null), company("acme")),
            mutation(knows("ada", "bob"), worksAt("ada", "acme")));
    assertThat(result.events()).extracting(EventResult::status).containsExactly(APPLIED, APPLIED);
    assertThat(result.manifestVersion()).isEqualTo(before + 1);

    GraphSnapshot s = now();
    assertThat(s.count("Person")).isEqualTo(2);
    assertThat(s.count("Knows")).isEqualTo(1);
    assertThat(s.node("Person", "ada"))
        .get()
        .satisfies(
            row -> {
              assertThat(row).containsEntry("age", 36).containsEntry("email", "ada@x.org");
            });
    assertThat(s.edges("WorksAt", null))
        .singleElement()
        .satisfies(e -> assertThat(e).containsEntry("since", LocalDate.parse("2024-01-31")));
    assertThat(s.neighbours("Knows", "ada", GraphSnapshot.Direction.OUT))
        .extracting(r -> r.get("name"))
        .containsExactly("bob");
    assertThat(s.neighbours("Knows", "bob", GraphSnapshot.Direction.IN))
        .extracting(r -> r.get("name"))
        .containsExactly("ada");
    assertThat(s.manifest().nextOffset(P)).isEqualTo(2);
  }

  @Test
  void aRejectedEventChangesNothingAndTheOthersApply() {
    BatchResult result =
        apply(
            mutation(person("ada", 1, null)),
            mutation(person("bob", 2, null), new Op.UpsertNode("Robot", Map.of("name", "r2"))),
            mutation(person("cy", 3, null)));
    assertThat(result.events())
        .extracting(EventResult::status)
        .containsExactly(APPLIED, REJECTED, APPLIED);
    assertThat(result.events().get(1).code()).isEqualTo(RejectionCode.UNKNOWN_TYPE);
    assertThat(now().nodes("Person", null, null))
        .extracting(r -> r.get("name"))
        .containsExactlyInAnyOrder("ada", "cy");
    // The rejected event's offset is still consumed: a replay does not re-reject it.
    assertThat(now().manifest().nextOffset(P)).isEqualTo(3);
  }

  @Test
  void readYourWritesInsideAnEventAndAcrossEventsOfABatch() {
    BatchResult result =
        apply(
            mutation(
                person("ada", 1, null),
                new Op.UpdateNode("Person", "ada", Map.of("age", 2)),
                new Op.UpdateNode("Person", "ada", Map.of("email", "a@x")),
                company("acme"),
                worksAt("ada", "acme")),
            mutation(new Op.UpdateNode("Person", "ada", Map.of("age", 3))));
    assertThat(result.events()).extracting(EventResult::status).containsOnly(APPLIED);
    assertThat(now().nodes("Person", null, null))
        .singleElement()
        .satisfies(row -> assertThat(row).containsEntry("age", 3).containsEntry("email", "a@x"));
    // The next batch updates the committed row.
    apply(mutation(new Op.UpdateNode("Person", "ada", Map.of("age", 4))));
    assertThat(now().node("Person", "ada"))
        .get()
        .satisfies(row -> assertThat(row).containsEntry("age", 4).containsEntry("email", "a@x"));
    assertThat(now().count("Person")).isEqualTo(1);
  }

  @Test
  void updateOfAMissingNodeIsRejected() {
    BatchResult result = apply(mutation(new Op.UpdateNode("Person", "ghost", Map.of("age", 1))));
    assertThat(result.events().get(0).code()).isEqualTo(RejectionCode.NODE_NOT_FOUND);
  }

  @Test
  void integrityRules() {
    apply(
        mutation(
            person("ada", 1, "a@x"),
            person("bob", 2, null),
            company("acme"),
            company("initech"),
            worksAt("ada", "acme")));

    BatchResult result =
        apply(
            mutation(knows("ada", "zed")), // missing endpoint
            mutation(worksAt("ada", "initech")), // @card(0..1) max
            mutation(person("bob", 2, "a@x")), // @unique
            mutation(person("ada", 5, "a@x")), // same owner: fine
            mutation(new Op.DeleteEdge("WorksAt", "ada", "acme", null), worksAt("ada", "initech")));
    assertThat(result.events())
        .extracting(EventResult::code)
        .containsExactly(
            RejectionCode.MISSING_ENDPOINT,
            RejectionCode.CARDINALITY,
            RejectionCode.UNIQUENESS,
            null,
            null);
    assertThat(now().edges("WorksAt", null))
        .singleElement()
        .satisfies(e -> assertThat(e).containsEntry("to", "initech"));

    // Freeing a unique value in one event lets another node take it in the next.
    BatchResult swap =
        apply(
            mutation(new Op.UpdateNode("Person", "ada", Map.of("email", "new@x"))),
            mutation(new Op.UpdateNode("Person", "bob", Map.of("email", "a@x"))));
    assertThat(swap.events()).extracting(EventResult::status).containsOnly(APPLIED);
  }

  @Test
  void deleteNodeCascadesToEveryIncidentEdge() {
    apply(
        mutation(
            person("ada", 1, null),
            person("bob", 2, null),
            person("cy", 3, null),
            company("acme"),
            knows("ada", "bob"),
            knows("bob", "ada"),
            knows("cy", "bob"),
            worksAt("bob", "acme"),
            worksAt("ada", "acme")));
    apply(mutation(new Op.DeleteNode("Person", "bob"), new Op.DeleteNode("Person", "nobody")));
    GraphSnapshot s = now();
    assertThat(s.nodes("Person", null, null))
        .extracting(r -> r.get("name"))
        .containsExactlyInAnyOrder("ada", "cy");
    assertThat(s.count("Knows")).isZero();
    assertThat(s.edges("WorksAt", null))
        .singleElement()
        .satisfies(e -> assertThat(e).containsEntry("from", "ada"));
  }

  @Test
  void replayedEventsAreSkippedAndAnAllDuplicateBatchPublishesNothing() {
    GraphEvent first = mutation(person("ada", 1, null), knows("ada", "ada"));
    apply(first);
    long version = now().version();
    BatchResult replay = apply(first);
    assertThat(replay.events()).extracting(EventResult::status).containsExactly(SKIPPED);
    assertThat(replay.published()).isFalse();
    assertThat(now().version()).isEqualTo(version);
    assertThat(now().count("Knows")).isEqualTo(1);
  }

  @Test
  void derivedEdgeIdsAreDeterministic() {
    GraphEvent event = mutation(person("ada", 1, null), knows("ada", "ada"));
    apply(event);
    String id = (String) now().edges("Knows", null).get(0).get("id");
    // Another engine on another graph with the same event id derives the same id.
    GraphId other = GraphId.of("other");
    engine.createGraph(other, SCHEMA);
    engine.apply(
        other, List.of(new GraphEvent("other", event.eventId(), null, null, event.body())));
    // Ids include the graph, so they differ across graphs but not across replays of one graph.
    String otherId = (String) engine.snapshot(other).edges("Knows", null).get(0).get("id");
    assertThat(otherId).isNotEqualTo(id);
    assertThat(id)
        .isEqualTo(
            java.util
                .UUID
                .nameUUIDFromBytes(
                    ("social\u0000" + event.eventId() + "\u00001")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString());
  }

  @Test
  void loadsInAllThreeModes() {
    Map<String, List<Map<String, Object>>> people =
        Map.of("Person", List.of(Map.of("name", "ada", "age", 1), Map.of("name", "bob", "age", 2)));
    assertThat(apply(load(LoadMode.APPEND, people, Map.of())).events().get(0).status())
        .isEqualTo(APPLIED);
    BatchResult collision =
        apply(load(LoadMode.APPEND, Map.of("Person", List.of(Map.of("name", "ada"))), Map.of()));
    assertThat(collision.events().get(0).code()).isEqualTo(RejectionCode.KEY_COLLISION);

    apply(
        load(
            LoadMode.MERGE,
            Map.of(
                "Person",
                List.of(Map.of("name", "ada", "age", 10), Map.of("name", "cy", "age", 3))),
            Map.of("Knows", List.of(Map.of("from", "ada", "to", "bob")))));
    assertThat(now().count("Person")).isEqualTo(3);
    assertThat(now().node("Person", "ada"))
        .get()
        .satisfies(r -> assertThat(r).containsEntry("age", 10));

    apply(
        load(
            LoadMode.OVERWRITE,
            Map.of("Person", List.of(Map.of("name", "ada", "age", 99), Map.of("name", "dee"))),
            Map.of()));
    GraphSnapshot s = now();
    assertThat(s.nodes("Person", null, null))
        .extracting(r -> r.get("name"))
        .containsExactlyInAnyOrder("ada", "dee");
    // bob disappeared, and so did the edge to him.
    assertThat(s.count("Knows")).isZero();
  }

  @Test
  void aFileLoadOfAnExportRebuildsAnEqualGraph() throws Exception {
    apply(
        mutation(
            person("ada", 1, "a@x"),
            person("bob", 2, null),
            company("acme"),
            knows("ada", "bob"),
            worksAt("bob", "acme")));
    String exported = export(now());
    Path file = root.resolve("export.jsonl");
    Files.writeString(file, exported);

    GraphId copy = GraphId.of("copy");
    engine.createGraph(copy, SCHEMA);
    BatchResult result =
        engine.apply(
            copy,
            List.of(
                new GraphEvent(
                    "copy",
                    "load-1",
                    null,
                    null,
                    new EventBody.Load(LoadMode.MERGE, null, null, file.toString()))));
    assertThat(result.events().get(0).status())
        .as(result.events().get(0).message())
        .isEqualTo(APPLIED);
    assertThat(export(engine.snapshot(copy))).isEqualTo(exported);

    BatchResult missing =
        engine.apply(
            copy,
            List.of(
                new GraphEvent(
                    "copy",
                    "load-2",
                    null,
                    null,
                    new EventBody.Load(
                        LoadMode.MERGE, null, null, root.resolve("nope.jsonl").toString()))));
    assertThat(missing.events().get(0).code()).isEqualTo(RejectionCode.LOAD_SOURCE_REFUSED);
  }

  @Test
  void aParquetLoadFileLoadsLikeItsJsonLinesTwin() throws Exception {
    List<org.apache.arrow.vector.types.pojo.Field> fields = new ArrayList<>();
    for (String name : List.of("kind", "type", "key", "from", "to", "email")) {
      fields.add(
          org.apache.arrow.vector.types.pojo.Field.nullable(
              name, org.apache.arrow.vector.types.pojo.ArrowType.Utf8.INSTANCE));
    }
    fields.add(
        org.apache.arrow.vector.types.pojo.Field.nullable(
            "age", new org.apache.arrow.vector.types.pojo.ArrowType.Int(32, true)));
    org.apache.arrow.vector.types.pojo.Schema schema =
        new org.apache.arrow.vector.types.pojo.Schema(fields);
    List<Map<String, Object>> rows = new ArrayList<>();
    Map<String, Object> ada =
        new HashMap<>(Map.of("kind", "node", "type", "Person", "key", "ada", "age", 36));
    ada.put("email", "ada@x.org");
    rows.add(ada);
    rows.add(Map.of("kind", "node", "type", "Person", "key", "bob"));
    rows.add(Map.of("kind", "edge", "type", "Knows", "from", "ada", "to", "bob"));
    Path dir = root.resolve("parquet-load");
    try (org.apache.arrow.vector.VectorSchemaRoot batch =
        io.ingraft.storage.table.ArrowRows.toRoot(schema, rows, tables.allocator())) {
      java.io.ByteArrayOutputStream ipc = new java.io.ByteArrayOutputStream();
      try (var writer = new org.apache.arrow.vector.ipc.ArrowStreamWriter(batch, null, ipc)) {
        writer.start();
        writer.writeBatch();
        writer.end();
      }
      try (var reader =
          new org.apache.arrow.vector.ipc.ArrowStreamReader(
              new java.io.ByteArrayInputStream(ipc.toByteArray()), tables.allocator())) {
        org.apache.arrow.dataset.file.DatasetFileWriter.write(
            tables.allocator(),
            reader,
            org.apache.arrow.dataset.file.FileFormat.PARQUET,
            dir.toUri().toString());
      }
    }
    Path file = root.resolve("people.parquet");
    try (var files = Files.list(dir)) {
      // Arrow's dataset writer names its output data_0 in the target folder.
      Files.move(files.findFirst().orElseThrow(), file);
    }
    long at = offset++;
    BatchResult result =
        apply(
            new GraphEvent(
                G.value(),
                "pq",
                new SourcePosition(P, at),
                null,
                new EventBody.Load(LoadMode.MERGE, null, null, file.toString())));
    assertThat(result.events().get(0).status())
        .as(result.events().get(0).message())
        .isEqualTo(APPLIED);
    assertThat(now().node("Person", "ada"))
        .get()
        .satisfies(r -> assertThat(r).containsEntry("age", 36).containsEntry("email", "ada@x.org"));
    assertThat(now().count("Person")).isEqualTo(2);
    assertThat(now().neighbours("Knows", "ada", GraphSnapshot.Direction.OUT))
        .extracting(r -> r.get("name"))
        .containsExactly("bob");
  }

  @Test
  void schemaEvolutionAcceptedAndRejected() {
    apply(mutation(person("ada", 1, null)));
    String evolved =
        SCHEMA.replace("email: String? @unique", "email: String? @unique\n  city: String?")
            + "node City { name: String @key }\nedge LivesIn: Person -> City\n";
    long at = offset++;
    BatchResult accepted =
        apply(
            new GraphEvent(
                G.value(),
                "s1",
                new SourcePosition(P, at),
                null,
                new EventBody.SchemaChange(evolved)));
    assertThat(accepted.events().get(0).status())
        .as(accepted.events().get(0).message())
        .isEqualTo(APPLIED);
    GraphSnapshot s = now();
    assertThat(s.node("Person", "ada"))
        .get()
        .satisfies(r -> assertThat(r).containsEntry("city", null));
    apply(
        mutation(
            new Op.UpsertNode("City", Map.of("name", "paris")),
            new Op.UpdateNode("Person", "ada", Map.of("city", "paris")),
            new Op.InsertEdge("LivesIn", "ada", "paris", Map.of(), null)));
    assertThat(now().count("LivesIn")).isEqualTo(1);
    assertThat(now().node("Person", "ada"))
        .get()
        .satisfies(r -> assertThat(r).containsEntry("city", "paris"));

    long at2 = offset++;
    BatchResult rejected =
        apply(
            new GraphEvent(
                G.value(),
                "s2",
                new SourcePosition(P, at2),
                null,
                new EventBody.SchemaChange(SCHEMA.replace("age: I32?", "age: String?"))));
    assertThat(rejected.events().get(0).code()).isEqualTo(RejectionCode.INCOMPATIBLE_SCHEMA);
    long at3 = offset++;
    BatchResult bad =
        apply(
            new GraphEvent(
                G.value(),
                "s3",
                new SourcePosition(P, at3),
                null,
                new EventBody.SchemaChange("node {")));
    assertThat(bad.events().get(0).code()).isEqualTo(RejectionCode.BAD_SCHEMA);
    assertThat(bad.events().get(0).message()).contains("1:");
  }

  @Test
  void timeTravelByVersionTimeAndOffset() throws Exception {
    apply(mutation(person("ada", 1, null)));
    long v1 = now().version();
    Instant between = Instant.now();
    while (!Instant.now().isAfter(between)) {
      Thread.onSpinWait(); // the clock must move past 'between' so the next version is later
    }
    apply(mutation(person("bob", 2, null)));
    assertThat(engine.snapshotAt(G, v1).count("Person")).isEqualTo(1);
    assertThat(engine.snapshotAsOf(G, between).orElseThrow().count("Person")).isEqualTo(1);
    assertThat(engine.snapshotAtOffset(G, P, 0).orElseThrow().version()).isEqualTo(v1);
    assertThat(engine.snapshotAtOffset(G, P, 1).orElseThrow().count("Person")).isEqualTo(2);
    assertThat(engine.snapshotAtOffset(G, P, 2)).isEmpty();
  }

  @Test
  void exportsOfEqualGraphsAreByteIdentical() {
    apply(mutation(person("bob", 2, null), person("ada", 1, "a@x"), knows("ada", "bob")));
    GraphId other = GraphId.of("twin");
    engine.createGraph(other, SCHEMA);
    // Same content, other order, other batching.
    engine.apply(
        other,
        List.of(
            new GraphEvent(
                "twin", "t1", null, null, new EventBody.Mutation(List.of(person("ada", 1, "a@x")))),
            new GraphEvent(
                "twin",
                "t2",
                null,
                null,
                new EventBody.Mutation(
                    List.of(
                        person("bob", 2, null),
                        new Op.InsertEdge(
                            "Knows",
                            "ada",
                            "bob",
                            Map.of(),
                            (String) now().edges("Knows", null).get(0).get("id")))))));
    assertThat(export(engine.snapshot(other))).isEqualTo(export(now()));
    assertThat(export(now()))
        .doesNotContain("null")
        .startsWith(
            "{\"kind\":\"node\",\"type\":\"Person\",\"key\":\"ada\",\"props\":{\"age\":1,\"email\":\"a@x\"}}\n"
                + "{\"kind\":\"node\",\"type\":\"Person\",\"key\":\"bob\",\"props\":{\"age\":2}}\n"
                + "{\"kind\":\"edge\",\"type\":\"Knows\",\"id\":");
  }

  @Test
  void twoEnginesOnOneGraphTheOldOneIsFenced() {
    apply(mutation(person("ada", 1, null)));
    GraphEngine second = new GraphEngine(store, tables, "engine-b", Clock.systemUTC());
    second.takeOver(G);
    assertThatThrownBy(() -> apply(mutation(person("zombie", 1, null))))
        .isInstanceOf(FencedException.class);
    assertThat(now().node("Person", "zombie")).isEmpty();
    BatchResult result = second.apply(G, List.of(mutation(person("bob", 2, null))));
    assertThat(result.events().get(0).status()).isEqualTo(APPLIED);
    // The fenced engine can take the graph back explicitly, fencing the other one in turn.
    engine.takeOver(G);
    assertThatThrownBy(() -> second.apply(G, List.of(mutation(person("cy", 3, null)))))
        .isInstanceOf(FencedException.class);
  }

  @Test
  void badInputIsTypedAndChangesNothing() {
    long version = now().version();
    BatchResult result =
        apply(
            mutation(new Op.UpsertNode("Person", Map.of("name", "ada", "age", "old"))),
            mutation(new Op.UpsertNode("Person", Map.of("name", "ada", "shoe", 42))),
            mutation(new Op.UpsertNode("Person", Map.of("age", 3))),
            mutation(new Op.UpsertNode("Person", Map.of("name", "x".repeat(2 << 20)))),
            mutation(new Op.InsertEdge("Knows", null, "ada", Map.of(), null)),
            mutation(new Op.UpsertNode("Knows", Map.of("name", "x"))));
    assertThat(result.events())
        .extracting(EventResult::code)
        .containsExactly(
            RejectionCode.BAD_VALUE,
            RejectionCode.UNKNOWN_PROPERTY,
            RejectionCode.MISSING_KEY,
            RejectionCode.BAD_VALUE,
            RejectionCode.MISSING_KEY,
            RejectionCode.UNKNOWN_TYPE);
    assertThat(now().count("Person")).isZero();
    assertThat(now().version()).isEqualTo(version + 1); // offsets only

    assertThatThrownBy(() -> GraphId.of("../../etc")).isInstanceOf(InvalidNameException.class);
    BatchResult unknown =
        engine.apply(
            GraphId.of("nope"),
            List.of(
                new GraphEvent(
                    "nope",
                    "x",
                    null,
                    null,
                    new EventBody.Mutation(List.of(person("a", 1, null))))));
    assertThat(unknown.events().get(0).code()).isEqualTo(RejectionCode.UNKNOWN_GRAPH);
    assertThat(store.list("graphs/nope/")).isEmpty();
  }

  @Test
  void minimumCardinalityIsEnforcedForNewSourceNodes() {
    GraphId g = GraphId.of("strict");
    engine.createGraph(
        g,
        "node E { id: String @key }\nnode D { id: String @key }\n"
            + "edge In: E -> D @card(1..1)\n");
    List<GraphEvent> events = new ArrayList<>();
    events.add(
        new GraphEvent(
            "strict",
            "a",
            null,
            null,
            new EventBody.Mutation(List.of(new Op.UpsertNode("E", Map.of("id", "e1"))))));
    events.add(
        new GraphEvent(
            "strict",
            "b",
            null,
            null,
            new EventBody.Mutation(
                List.of(
                    new Op.UpsertNode("D", Map.of("id", "d1")),
                    new Op.UpsertNode("E", Map.of("id", "e2")),
                    new Op.InsertEdge("In", "e2", "d1", Map.of(), null)))));
    BatchResult result = engine.apply(g, events);
    assertThat(result.events())
        .extracting(EventResult::code)
        .containsExactly(RejectionCode.CARDINALITY, null);
  }
}
