package io.ingraft.app.cdc;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the CDC decode step hands the assembler for one record of a change topic or of the
 * transaction topic, across the {@code cdc-by-source} repartition and in the assembler's store:
 *
 * <ul>
 *   <li>{@link Kind#ROW}: a row change mapped to graph operations, in two phases: {@code nodeOps}
 *       (the node's upsert or delete, or a join table's edge) and {@code edgeOps} (the row's
 *       foreign-key edges, applied after every node of the batch), with the row's identity ({@code
 *       rowKey}) and whether its final state is deleted;
 *   <li>{@link Kind#TRUNCATE}: a truncate of the table, which empties {@code type};
 *   <li>{@link Kind#FAILED}: a change that was dead-lettered, still counted toward its transaction;
 *   <li>{@link Kind#SKIPPED}: a tombstone (only its position counts: the assembler tracks how far
 *       it has read every partition);
 *   <li>{@link Kind#END}: a transaction's END record with its per-table counts.
 * </ul>
 *
 * {@code txId}, {@code totalOrder}, {@code lsn}, {@code tsMs} and {@code snapshot} are the source's
 * position ({@code totalOrder} 0 without a transaction block); {@code topic}, {@code partition} and
 * {@code offset} are where the record was read. {@code added} names the properties a row brings
 * that the graph's type does not have yet, with their types ({@code newColumns: evolve}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CdcItem(
    Kind kind,
    String txId,
    long totalOrder,
    boolean inTransaction,
    long lsn,
    long tsMs,
    String snapshot,
    String table,
    String graph,
    String type,
    String rowKey,
    int phase,
    List<CdcOp> nodeOps,
    List<CdcOp> edgeOps,
    Map<String, Long> perTable,
    long eventCount,
    String topic,
    int partition,
    long offset,
    Map<String, String> added) {

  /** The kind of item. */
  public enum Kind {
    ROW,
    TRUNCATE,
    FAILED,
    SKIPPED,
    END
  }

  /** Phases of a transaction's batch, applied in this order (docs/cdc.md, "Order"). */
  static final int JOIN_DELETE = 0;

  static final int NODE_DELETE = 1;
  static final int NODE_UPSERT = 2;
  static final int JOIN_UPSERT = 3;

  /**
   * One graph operation: {@code op} is upsertNode, updateNode, deleteNode, insertEdge or
   * deleteEdge, with the fields that operation uses (docs/events.md).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record CdcOp(
      String op,
      String type,
      Object key,
      Object from,
      Object to,
      String id,
      Map<String, Object> props) {}

  /** The same item without its node operations (and the properties they would add). */
  CdcItem withoutNodeOps() {
    return new CdcItem(
        kind,
        txId,
        totalOrder,
        inTransaction,
        lsn,
        tsMs,
        snapshot,
        table,
        graph,
        type,
        rowKey,
        phase,
        null,
        edgeOps,
        perTable,
        eventCount,
        topic,
        partition,
        offset,
        null);
  }

  /** Whether this record was part of the connector's initial snapshot. */
  boolean inSnapshot() {
    return snapshot != null && !snapshot.equals("false") && !snapshot.equals("incremental");
  }

  /** JSON, since the item crosses one topic and sits in one store, and JSON reads in a log. */
  public static final class JsonSerde
      implements Serde<CdcItem>, Serializer<CdcItem>, Deserializer<CdcItem> {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    @Override
    public byte[] serialize(String topic, CdcItem item) {
      if (item == null) {
        return null;
      }
      try {
        return MAPPER.writeValueAsBytes(item);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public CdcItem deserialize(String topic, byte[] data) {
      if (data == null) {
        return null;
      }
      try {
        return MAPPER.readValue(data, CdcItem.class);
      } catch (IOException e) {
        throw new SerializationException("not a CDC item: " + e.getMessage(), e);
      }
    }

    @Override
    public Serializer<CdcItem> serializer() {
      return this;
    }

    @Override
    public Deserializer<CdcItem> deserializer() {
      return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {}

    @Override
    public void close() {}
  }
}
