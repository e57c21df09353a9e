package io.ingraft.app.writer;

import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.engine.schema.SchemaCatalog;
import io.ingraft.events.avro.CdcMark;
import io.ingraft.events.avro.EdgeRow;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.SchemaBody;
import io.ingraft.storage.manifest.CdcPosition;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns an Avro {@link io.ingraft.events.avro.GraphEvent} read from the graph log into the engine's
 * {@link GraphEvent}, with plain Java values (String, Long, Double, Boolean, List, null) that the
 * schema coerces. The event's {@link SourcePosition} is its position in the graph log ({@code
 * <graphLogTopic>:<partition>} and the graph-log offset), never the original source's: the engine
 * records and dedupes by that position, and the graph log is what the writer replays.
 *
 * <p>Values map exactly as the event's JSON twin reads them, so one event means the same in either
 * encoding: Avro {@code int} becomes Long, {@code float} the Double of its shortest decimal form,
 * and {@code bytes} base64 text (what a Blob property takes, and what the JSON twin carries).
 * Thread-safe.
 */
public final class EventMapper {
  private final String graphLogTopic;

  /**
   * Source partition names by partition number: made once, so that every event of a partition
   * shares one string (and its hash) in the engine's offset lookups.
   */
  private final Map<Integer, String> sourcePartitions = new ConcurrentHashMap<>();

  public EventMapper(String graphLogTopic) {
    this.graphLogTopic = Objects.requireNonNull(graphLogTopic, "graphLogTopic");
  }

  /** The source partition name the engine records for a graph-log partition. */
  public static String sourcePartition(String topic, int partition) {
    return topic + ":" + partition;
  }

  /**
   * The engine event for {@code event}, read at {@code offset} of graph-log partition {@code
   * partition}.
   *
   * @throws IllegalArgumentException if the event has a shape the engine cannot take (the graph
   *     log's codec validates events, so this means a bug upstream)
   */
  public GraphEvent map(io.ingraft.events.avro.GraphEvent event, int partition, long offset) {
    String name =
        sourcePartitions.computeIfAbsent(partition, p -> sourcePartition(graphLogTopic, p));
    SourcePosition source = new SourcePosition(name, offset);
    return new GraphEvent(
        event.getGraph(), event.getEventId(), source, event.getTimestamp(), body(event.getBody()));
  }

  /**
   * The engine event for a logged event read at {@code offset} of graph-log partition {@code
   * partition}: {@link #map(io.ingraft.events.avro.GraphEvent, int, long)} plus the CDC position of
   * its source transaction when stage 1 made it from a change feed.
   */
  public GraphEvent map(LoggedEvent logged, int partition, long offset) {
    GraphEvent event = map(logged.getEvent(), partition, offset);
    CdcMark mark = logged.getCdc();
    if (mark == null) {
      return event;
    }
    return new GraphEvent(
        event.graph(),
        event.eventId(),
        event.source(),
        event.timestamp(),
        event.body(),
        new CdcPosition(
            mark.getSource(),
            mark.getLsn(),
            mark.getTxId(),
            mark.getCommitTimeMs(),
            mark.getSnapshotInProgress()));
  }

  private static EventBody body(Object body) {
    if (body instanceof SchemaBody schema) {
      return new EventBody.SchemaChange(schema.getSource());
    }
    if (body instanceof MutationBody mutation) {
      List<Op> ops = new ArrayList<>(mutation.getOps().size());
      for (io.ingraft.events.avro.Op op : mutation.getOps()) {
        ops.add(op(op));
      }
      return new EventBody.Mutation(ops);
    }
    if (body instanceof LoadBody load) {
      return load(load);
    }
    throw new IllegalArgumentException("unknown event body " + describe(body));
  }

  private static Op op(io.ingraft.events.avro.Op op) {
    String type = op.getType();
    return switch (op.getOp()) {
      case UPSERT_NODE -> new Op.UpsertNode(type, values(op.getProps()));
      case UPDATE_NODE -> new Op.UpdateNode(type, key(op.getKey()), values(op.getSet()));
      case DELETE_NODE -> new Op.DeleteNode(type, key(op.getKey()));
      case INSERT_EDGE ->
          new Op.InsertEdge(
              type, key(op.getFrom()), key(op.getTo()), values(op.getProps()), op.getId());
      case DELETE_EDGE -> new Op.DeleteEdge(type, key(op.getFrom()), key(op.getTo()), op.getId());
    };
  }

