package io.ingraft.app.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.EdgeRow;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.OpKind;
import io.ingraft.events.avro.SchemaBody;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

class EventMapperTest {
  static final String LOG = "ingraft.graph-log";
  final EventMapper mapper = new EventMapper(LOG);

  static io.ingraft.events.avro.GraphEvent event(Object body) {
    return io.ingraft.events.avro.GraphEvent.newBuilder()
        .setGraph("social")
        .setEventId("e-1")
        .setTimestamp(1_700_000_000_000L)
        .setBody(body)
        .build();
  }

  static io.ingraft.events.avro.Op.Builder op(OpKind kind, String type) {
    return io.ingraft.events.avro.Op.newBuilder().setOp(kind).setType(type);
  }

  static MutationBody mutation(io.ingraft.events.avro.Op... ops) {
    return new MutationBody(Arrays.asList(ops));
  }

  static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  @Test
  void carriesTheGraphLogPositionNotTheOriginalSource() {
    GraphEvent mapped = mapper.map(event(new SchemaBody("node A { k: String @key }")), 3, 42);

    assertThat(mapped.source()).isEqualTo(new SourcePosition("ingraft.graph-log:3", 42));
    assertThat(mapped.graph()).isEqualTo("social");
    assertThat(mapped.eventId()).isEqualTo("e-1");
    assertThat(mapped.timestamp()).isEqualTo(1_700_000_000_000L);
    assertThat(mapped.body()).isEqualTo(new EventBody.SchemaChange("node A { k: String @key }"));
    assertThat(EventMapper.sourcePartition("t", 7)).isEqualTo("t:7");
  }

  @Test
  void mapsAMissingTimestampToNull() {
    io.ingraft.events.avro.GraphEvent e =
        io.ingraft.events.avro.GraphEvent.newBuilder()
            .setGraph("g")
            .setEventId("x")
            .setBody(new SchemaBody("s"))
            .build();

    assertThat(mapper.map(e, 0, 0).timestamp()).isNull();
  }

  @Test
  void mapsEveryOperationKind() {
    MutationBody body =
        mutation(
            op(OpKind.UPSERT_NODE, "Person").setProps(map("name", "ada", "age", 36)).build(),
            op(OpKind.UPDATE_NODE, "Person").setKey("ada").setSet(map("age", 37L)).build(),
            op(OpKind.DELETE_NODE, "Person").setKey(7L).build(),
            op(OpKind.INSERT_EDGE, "Knows")
                .setFrom("ada")
                .setTo("bob")
                .setProps(map("since", "2024-01-31"))
                .setId("k1")
                .build(),
            op(OpKind.INSERT_EDGE, "Knows").setFrom(1L).setTo(2L).build(),
            op(OpKind.DELETE_EDGE, "Knows").setId("k1").build(),
            op(OpKind.DELETE_EDGE, "Knows").setFrom("ada").setTo("bob").build());

    EventBody mapped = mapper.map(event(body), 0, 5).body();

    assertThat(mapped)
        .isEqualTo(
            new EventBody.Mutation(
                List.of(
                    new Op.UpsertNode("Person", map("name", "ada", "age", 36L)),
                    new Op.UpdateNode("Person", "ada", map("age", 37L)),
                    new Op.DeleteNode("Person", 7L),
                    new Op.InsertEdge("Knows", "ada", "bob", map("since", "2024-01-31"), "k1"),
                    new Op.InsertEdge("Knows", 1L, 2L, Map.of(), null),
                    new Op.DeleteEdge("Knows", null, null, "k1"),
                    new Op.DeleteEdge("Knows", "ada", "bob", null))));
  }

