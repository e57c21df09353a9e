package io.ingraft.recovery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.GraphLayout;
import io.ingraft.storage.TableKey;
import io.ingraft.storage.table.ArrowRows;
import io.ingraft.storage.table.ScanSpec;
import io.ingraft.storage.table.StagedWrite;
import io.ingraft.storage.table.TableStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The recovery audit of a graph: an append-only Lance table with one row per recovered operation.
 * It lives beside the graph's tables but is not pinned by the manifest (it records recoveries of
 * the manifest; it is not graph data), and it is read at its HEAD.
 *
 * <p>Recording is idempotent by operation id: a sweep that crashed after its audit row and before
 * deleting the sidecar does not add a second row when it runs again.
 */
public final class RecoveryAudit {
  public static final TableKey TABLE = TableKey.of("_audit/recoveries");

  static final Schema SCHEMA =
      new Schema(
          List.of(
              Field.notNullable("operation_id", ArrowType.Utf8.INSTANCE),
              Field.notNullable("kind", ArrowType.Utf8.INSTANCE),
              Field.notNullable("decision", ArrowType.Utf8.INSTANCE),
              Field.notNullable("tables_json", ArrowType.Utf8.INSTANCE),
              Field.notNullable("epoch", new ArrowType.Int(64, true)),
              Field.notNullable("writer", ArrowType.Utf8.INSTANCE),
              new Field(
                  "recovered_at",
                  FieldType.notNullable(new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC")),
                  null),
              Field.notNullable("manifest_version", new ArrowType.Int(64, true))));

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TableStore tables;

  public RecoveryAudit(TableStore tables) {
    this.tables = tables;
  }

  /** Appends {@code record} unless a row for its operation id exists. */
  public void record(GraphId graph, AuditRecord record) {
    String path = new GraphLayout(graph).tablePath(TABLE);
    if (!tables.exists(path)) {
      tables.create(path, SCHEMA, "operation_id");
    }
    long head = tables.headVersion(path);
    if (contains(path, head, record.operationId())) {
      return;
    }
    Map<String, Object> row = new HashMap<>();
    row.put("operation_id", record.operationId());
    row.put("kind", record.kind());
    row.put("decision", record.decision().name());
    row.put("tables_json", toJson(record.tables()));
    row.put("epoch", record.epoch());
    row.put("writer", record.writerId());
    row.put("recovered_at", record.recoveredAt());
    row.put("manifest_version", record.manifestVersion());
    StagedWrite staged;
    try (VectorSchemaRoot batch = ArrowRows.toRoot(SCHEMA, List.of(row), tables.allocator())) {
      staged = tables.stageAppend(path, head, batch);
    }
    tables.commit(
        staged,
        UUID.randomUUID(),
        Map.of(
            GuardedCommit.PROP_GRAPH,
            graph.value(),
            GuardedCommit.PROP_OPERATION,
            record.operationId()));
  }

  /** Every audit row of the graph, oldest first (empty if nothing was ever recovered). */
  public List<AuditRecord> read(GraphId graph) {
    String path = new GraphLayout(graph).tablePath(TABLE);
    if (!tables.exists(path)) {
      return List.of();
    }
    List<AuditRecord> records = new ArrayList<>();
    for (Map<String, Object> row :
        tables.readRows(path, tables.headVersion(path), ScanSpec.all())) {
      records.add(
          new AuditRecord(
              (String) row.get("operation_id"),
              (String) row.get("kind"),
              RecoveryDecision.valueOf((String) row.get("decision")),
              fromJson((String) row.get("tables_json")),
              (Long) row.get("epoch"),
              (String) row.get("writer"),
              (Instant) row.get("recovered_at"),
              (Long) row.get("manifest_version")));
    }
    records.sort(
        java.util.Comparator.comparing(AuditRecord::recoveredAt)
            .thenComparing(AuditRecord::operationId));
    return records;
  }

  private boolean contains(String path, long version, String operationId) {
    // Operation ids are ULIDs (Crockford base32): safe to inline in the filter.
    return !tables
        .readRows(
            path,
            version,
            ScanSpec.where("operation_id = '" + operationId + "'").withColumns("operation_id"))
        .isEmpty();
  }

  private static String toJson(List<TableOutcome> outcomes) {
    try {
      return JSON.writeValueAsString(outcomes);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<TableOutcome> fromJson(String json) {
    try {
      return JSON.readValue(json, new TypeReference<List<TableOutcome>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable audit row: " + json, e);
    }
  }
}
