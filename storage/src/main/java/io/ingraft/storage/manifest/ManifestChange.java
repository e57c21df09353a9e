package io.ingraft.storage.manifest;

import io.ingraft.storage.TableKey;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one publish changes in a graph's manifest: tables to pin or drop, source offsets to advance,
 * an optional schema switch, the publisher's epoch and the commit record. A change is computed
 * against a base version; if another version lands first, {@link ManifestLog} rebases it when it
 * touches nothing that moved.
 */
public record ManifestChange(
    Map<String, TablePin> setTables,
    Set<String> removeTables,
    Map<String, Long> sources,
    SchemaRef schema,
    WriterEpoch writer,
    CommitInfo commit) {

  public ManifestChange {
    setTables = Collections.unmodifiableMap(new LinkedHashMap<>(setTables));
    removeTables = Collections.unmodifiableSet(new LinkedHashSet<>(removeTables));
    sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
    Objects.requireNonNull(writer, "writer");
    Objects.requireNonNull(commit, "commit");
    setTables.keySet().forEach(TableKey::of);
    removeTables.forEach(TableKey::of);
    for (String key : removeTables) {
      if (setTables.containsKey(key)) {
        throw new IllegalArgumentException("table " + key + " is both set and removed");
      }
    }
  }

  public static Builder builder(WriterEpoch writer, CommitInfo commit) {
    return new Builder(writer, commit);
  }

  /** Every table key this change pins or drops, sorted. */
  public Set<String> touchedTables() {
    Set<String> keys = new TreeSet<>(setTables.keySet());
    keys.addAll(removeTables);
    return keys;
  }

  /** The manifest that results from applying this change on top of {@code base}. */
  Manifest applyTo(Manifest base, Instant time) {
    Map<String, TablePin> tables = new HashMap<>(base.tables());
    removeTables.forEach(tables::remove);
    tables.putAll(setTables);
    Map<String, Long> nextSources = new HashMap<>(base.sources());
    nextSources.putAll(sources);
    return new Manifest(
        Manifest.FORMAT,
        base.graph(),
        base.version() + 1,
        base.version(),
        time,
        writer,
        schema != null ? schema : base.schema(),
        tables,
        nextSources,
        commit);
  }

  /** Accumulates a change; {@link #build()} validates it. */
  public static final class Builder {
    private final WriterEpoch writer;
    private final CommitInfo commit;
    private final Map<String, TablePin> setTables = new LinkedHashMap<>();
    private final Set<String> removeTables = new LinkedHashSet<>();
    private final Map<String, Long> sources = new LinkedHashMap<>();
    private SchemaRef schema;

    private Builder(WriterEpoch writer, CommitInfo commit) {
      this.writer = writer;
      this.commit = commit;
    }

    public Builder pin(String table, TablePin pin) {
      setTables.put(table, pin);
      return this;
    }

    public Builder remove(String table) {
      removeTables.add(table);
      return this;
    }

    public Builder source(String source, long nextOffset) {
      sources.put(source, nextOffset);
      return this;
    }

    public Builder schema(SchemaRef ref) {
      this.schema = ref;
      return this;
    }

    public ManifestChange build() {
      return new ManifestChange(setTables, removeTables, sources, schema, writer, commit);
    }
  }
}