  @Test
  void convertsAvroValuesToPlainJavaValues() {
    List<Object> list = new ArrayList<>(Arrays.asList(new Utf8("a"), null, 2L, 1.5d, true));
    Map<String, Object> props = new HashMap<>();
    props.put("utf8", new Utf8("text"));
    props.put("int", 7);
    props.put("long", 8L);
    props.put("float", 0.1f);
    props.put("double", 0.25d);
    props.put("bool", false);
    props.put("bytes", ByteBuffer.wrap(new byte[] {1, 2, 3, (byte) 0xff}));
    props.put("list", list);
    props.put("missing", null);

    Op.UpsertNode upsert =
        (Op.UpsertNode)
            ((EventBody.Mutation)
                    mapper
                        .map(
                            event(mutation(op(OpKind.UPSERT_NODE, "T").setProps(props).build())),
                            0,
                            0)
                        .body())
                .ops()
                .get(0);

    Map<String, Object> expected = new HashMap<>();
    expected.put("utf8", "text");
    expected.put("int", 7L);
    expected.put("long", 8L);
    expected.put("float", 0.1d);
    expected.put("double", 0.25d);
    expected.put("bool", false);
    expected.put("bytes", Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, (byte) 0xff}));
    expected.put("list", Arrays.asList("a", null, 2L, 1.5d, true));
    expected.put("missing", null);
    assertThat(upsert.props()).isEqualTo(expected);
    assertThat(upsert.props()).containsKey("missing");
  }

  @Test
  void leavesAReadOnlyByteBufferUntouched() {
    ByteBuffer bytes = ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
    bytes.position(1);

    assertThat(EventMapper.value(bytes))
        .isEqualTo(Base64.getEncoder().encodeToString("ello".getBytes(StandardCharsets.UTF_8)));
    assertThat(bytes.position()).isEqualTo(1);
  }

  @Test
  void mapsInlineLoadsInEveryMode() {
    Map<String, List<Map<String, Object>>> nodes = new LinkedHashMap<>();
    nodes.put("Person", List.of(map("name", "ada", "age", 36), map("name", "bob")));
    Map<String, List<EdgeRow>> edges = new LinkedHashMap<>();
    edges.put(
        "Knows",
        List.of(
            EdgeRow.newBuilder()
                .setFrom("ada")
                .setTo("bob")
                .setId("k1")
                .setProps(map("since", "2024-01-31"))
                .build(),
            EdgeRow.newBuilder().setFrom(1L).setTo(2L).build()));

    for (LoadMode mode : LoadMode.values()) {
      LoadBody load = LoadBody.newBuilder().setMode(mode).setNodes(nodes).setEdges(edges).build();

      EventBody.Load mapped = (EventBody.Load) mapper.map(event(load), 1, 9).body();

      assertThat(mapped.mode()).isEqualTo(EventBody.LoadMode.valueOf(mode.name()));
      assertThat(mapped.uri()).isNull();
      assertThat(mapped.nodes())
          .isEqualTo(Map.of("Person", List.of(map("name", "ada", "age", 36L), map("name", "bob"))));
      assertThat(mapped.edges())
          .isEqualTo(
              Map.of(
                  "Knows",
                  List.of(
                      map("since", "2024-01-31", "from", "ada", "to", "bob", "id", "k1"),
                      map("from", 1L, "to", 2L))));
    }
  }

  @Test
  void mapsAFileLoad() {
    // The constructor, not the builder: the builder resolves the default of edges through
    // Avro's class allow-list, which does not trust the generated classes (see ShippedClasses).
    LoadBody load = new LoadBody(LoadMode.MERGE, Map.of(), Map.of(), "file:///data/x.jsonl");

    EventBody.Load mapped = (EventBody.Load) mapper.map(event(load), 0, 0).body();

    assertThat(mapped)
        .isEqualTo(
            new EventBody.Load(
                EventBody.LoadMode.MERGE, Map.of(), Map.of(), "file:///data/x.jsonl"));
  }

  @Test
  void anEventMapsTheSameFromAvroAndFromItsJsonTwin() {
    Map<String, Object> props = new HashMap<>();
    props.put("name", "ada");
    props.put("int", 7);
    props.put("float", 3.3f);
    props.put("bytes", ByteBuffer.wrap(new byte[] {9, 8, 7}));
    props.put("list", new ArrayList<>(Arrays.asList("x", 1L, 2.5d, null)));
    props.put("none", null);
    Map<String, List<EdgeRow>> edges =
        Map.of(
            "Knows",
            List.of(
                EdgeRow.newBuilder().setFrom("ada").setTo("bob").setProps(map("w", 0.5f)).build()));
    GraphLogCodec codec = new GraphLogCodec();
    for (Object body :
        List.of(
            mutation(
                op(OpKind.UPSERT_NODE, "Person").setProps(props).build(),
                op(OpKind.INSERT_EDGE, "Knows").setFrom(1L).setTo("b").setProps(props).build()),
            LoadBody.newBuilder()
                .setMode(LoadMode.APPEND)
                .setNodes(Map.of("Person", List.of(props)))
                .setEdges(edges)
                .build())) {
      var record = GraphLogCodec.logged(event(body), "ingraft.mutations", 0, 12);

      GraphEvent fromAvro = mapped(codec.decode(codec.encode(record, EventFormat.AVRO)));
      GraphEvent fromJson = mapped(codec.decode(codec.encode(record, EventFormat.JSON)));

      assertThat(fromAvro).isEqualTo(fromJson);
    }
  }

  private GraphEvent mapped(io.ingraft.events.avro.GraphLogRecord record) {
    return mapper.map(((LoggedEvent) record.getEntry()).getEvent(), 2, 100);
  }

  @Test
  void refusesValuesOutsideTheAvroValueUnion() {
    assertThatThrownBy(() -> EventMapper.value(new Object()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported value");
  }
}
