package io.ingraft.app.cdc;

import io.ingraft.app.cdc.CdcItem.CdcOp;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.CdcMark;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import io.ingraft.events.avro.SchemaBody;
import io.ingraft.events.avro.SealReason;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the graph-log records the CDC assembler writes: logged mutation, truncate (an overwrite
 * load of no rows) and schema events, each with its CDC mark, and seals. The event ids are derived
 * from where the source record was read ({@code source:topic:partition:offset} and a suffix), so a
 * replay of the change topics produces the same events.
 */
final class CdcLogRecords {
  private final GraphLogCodec codec = new GraphLogCodec();

  /** The event id of an item's operations of one phase ({@code n} node, {@code e} edges). */
  static String eventId(String source, CdcItem item, String suffix) {
    return source
        + ":"
        + item.topic()
        + ":"
        + item.partition()
        + ":"
        + item.offset()
        + ":"
        + suffix;
  }

  byte[] mutation(String graph, String eventId, List<CdcOp> ops, CdcItem from, CdcMark mark) {
    List<Op> avroOps = new ArrayList<>(ops.size());
    for (CdcOp op : ops) {
      avroOps.add(op(op));
    }
    GraphEvent event =
        new GraphEvent(
            graph, eventId, from.tsMs() > 0 ? from.tsMs() : null, new MutationBody(avroOps));
    return logged(event, from, mark);
  }

  /** Empties a node or edge type: an overwrite load that lists the type with no rows. */
  byte[] truncate(
      String graph, String eventId, String type, boolean edge, CdcItem from, CdcMark mark) {
    LoadBody body =
        new LoadBody(
            LoadMode.OVERWRITE,
            edge ? Map.of() : Map.of(type, List.of()),
            edge ? Map.of(type, List.of()) : Map.of(),
            null);
    GraphEvent event = new GraphEvent(graph, eventId, from.tsMs() > 0 ? from.tsMs() : null, body);
    return logged(event, from, mark);
  }

  byte[] schema(String graph, String eventId, String source, CdcItem from) {
    GraphEvent event = new GraphEvent(graph, eventId, null, new SchemaBody(source));
    return logged(event, from, null);
  }

  byte[] seal(String graph, long sequence, int events, SealReason reason) {
    return codec.encode(GraphLogCodec.seal(graph, sequence, events, reason), EventFormat.AVRO);
  }

  private byte[] logged(GraphEvent event, CdcItem from, CdcMark mark) {
    return codec.encode(
        GraphLogCodec.logged(
            event, from.topic(), Math.max(0, from.partition()), Math.max(0, from.offset()), mark),
        EventFormat.AVRO);
  }

  private static Op op(CdcOp op) {
    OpKind kind =
        switch (op.op()) {
          case "upsertNode" -> OpKind.UPSERT_NODE;
          case "updateNode" -> OpKind.UPDATE_NODE;
          case "deleteNode" -> OpKind.DELETE_NODE;
          case "insertEdge" -> OpKind.INSERT_EDGE;
          case "deleteEdge" -> OpKind.DELETE_EDGE;
          default -> throw new IllegalArgumentException("unknown op " + op.op());
        };
    Map<String, Object> props = kind == OpKind.UPDATE_NODE ? null : values(op.props());
    Map<String, Object> set = kind == OpKind.UPDATE_NODE ? values(op.props()) : null;
    if (kind == OpKind.INSERT_EDGE && props == null) {
      props = Map.of();
    }
    return new Op(
        kind, op.type(), key(op.key()), key(op.from()), key(op.to()), op.id(), props, set);
  }

  /** Keys are a string or a long in the event schema; JSON gave small integers as Integer. */
  private static Object key(Object key) {
    return key instanceof Integer i ? (Object) i.longValue() : key;
  }

  private static Map<String, Object> values(Map<String, Object> props) {
    if (props == null) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    props.forEach((name, value) -> out.put(name, value(value)));
    return out;
  }

  private static Object value(Object value) {
    if (value instanceof Integer i) {
      return i.longValue();
    }
    if (value instanceof java.math.BigDecimal d) {
      return d.doubleValue();
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      list.forEach(item -> out.add(value(item)));
      return out;
    }
    return value;
  }
}
