package io.ingraft.it.pipeline;

import io.ingraft.events.avro.EdgeRow;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import io.ingraft.events.avro.SchemaBody;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builders of producer events (the Avro {@link GraphEvent}, which the codec also writes as JSON)
 * for the pipeline suites. Values are given in the form the engine exports them (String, Long,
 * Double with a fraction, Boolean, "YYYY-MM-DD" dates), so {@link ExpectedGraph} can model the
 * export without coercing anything.
 */
final class Events {
  private Events() {}

  static GraphEvent schema(String graph, String id, String source) {
    return event(graph, id, new SchemaBody(source));
  }

  static GraphEvent mutation(String graph, String id, Op... ops) {
    return event(graph, id, new MutationBody(Arrays.asList(ops)));
  }

  /** An inline load (nodes by type, edges by type); either map may be empty. */
  static GraphEvent load(
      String graph,
      String id,
      LoadMode mode,
      Map<String, List<Map<String, Object>>> nodes,
      Map<String, List<EdgeRow>> edges) {
    // The constructor, not the builder: the builder resolves field defaults through Avro's class
    // allow-list, which does not trust the generated classes.
    return event(graph, id, new LoadBody(mode, nodes, edges, null));
  }

  /** A load of a file: {@code uri} as the producer wrote it. */
  static GraphEvent loadFile(String graph, String id, LoadMode mode, String uri) {
    return event(graph, id, new LoadBody(mode, Map.of(), Map.of(), uri));
  }

  private static GraphEvent event(String graph, String id, Object body) {
    return GraphEvent.newBuilder()
        .setGraph(graph)
        .setEventId(id)
        .setTimestamp(System.currentTimeMillis())
        .setBody(body)
        .build();
  }

  static Op upsert(String type, Object... props) {
    return Op.newBuilder().setOp(OpKind.UPSERT_NODE).setType(type).setProps(props(props)).build();
  }

  static Op update(String type, Object key, Object... set) {
    return Op.newBuilder()
        .setOp(OpKind.UPDATE_NODE)
        .setType(type)
        .setKey(key)
        .setSet(props(set))
        .build();
  }

  static Op deleteNode(String type, Object key) {
    return Op.newBuilder().setOp(OpKind.DELETE_NODE).setType(type).setKey(key).build();
  }

  /** An edge with an explicit id, or a derived one when {@code id} is null. */
  static Op edge(String type, String id, Object from, Object to, Object... props) {
    Op.Builder op =
        Op.newBuilder().setOp(OpKind.INSERT_EDGE).setType(type).setId(id).setFrom(from).setTo(to);
    if (props.length > 0) {
      op.setProps(props(props));
    }
    return op.build();
  }

  static Op deleteEdge(String type, String id) {
    return Op.newBuilder().setOp(OpKind.DELETE_EDGE).setType(type).setId(id).build();
  }

  static Op deleteEdges(String type, Object from, Object to) {
    return Op.newBuilder().setOp(OpKind.DELETE_EDGE).setType(type).setFrom(from).setTo(to).build();
  }

  static EdgeRow row(Object from, Object to, String id, Object... props) {
    return new EdgeRow(from, to, id, props(props));
  }

  /** A mutable, ordered property map that keeps nulls. */
  static Map<String, Object> props(Object... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("names and values come in pairs");
    }
    Map<String, Object> props = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      props.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return props;
  }

  @SafeVarargs
  static <T> List<T> list(T... items) {
    return new ArrayList<>(Arrays.asList(items));
  }

  static <T> Map<String, List<T>> rows(String type, List<T> rows) {
    Map<String, List<T>> map = new LinkedHashMap<>();
    map.put(type, rows);
    return map;
  }

  static <T> Map<String, List<T>> rows(String type1, List<T> rows1, String type2, List<T> rows2) {
    Map<String, List<T>> map = rows(type1, rows1);
    map.put(type2, rows2);
    return map;
  }
}