  private static EventBody.Load load(LoadBody load) {
    EventBody.LoadMode mode =
        switch (load.getMode()) {
          case APPEND -> EventBody.LoadMode.APPEND;
          case MERGE -> EventBody.LoadMode.MERGE;
          case OVERWRITE -> EventBody.LoadMode.OVERWRITE;
        };
    Map<String, List<Map<String, Object>>> nodes = new LinkedHashMap<>();
    if (load.getNodes() != null) {
      load.getNodes()
          .forEach(
              (type, rows) -> {
                List<Map<String, Object>> mapped = new ArrayList<>(rows.size());
                for (Map<String, Object> row : rows) {
                  mapped.add(values(row));
                }
                nodes.put(type.toString(), mapped);
              });
    }
    Map<String, List<Map<String, Object>>> edges = new LinkedHashMap<>();
    if (load.getEdges() != null) {
      load.getEdges()
          .forEach(
              (type, rows) -> {
                List<Map<String, Object>> mapped = new ArrayList<>(rows.size());
                for (EdgeRow row : rows) {
                  mapped.add(edgeRow(row));
                }
                edges.put(type.toString(), mapped);
              });
    }
    return new EventBody.Load(mode, nodes, edges, load.getUri());
  }

  /** An inline edge row as the engine takes it: its properties next to from, to and id. */
  private static Map<String, Object> edgeRow(EdgeRow row) {
    Map<String, Object> mapped = values(row.getProps());
    mapped.put(SchemaCatalog.EDGE_FROM, key(row.getFrom()));
    mapped.put(SchemaCatalog.EDGE_TO, key(row.getTo()));
    if (row.getId() != null) {
      mapped.put(SchemaCatalog.EDGE_ID, row.getId());
    }
    return mapped;
  }

  /** A node key or edge endpoint: a string or a long (or null when the op has none). */
  private static Object key(Object key) {
    if (key == null || key instanceof Long) {
      return key;
    }
    if (key instanceof CharSequence text) {
      return text.toString();
    }
    if (key instanceof Integer i) {
      return i.longValue();
    }
    throw new IllegalArgumentException("a key is a string or a long, found " + describe(key));
  }

  /**
   * A property map with plain values. A mutable map that keeps nulls: a null property means "no
   * value", which the engine must see (Map.copyOf would reject it).
   */
  private static Map<String, Object> values(Map<? extends CharSequence, Object> values) {
    Map<String, Object> mapped = new LinkedHashMap<>();
    if (values != null) {
      values.forEach((name, value) -> mapped.put(name.toString(), value(value)));
    }
    return mapped;
  }

  /** One Avro value as a plain Java value (see the class doc). */
  static Object value(Object value) {
    if (value == null
        || value instanceof Boolean
        || value instanceof Long
        || value instanceof Double
        || value instanceof String) {
      return value;
    }
    if (value instanceof CharSequence text) {
      return text.toString();
    }
    if (value instanceof Integer i) {
      return i.longValue();
    }
    if (value instanceof Float f) {
      // The JSON twin writes a float as its shortest decimal and reads that back as a double:
      // 0.1f must become 0.1, not 0.10000000149011612.
      return Double.parseDouble(Float.toString(f));
    }
    if (value instanceof ByteBuffer bytes) {
      ByteBuffer view = bytes.duplicate();
      byte[] raw = new byte[view.remaining()];
      view.get(raw);
      return Base64.getEncoder().encodeToString(raw);
    }
    if (value instanceof List<?> list) {
      List<Object> mapped = new ArrayList<>(list.size());
      for (Object element : list) {
        mapped.add(value(element));
      }
      return mapped;
    }
    throw new IllegalArgumentException("unsupported value " + describe(value));
  }

  private static String describe(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName();
  }
}
