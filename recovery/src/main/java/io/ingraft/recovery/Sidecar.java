package io.ingraft.recovery;

import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CommitInfo;
import io.ingraft.storage.manifest.SchemaRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The recorded intent of one in-flight operation, written before its first effect ({@code
 * graphs/<id>/_recovery/<operationId>.json}) and deleted after its manifest publish. It holds
 * everything the sweep needs to finish or undo the operation on its own: the tables with their
 * pinned versions and pre-minted transaction uuids, and the whole intended manifest change except
 * the pins, which are derived from what actually got committed.
 *
 * @param format sidecar format version; only {@link #FORMAT} is understood
 * @param operationId a ULID: unique, and sorting by it sorts by creation time
 * @param baseManifestVersion the manifest version the operation was planned against
 * @param schema the schema the publish switches to, or null for no switch
 * @param removeTables tables the publish drops from the manifest
 * @param sources source partition → next offset the publish records
 * @param commit the commit record the publish carries
 */
public record Sidecar(
    int format,
    String operationId,
    String graph,
    SidecarKind kind,
    String writerId,
    long epoch,
    long baseManifestVersion,
    Instant createdAt,
    List<SidecarTable> tables,
    SchemaRef schema,
    Set<String> removeTables,
    Map<String, Long> sources,
    CommitInfo commit) {

  public static final int FORMAT = 1;

  public Sidecar {
    if (operationId == null || !operationId.matches("[0-9A-HJKMNP-TV-Z]{26}")) {
      throw new IllegalArgumentException("operationId must be a ULID: " + operationId);
    }
    GraphId.of(graph);
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(writerId, "writerId");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(commit, "commit");
    tables = List.copyOf(tables);
    removeTables = Set.copyOf(removeTables == null ? Set.of() : removeTables);
    sources = Map.copyOf(sources == null ? Map.of() : sources);
  }

  public GraphId graphId() {
    return GraphId.of(graph);
  }
}
