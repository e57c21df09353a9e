package io.ingraft.engine;

import static io.ingraft.engine.EventResult.Status.APPLIED;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.EventBody.LoadMode;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.engine.load.LoadLimits;
import io.ingraft.engine.load.LoadRoot;
import io.ingraft.engine.load.LoadSources;
import io.ingraft.engine.read.GraphSnapshot;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every type of the schema language (docs/schema.md, "Types"), as a node and an edge property,
 * written through every operation and load mode, read back and exported; and keys with quotes,
 * backslashes and NUL in every operation whose rows the engine finds with a Lance filter.
 */
class TypeTableRoundTripTest {
  /** One property of every type; every key type, and {@code @unique} on a String. */
  static final String PROPS =
      """
        s: String?
        b: Bool?
        i32: I32?
        i64: I64?
        f32: F32?
        f64: F64?
        d: Date?
        dt: DateTime?
        blob: Blob?
        v: Vector(3)?
        e: enum(a, b)?
        ls: [String]?
        lb: [Bool]?
        li32: [I32]?
        li64: [I64]?
        lf32: [F32]?
        lf64: [F64]?
        ld: [Date]?
        ldt: [DateTime]?
        lblob: [Blob]?
        le: [enum(a, b)]?
      """;

  static final String SCHEMA =
      "node Thing {\n  k: String @key\n  u: String? @unique\n"
          + PROPS
          + "}\nnode Big { n: I64 @key\n"
          + PROPS
          + "}\nnode Small { n: I32 @key }\n"
          + "edge Rel: Thing -> Thing {\n"
          + PROPS
          + "}\nedge Link: Big -> Small\n";

