package io.ingraft.events;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ingraft.events.avro.GraphEvent;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every validation rule, each with its code and field path. The same rules hold for Avro: each
 * invalid JSON event that can be expressed in Avro is checked there too.
 */
class GraphEventValidationTest {
  private static final String ENVELOPE = "\"graph\": \"g1\", \"eventId\": \"e1\"";

  private final GraphEventCodec codec = new GraphEventCodec();

  static Stream<Arguments> invalidJson() {
    return Stream.of(
        // JSON itself
        bad("not JSON", "{\"graph\": ", DecodeError.BAD_JSON, ""),
        bad("JSON array", "[{\"graph\": \"g1\"}]", DecodeError.BAD_JSON, ""),
        bad("empty array", "[]", DecodeError.BAD_JSON, ""),
        bad(
            "duplicate key",
            "{\"graph\": \"g1\", \"graph\": \"g2\", \"eventId\": \"e\","
                + " \"schema\": {\"source\": \"x\"}}",
            DecodeError.BAD_JSON,
            ""),
        bad(
            "trailing content",
            "{" + ENVELOPE + ", \"schema\": {\"source\": \"x\"}} {}",
            DecodeError.BAD_JSON,
            ""),
        bad(
            "NaN",
            "{" + ENVELOPE + ", \"timestamp\": NaN, \"schema\": {\"source\": \"x\"}}",
            DecodeError.BAD_JSON,
            ""),
        bad(
            "comment",
            "{" + ENVELOPE + " /* hi */, \"schema\": {\"source\": \"x\"}}",
            DecodeError.BAD_JSON,
            ""),
        // envelope
        bad(
            "unknown envelope field",
            "{" + ENVELOPE + ", \"graphId\": \"g1\"," + " \"schema\": {\"source\": \"x\"}}",
            DecodeError.UNKNOWN_FIELD,
            "graphId"),
        bad(
            "missing graph",
            "{\"eventId\": \"e1\", \"schema\": {\"source\": \"x\"}}",
            DecodeError.MISSING_FIELD,
            "graph"),
        bad(
            "missing eventId",
            "{\"graph\": \"g1\", \"schema\": {\"source\": \"x\"}}",
            DecodeError.MISSING_FIELD,
            "eventId"),
        bad(
            "graph not a string",
            "{\"graph\": 7, \"eventId\": \"e1\"," + " \"schema\": {\"source\": \"x\"}}",
            DecodeError.BAD_FIELD,
            "graph"),
        bad(
            "graph null",
            "{\"graph\": null, \"eventId\": \"e1\"," + " \"schema\": {\"source\": \"x\"}}",
            DecodeError.BAD_FIELD,
            "graph"),
        bad(
            "graph id with a slash",
            "{\"graph\": \"a/b\", \"eventId\": \"e1\"," + " \"schema\": {\"source\": \"x\"}}",
            DecodeError.BAD_FIELD,
            "graph"),
        bad(
            "graph id upper case",
            "{\"graph\": \"Social\", \"eventId\": \"e1\"," + " \"schema\": {\"source\": \"x\"}}",
            DecodeError.BAD_FIELD,
            "graph"),
        bad(
            "empty eventId",
            "{\"graph\": \"g1\", \"eventId\": \"\"," + " \"schema\": {\"source\": \"x\"}}",
            DecodeError.BAD_FIELD,
            "eventId"),
        bad(
            "eventId too long",
            "{\"graph\": \"g1\", \"eventId\": \""
                + "x".repeat(257)
                + "\","
                + " \"schema\": {\"source\": \"x\"}}",
            DecodeError.BAD_FIELD,
            "eventId"),
        bad(
            "timestamp a string",
            "{"
                + ENVELOPE
                + ", \"timestamp\": \"2024-01-01\","
                + " \"schema\": {\"source\": \"x\"}}",
            DecodeError.BAD_FIELD,
            "timestamp"),
        bad(
            "timestamp a float",
            "{" + ENVELOPE + ", \"timestamp\": 1.5," + " \"schema\": {\"source\": \"x\"}}",
            DecodeError.BAD_FIELD,
            "timestamp"),
        bad(
            "timestamp huge",
            "{"
                + ENVELOPE
                + ", \"timestamp\": 99999999999999999999,"
                + " \"schema\": {\"source\": \"x\"}}",
            DecodeError.BAD_FIELD,
            "timestamp"),
        bad(
            "timestamp negative",
            "{" + ENVELOPE + ", \"timestamp\": -1," + " \"schema\": {\"source\": \"x\"}}",
            DecodeError.BAD_FIELD,
            "timestamp"),
        bad("no body", "{" + ENVELOPE + "}", DecodeError.MISSING_FIELD, ""),
        bad(
            "two bodies",
            "{" + ENVELOPE + ", \"schema\": {\"source\": \"x\"}," + " \"mutation\": {\"ops\": []}}",
            DecodeError.BAD_FIELD,
            "mutation"),
        // schema body
        bad(
            "schema body not an object",
            "{" + ENVELOPE + ", \"schema\": \"node A {}\"}",
            DecodeError.BAD_FIELD,
            "schema"),
        bad(
            "schema without source",
            "{" + ENVELOPE + ", \"schema\": {}}",
            DecodeError.MISSING_FIELD,
            "schema.source"),
        bad(
            "schema blank source",
            "{" + ENVELOPE + ", \"schema\": {\"source\": \"  \"}}",
            DecodeError.BAD_FIELD,
            "schema.source"),
        bad(
            "schema unknown field",
            "{" + ENVELOPE + ", \"schema\": {\"source\": \"x\"," + " \"version\": 2}}",
            DecodeError.UNKNOWN_FIELD,
            "schema.version"),
        // mutation body
        bad(
            "ops missing",
            "{" + ENVELOPE + ", \"mutation\": {}}",
            DecodeError.MISSING_FIELD,
            "mutation.ops"),
        bad(
            "ops not an array",
            "{" + ENVELOPE + ", \"mutation\": {\"ops\": {}}}",
            DecodeError.BAD_FIELD,
            "mutation.ops"),
        bad(
            "ops empty",
            "{" + ENVELOPE + ", \"mutation\": {\"ops\": []}}",
            DecodeError.BAD_FIELD,
            "mutation.ops"),
        bad("op not an object", ops("42"), DecodeError.BAD_FIELD, "mutation.ops[0]"),
        bad(
            "op without op",
            ops("{\"type\": \"Person\", \"key\": 1}"),
            DecodeError.MISSING_FIELD,
            "mutation.ops[0].op"),
        bad(
            "unknown op",
            ops("{\"op\": \"mergeNode\", \"type\": \"Person\"}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].op"),
        bad(
            "op in Avro spelling",
            ops("{\"op\": \"UPSERT_NODE\", \"type\": \"P\"," + " \"props\": {\"a\": 1}}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].op"),
        bad(
            "op without type",
            ops("{\"op\": \"deleteNode\", \"key\": 1}"),
            DecodeError.MISSING_FIELD,
            "mutation.ops[0].type"),
        bad(
            "bad type name",
            ops("{\"op\": \"deleteNode\", \"type\": \"my-type\", \"key\": 1}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].type"),
        bad(
            "unknown op field",
            ops("{\"op\": \"deleteNode\", \"type\": \"P\", \"key\": 1," + " \"cascade\": true}"),
            DecodeError.UNKNOWN_FIELD,
            "mutation.ops[0].cascade"),
        bad(
            "upsertNode without props",
            ops("{\"op\": \"upsertNode\", \"type\": \"P\"}"),
            DecodeError.MISSING_FIELD,
            "mutation.ops[0].props"),
        bad(
            "upsertNode empty props",
            ops("{\"op\": \"upsertNode\", \"type\": \"P\"," + " \"props\": {}}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].props"),
        bad(
            "upsertNode with key",
            ops(
                "{\"op\": \"upsertNode\", \"type\": \"P\", \"key\": 1,"
                    + " \"props\": {\"a\": 1}}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].key"),
        bad(
            "upsertNode with set",
            ops(
                "{\"op\": \"upsertNode\", \"type\": \"P\","
                    + " \"props\": {\"a\": 1}, \"set\": {\"a\": 2}}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].set"),
        bad(
            "updateNode without key",
            ops("{\"op\": \"updateNode\", \"type\": \"P\"," + " \"set\": {\"a\": 1}}"),
            DecodeError.MISSING_FIELD,
            "mutation.ops[0].key"),
        bad(
            "updateNode without set",
            ops("{\"op\": \"updateNode\", \"type\": \"P\"," + " \"key\": 1}"),
            DecodeError.MISSING_FIELD,
            "mutation.ops[0].set"),
        bad(
            "updateNode with props",
            ops(
                "{\"op\": \"updateNode\", \"type\": \"P\", \"key\": 1,"
                    + " \"props\": {\"a\": 1}, \"set\": {\"a\": 1}}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].props"),
        bad(
            "deleteNode without key",
            ops("{\"op\": \"deleteNode\", \"type\": \"P\"}"),
            DecodeError.MISSING_FIELD,
            "mutation.ops[0].key"),
        bad(
            "deleteNode with from",
            ops("{\"op\": \"deleteNode\", \"type\": \"P\", \"key\": 1," + " \"from\": 2}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].from"),
        bad(
            "insertEdge without from",
            ops("{\"op\": \"insertEdge\", \"type\": \"K\"," + " \"to\": 2}"),
            DecodeError.MISSING_FIELD,
            "mutation.ops[0].from"),
        bad(
            "insertEdge without to",
            ops("{\"op\": \"insertEdge\", \"type\": \"K\"," + " \"from\": 1}"),
            DecodeError.MISSING_FIELD,
            "mutation.ops[0].to"),
        bad(
            "insertEdge with key",
            ops(
                "{\"op\": \"insertEdge\", \"type\": \"K\", \"key\": 3,"
                    + " \"from\": 1, \"to\": 2}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].key"),
        bad(
            "deleteEdge with nothing",
            ops("{\"op\": \"deleteEdge\", \"type\": \"K\"}"),
            DecodeError.MISSING_FIELD,
            "mutation.ops[0].id"),
        bad(
            "deleteEdge from only",
            ops("{\"op\": \"deleteEdge\", \"type\": \"K\"," + " \"from\": 1}"),
            DecodeError.MISSING_FIELD,
            "mutation.ops[0].to"),
        bad(
            "deleteEdge to only",
            ops("{\"op\": \"deleteEdge\", \"type\": \"K\"," + " \"to\": 1}"),
            DecodeError.MISSING_FIELD,
            "mutation.ops[0].from"),
        bad(
            "deleteEdge id and endpoints",
            ops(
                "{\"op\": \"deleteEdge\", \"type\": \"K\","
                    + " \"id\": \"k\", \"from\": 1, \"to\": 2}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].from"),
        bad(
            "deleteEdge with props",
            ops("{\"op\": \"deleteEdge\", \"type\": \"K\"," + " \"id\": \"k\", \"props\": {}}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].props"),
        bad(
            "key a float",
            ops("{\"op\": \"deleteNode\", \"type\": \"P\", \"key\": 1.5}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].key"),
        bad(
            "key a boolean",
            ops("{\"op\": \"deleteNode\", \"type\": \"P\", \"key\": true}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].key"),
        bad(
            "key an object",
            ops("{\"op\": \"deleteNode\", \"type\": \"P\", \"key\": {}}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].key"),
        bad(
            "key too big",
            ops("{\"op\": \"deleteNode\", \"type\": \"P\"," + " \"key\": 9223372036854775808}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].key"),
        bad(
            "key empty",
            ops("{\"op\": \"deleteNode\", \"type\": \"P\", \"key\": \"\"}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].key"),
        bad(
            "edge id empty",
            ops("{\"op\": \"deleteEdge\", \"type\": \"K\", \"id\": \"\"}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].id"),
        bad(
            "edge id a number",
            ops("{\"op\": \"deleteEdge\", \"type\": \"K\", \"id\": 5}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].id"),
        bad(
            "props not an object",
            ops("{\"op\": \"upsertNode\", \"type\": \"P\"," + " \"props\": [1]}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].props"),
        bad(
            "bad property name",
            ops(
                "{\"op\": \"upsertNode\", \"type\": \"P\","
                    + " \"props\": {\"first name\": \"a\"}}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].props.first name"),
        bad(
            "object value",
            ops("{\"op\": \"upsertNode\", \"type\": \"P\"," + " \"props\": {\"a\": {\"b\": 1}}}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].props.a"),
        bad(
            "nested list value",
            ops("{\"op\": \"upsertNode\", \"type\": \"P\"," + " \"props\": {\"a\": [1, [2]]}}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].props.a[1]"),
        bad(
            "integer value too big",
            ops(
                "{\"op\": \"upsertNode\", \"type\": \"P\","
                    + " \"props\": {\"a\": 123456789012345678901234567890}}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].props.a"),
        bad(
            "float value overflows",
            ops("{\"op\": \"upsertNode\", \"type\": \"P\"," + " \"props\": {\"a\": 1e400}}"),
            DecodeError.BAD_FIELD,
            "mutation.ops[0].props.a"),
        bad(
            "number of 2000 digits",
            ops(
                "{\"op\": \"upsertNode\", \"type\": \"P\","
                    + " \"props\": {\"a\": "
                    + "9".repeat(2000)
                    + "}}"),
            DecodeError.BAD_JSON,
            ""),
        bad(
            "error in a later op",
            ops(
                "{\"op\": \"deleteNode\", \"type\": \"P\", \"key\": 1},"
                    + " {\"op\": \"deleteNode\", \"type\": \"P\"}"),
            DecodeError.MISSING_FIELD,
            "mutation.ops[1].key"),
        // load body
        bad("load without mode", load("\"nodes\": {}"), DecodeError.MISSING_FIELD, "load.mode"),
        bad("load bad mode", load("\"mode\": \"upsert\""), DecodeError.BAD_FIELD, "load.mode"),
        bad(
            "load unknown field",
            load("\"mode\": \"append\", \"rows\": []"),
            DecodeError.UNKNOWN_FIELD,
            "load.rows"),
        bad(
            "load rows and uri",
            load(
                "\"mode\": \"append\", \"uri\": \"/x.jsonl\","
                    + " \"nodes\": {\"P\": [{\"a\": 1}]}"),
            DecodeError.BAD_FIELD,
            "load.uri"),
        bad(
            "load uri not a string",
            load("\"mode\": \"append\", \"uri\": 5"),
            DecodeError.BAD_FIELD,
            "load.uri"),
        bad(
            "load uri empty",
            load("\"mode\": \"append\", \"uri\": \"\""),
            DecodeError.BAD_FIELD,
            "load.uri"),
        bad(
            "load uri http",
            load("\"mode\": \"append\", \"uri\": \"https://x/y.parquet\""),
            DecodeError.BAD_FIELD,
            "load.uri"),
        bad(
            "load uri s3 without key",
            load("\"mode\": \"append\", \"uri\": \"s3://bucket\""),
            DecodeError.BAD_FIELD,
            "load.uri"),
        bad(
            "load nodes not an object",
            load("\"mode\": \"append\", \"nodes\": []"),
            DecodeError.BAD_FIELD,
            "load.nodes"),
        bad(
            "load node rows not an array",
            load("\"mode\": \"append\"," + " \"nodes\": {\"P\": {\"a\": 1}}"),
            DecodeError.BAD_FIELD,
            "load.nodes.P"),
        bad(
            "load node row not an object",
            load("\"mode\": \"append\"," + " \"nodes\": {\"P\": [1]}"),
            DecodeError.BAD_FIELD,
            "load.nodes.P[0]"),
        bad(
            "load empty node row",
            load("\"mode\": \"append\", \"nodes\": {\"P\": [{}]}"),
            DecodeError.BAD_FIELD,
            "load.nodes.P[0]"),
        bad(
            "load bad node type",
            load("\"mode\": \"append\", \"nodes\": {\"9P\": []}"),
            DecodeError.BAD_FIELD,
            "load.nodes.9P"),
        bad(
            "load edge row without from",
            load("\"mode\": \"append\"," + " \"edges\": {\"K\": [{\"to\": 1}]}"),
            DecodeError.MISSING_FIELD,
            "load.edges.K[0].from"),
        bad(
            "load edge row without to",
            load("\"mode\": \"append\"," + " \"edges\": {\"K\": [{\"from\": 1}]}"),
            DecodeError.MISSING_FIELD,
            "load.edges.K[0].to"),
        bad(
            "load edge row bad key",
            load("\"mode\": \"append\"," + " \"edges\": {\"K\": [{\"from\": 1, \"to\": [2]}]}"),
            DecodeError.BAD_FIELD,
            "load.edges.K[0].to"),
        bad(
            "load edge row object prop",
            load(
                "\"mode\": \"append\","
                    + " \"edges\": {\"K\": [{\"from\": 1, \"to\": 2, \"w\": {}}]}"),
            DecodeError.BAD_FIELD,
            "load.edges.K[0].w"));
  }

  private static Arguments bad(String name, String json, DecodeError code, String path) {
    return Arguments.of(name, json, code, path);
  }

  private static String ops(String ops) {
    return "{" + ENVELOPE + ", \"mutation\": {\"ops\": [" + ops + "]}}";
  }

  private static String load(String body) {
    return "{" + ENVELOPE + ", \"load\": {" + body + "}}";
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidJson")
  void refusesWithCodeAndPath(String name, String json, DecodeError code, String path) {
    EventDecodeException e =
        catchThrowableOfType(EventDecodeException.class, () -> codec.decode(json.getBytes(UTF_8)));
    assertThat(e).as("decoding must fail").isNotNull();
    assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
    assertThat(e.path()).as(e.getMessage()).isEqualTo(path);
    assertThat(e.getMessage()).startsWith(code.name());
    assertThat(code.retriable()).isFalse();
  }

  /**
   * The rules that Avro's schema does not already enforce hold in Avro too: an invalid event built
   * in Java cannot be encoded, and the bytes a careless producer writes are refused.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidJson")
  void avroBytesOfTheSameEventAreRefusedTheSameWay(
      String name, String json, DecodeError code, String path) {
    GraphEvent event;
    try {
      event = GraphEventJson.read(new StrictJson().parseObject(json.getBytes(UTF_8)), "");
    } catch (EventDecodeException e) {
      return; // A JSON-level problem that Avro cannot even express.
    }
    byte[] avro =
        new AvroBinary<GraphEvent>(GraphEvent.getClassSchema(), GraphEvent.getEncoder())
            .encodeSingleObject(event);
    EventDecodeException e =
        catchThrowableOfType(EventDecodeException.class, () -> codec.decode(avro));
    assertThat(e).as("decoding must fail").isNotNull();
    assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
    assertThat(e.path()).as(e.getMessage()).isEqualTo(path);
  }

  @Test
  void theNameLoopsMatchTheRegularExpressions() {
    String alphabet = "aAzZ09._-/ é\u0000Q";
    Random random = new Random(11);
    for (int i = 0; i < 200_000; i++) {
      int length = random.nextInt(i % 100 == 0 ? 140 : 6);
      StringBuilder s = new StringBuilder();
      for (int j = 0; j < length; j++) {
        s.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String value = s.toString();
      assertThat(GraphEventRules.isGraphId(value))
          .as(value)
          .isEqualTo(GraphEventRules.GRAPH_ID.matcher(value).matches());
      assertThat(GraphEventRules.isName(value))
          .as(value)
          .isEqualTo(GraphEventRules.NAME.matcher(value).matches());
    }
  }
}
