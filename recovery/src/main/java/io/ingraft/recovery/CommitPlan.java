package io.ingraft.recovery;

import io.ingraft.storage.manifest.CommitInfo;
import io.ingraft.storage.manifest.SchemaRef;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything one operation will make visible in a single manifest publish: the staged table writes,
 * plus the rest of the manifest change (schema switch, dropped tables, source offsets, commit
 * record). {@link GuardedCommit} turns it into table commits and one publish, under a sidecar.
 */
public record CommitPlan(
    SidecarKind kind,
    List<TableWrite> writes,
    SchemaRef schema,
    Set<String> removeTables,
    Map<String, Long> sources,
    CommitInfo commit) {

  public CommitPlan {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(commit, "commit");
    writes = List.copyOf(writes);
    removeTables = Set.copyOf(removeTables == null ? Set.of() : removeTables);
    sources = Map.copyOf(sources == null ? Map.of() : sources);
    long distinct = writes.stream().map(TableWrite::key).distinct().count();
    if (distinct != writes.size()) {
      throw new IllegalArgumentException("a plan writes each table at most once");
    }
  }
}