  /** A value of every property, in the JSON form events carry and exports write. */
  static Map<String, Object> all() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("s", "it's a \"quote\", a \\ backslash and a \u0000 NUL");
    p.put("b", true);
    p.put("i32", Integer.MIN_VALUE);
    p.put("i64", 9_007_199_254_740_993L);
    p.put("f32", 1.5);
    p.put("f64", 0.1);
    p.put("d", "2024-02-29");
    p.put("dt", "2024-02-29T12:34:56.123456Z");
    p.put("blob", "AAEC/w==");
    p.put("v", List.of(1.0, 2.5, -3.0));
    p.put("e", "b");
    p.put("ls", List.of("a", "b'c", ""));
    p.put("lb", List.of(true, false));
    p.put("li32", List.of(1, -2));
    p.put("li64", List.of(1L, 9_007_199_254_740_993L));
    p.put("lf32", List.of(0.5, -0.25));
    p.put("lf64", List.of(0.1, 1e300));
    p.put("ld", List.of("1970-01-01", "2024-12-31"));
    p.put("ldt", List.of("2024-01-01T00:00:00Z"));
    p.put("lblob", List.of("AA==", ""));
    p.put("le", List.of("a", "b", "a"));
    return p;
  }

  /** Keys that must survive every filter: quotes, backslashes and NUL at start, middle and end. */
  static final List<String> KEYS =
      List.of(
          "plain",
          "it's",
          "''",
          "back\\slash",
          "\\",
          "\u0000start",
          "mid\u0000dle",
          "end\u0000",
          "\\'\u0000\"",
          "x' OR '1'='1",
          "%_*",
          "emoji \uD83D\uDE00 and \u00e9",
          "\uD83D\uDE00\u0000");

  @TempDir Path root;
  private ObjectStore store;
  private TableStore tables;
  private GraphEngine engine;
  private long offset;
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeEach
  void setUp() {
    store = new LocalObjectStore(root.resolve("data"));
    tables = new TableStore(store);
    engine =
        new GraphEngine(
            store,
            tables,
            "w",
            Clock.systemUTC(),
            MaintenancePolicy.DEFAULT,
            new LoadSources(
                List.of(new LoadRoot.Directory(root.resolve("loads").toString())),
                LoadLimits.DEFAULT));
  }

  @AfterEach
  void tearDown() {
    tables.close();
    store.close();
  }

  private GraphEvent event(GraphId graph, EventBody body) {
    long at = offset++;
    return new GraphEvent(graph.value(), "e" + at, new SourcePosition("log:0", at), null, body);
  }

  private void applied(GraphId graph, EventBody... bodies) {
    List<GraphEvent> events = new ArrayList<>();
    for (EventBody body : bodies) {
      events.add(event(graph, body));
    }
    BatchResult result = engine.apply(graph, events);
    for (EventResult r : result.events()) {
      assertThat(r.status()).as(r.code() + " " + r.message()).isEqualTo(APPLIED);
    }
  }

  private static Map<String, Object> with(Map<String, Object> props, String key, Object value) {
    Map<String, Object> out = new HashMap<>(props);
    out.put(key, value);
    return out;
  }

  private static EventBody mutation(Op... ops) {
    return new EventBody.Mutation(List.of(ops));
  }

  private String export(GraphId graph) {
    StringWriter out = new StringWriter();
    engine.snapshot(graph).export(out);
    return out.toString();
  }

  @Test
  void everyTypeIsWrittenByEveryOperationAndLoadModeAndReadBack() throws Exception {
    GraphId g = GraphId.of("types");
    engine.createGraph(g, SCHEMA);
    Map<String, Object> all = all();
    // Upsert with everything, upsert with nothing but the key (every list absent), edges.
    applied(
        g,
        mutation(
            new Op.UpsertNode("Thing", with(all, "k", "t1")),
            new Op.UpsertNode("Thing", Map.of("k", "t2")),
            new Op.UpsertNode("Big", with(all, "n", Long.MAX_VALUE)),
            new Op.UpsertNode("Small", Map.of("n", Integer.MIN_VALUE)),
            new Op.InsertEdge("Rel", "t1", "t2", all, "r1"),
            new Op.InsertEdge("Link", Long.MAX_VALUE, Integer.MIN_VALUE, Map.of(), "l1")));
    // Update sets every property of the bare node.
    applied(g, mutation(new Op.UpdateNode("Thing", "t2", all)));
    // Inline loads in every mode.
    applied(
        g,
        new EventBody.Load(
            LoadMode.APPEND,
            Map.of("Thing", List.of(with(all, "k", "t3"))),
            Map.of("Rel", List.of(with(with(all, "from", "t3"), "to", "t1"))),
            null));
    applied(
        g,
        new EventBody.Load(
            LoadMode.MERGE, Map.of("Thing", List.of(with(all, "k", "t4"))), Map.of(), null));
    GraphSnapshot s = engine.snapshot(g);
    assertThat(s.count("Thing")).isEqualTo(4);
    String exported = export(g);
    JsonNode expected = JSON.readTree(JSON.writeValueAsString(all));
    for (String line : exported.split("\n")) {
      JsonNode node = JSON.readTree(line);
      if (node.path("type").asText().matches("Thing|Rel|Big")) {
        assertThat(node.get("props")).as(line).isEqualTo(expected);
      }
    }
    // Overwrite replaces a type's rows with the same values.
    GraphId overwritten = GraphId.of("types-overwrite");
    engine.createGraph(overwritten, SCHEMA);
    applied(
        overwritten,
        new EventBody.Load(
            LoadMode.OVERWRITE, Map.of("Thing", List.of(with(all, "k", "t1"))), Map.of(), null));
    assertThat(JSON.readTree(export(overwritten).split("\n")[0]).get("props")).isEqualTo(expected);

    // The export, loaded from a file in every mode, rebuilds an equal graph.
    Path file = Files.createDirectories(root.resolve("loads")).resolve("types.jsonl");
    Files.writeString(file, exported);
    for (LoadMode mode : LoadMode.values()) {
      GraphId copy = GraphId.of("copy-" + mode.name().toLowerCase());
      engine.createGraph(copy, SCHEMA);
      applied(copy, new EventBody.Load(mode, null, null, file.toString()));
      assertThat(export(copy)).as(mode.name()).isEqualTo(exported);
    }

    // The node rows as a Parquet load file (one column per property, typed as stored).
    Path parquet = writeParquet(g, "Thing", root.resolve("loads"));
    GraphId fromParquet = GraphId.of("copy-parquet");
    engine.createGraph(fromParquet, SCHEMA);
    applied(fromParquet, new EventBody.Load(LoadMode.MERGE, null, null, parquet.toString()));
    assertThat(export(fromParquet)).isEqualTo(linesOf(exported, "Thing"));
  }

  private static String linesOf(String export, String type) {
    StringBuilder out = new StringBuilder();
    for (String line : export.split("\n")) {
      if (line.contains("\"type\":\"" + type + "\"") && line.contains("\"kind\":\"node\"")) {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }

  /** The nodes of {@code type} as a Parquet file: kind, type, key, then the stored columns. */
  private Path writeParquet(GraphId graph, String type, Path dir) throws Exception {
    io.ingraft.engine.schema.GraphSchema schema =
        io.ingraft.engine.schema.GraphSchema.parse(SCHEMA);
    io.ingraft.engine.schema.NodeType node = schema.nodeType(type).orElseThrow();
    String keyName = node.key().name();
    List<org.apache.arrow.vector.types.pojo.Field> fields = new ArrayList<>();
    for (String name : List.of("kind", "type", "key")) {
      fields.add(
          org.apache.arrow.vector.types.pojo.Field.nullable(
              name, org.apache.arrow.vector.types.pojo.ArrowType.Utf8.INSTANCE));
    }
    for (org.apache.arrow.vector.types.pojo.Field f :
        new io.ingraft.engine.schema.SchemaCatalog(schema).nodeSchema(node).getFields()) {
      if (!f.getName().equals(keyName)) {
        fields.add(f);
      }
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map<String, Object> stored : engine.snapshot(graph).nodes(type, null, null)) {
      Map<String, Object> row = new HashMap<>(stored);
      row.put("key", row.remove(keyName));
      row.put("kind", "node");
      row.put("type", type);
      rows.add(row);
    }
    Path out = dir.resolve("parquet-out");
    var arrowSchema = new org.apache.arrow.vector.types.pojo.Schema(fields);
    try (var batch =
        io.ingraft.storage.table.ArrowRows.toRoot(arrowSchema, rows, tables.allocator())) {
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
            out.toUri().toString());
      }
    }
    Path file = dir.resolve(type + ".parquet");
    try (var files = Files.list(out)) {
      Files.move(files.findFirst().orElseThrow(), file);
    }
    return file;
  }

  @Test
  void keysWithQuotesBackslashesAndNulWorkInEveryOperation() {
    GraphId g = GraphId.of("keys");
    engine.createGraph(g, SCHEMA);
    for (String key : KEYS) {
      // Insert, then upsert again (finds the old row by key), update (by key), unique check.
      applied(g, mutation(new Op.UpsertNode("Thing", Map.of("k", key, "u", "u-" + key))));
      applied(
          g, mutation(new Op.UpsertNode("Thing", Map.of("k", key, "u", "u-" + key, "s", "again"))));
      applied(g, mutation(new Op.UpdateNode("Thing", key, Map.of("i32", 7))));
      applied(
          g,
          mutation(
              new Op.UpsertNode("Thing", Map.of("k", "to-" + key)),
              new Op.InsertEdge("Rel", key, "to-" + key, Map.of(), "edge-" + key),
              new Op.InsertEdge("Rel", "to-" + key, key, Map.of(), null)));
    }
    GraphSnapshot s = engine.snapshot(g);
    for (String key : KEYS) {
      assertThat(s.node("Thing", key))
          .as(key)
          .get()
          .satisfies(
              row ->
                  assertThat(row)
                      .containsEntry("s", "again")
                      .containsEntry("i32", 7)
                      .containsEntry("u", "u-" + key));
    }
    // A second node with a taken @unique value is refused, whatever the value holds.
    for (String key : KEYS) {
      BatchResult dup =
          engine.apply(
              g,
              List.of(
                  event(
                      g,
                      mutation(
                          new Op.UpsertNode(
                              "Thing", Map.of("k", "dup-" + key, "u", "u-" + key))))));
      assertThat(dup.events().get(0).code()).as(key).isEqualTo(RejectionCode.UNIQUENESS);
    }
    for (String key : KEYS) {
      applied(g, mutation(new Op.DeleteEdge("Rel", key, "to-" + key, null)));
      applied(g, mutation(new Op.DeleteNode("Thing", key)));
    }
    s = engine.snapshot(g);
    assertThat(s.count("Thing")).isEqualTo(KEYS.size());
    assertThat(s.count("Rel")).isZero();
    // What has no UTF-8 form is refused when it comes in, never stored changed.
    for (Op op :
        List.of(
            new Op.UpsertNode("Thing", Map.of("k", "lone\uD800")),
            new Op.UpsertNode("Thing", Map.of("k", "ok", "s", "\uDC00")),
            new Op.InsertEdge("Rel", "plain", "plain", Map.of(), "id\uD800"))) {
      BatchResult refused = engine.apply(g, List.of(event(g, mutation(op))));
      assertThat(refused.events().get(0).code())
          .as(op.toString())
          .isEqualTo(RejectionCode.BAD_VALUE);
    }
  }
}
