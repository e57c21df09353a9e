package io.ingraft.storage.manifest;

import io.ingraft.storage.GraphId;
import io.ingraft.storage.TableKey;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One immutable version of a graph's published state (docs/storage.md, "Manifest log"): the schema,
 * every table's pinned Lance version, the next source offset per source partition, the writer
 * epoch, and the commit that produced it. Readers open exactly the pinned table versions, never a
 * table's HEAD.
 *
 * <p>{@code sources} maps a source partition (for example {@code ingraft.graph-log:3}) to the next
 * offset not yet applied to this graph: an event at an offset below it is already applied.
 */
public record Manifest(
    int format,
    String graph,
    long version,
    long parent,
    Instant time,
    WriterEpoch writer,
    SchemaRef schema,
    Map<String, TablePin> tables,
    Map<String, Long> sources,
    CommitInfo commit) {

  /** The manifest format this code writes and the only one it reads. */
  public static final int FORMAT = 1;

  public Manifest {
    GraphId.of(graph);
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(writer, "writer");
    Objects.requireNonNull(commit, "commit");
    if (version < 1 || parent != version - 1) {
      throw new IllegalArgumentException(
          "version " + version + " must be >= 1 with parent version - 1, got " + parent);
    }
    tables = Collections.unmodifiableSortedMap(new TreeMap<>(tables == null ? Map.of() : tables));
    tables.keySet().forEach(TableKey::of);
    sources =
        Collections.unmodifiableSortedMap(new TreeMap<>(sources == null ? Map.of() : sources));
  }

  public GraphId graphId() {
    return GraphId.of(graph);
  }

  public long epoch() {
    return writer.epoch();
  }

  public Optional<TablePin> table(String key) {
    return Optional.ofNullable(tables.get(key));
  }

  /** The next offset to apply from {@code source}, or 0 when this graph has seen none. */
  public long nextOffset(String source) {
    return sources.getOrDefault(source, 0L);
  }

  public Optional<SchemaRef> schemaRef() {
    return Optional.ofNullable(schema);
  }
}
