package io.ingraft.storage.manifest;

import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.testing.ForwardingObjectStore;

/**
 * A real object store with a competitor in front of it: just before each manifest put-if-absent,
 * the competitor publishes its own version (on a table nobody else touches), so the caller always
 * loses the race it is about to run.
 */
final class RacingObjectStore extends ForwardingObjectStore {
  private final ManifestLog competitor;
  private int wins;

  RacingObjectStore(ObjectStore delegate, ManifestLog competitor) {
    super(delegate);
    this.competitor = competitor;
  }

  @Override
  public void putIfAbsent(String key, byte[] data) {
    if (key.contains("/_manifest/")) {
      Manifest latest = competitor.require();
      String table = "nodes/Rival" + (++wins);
      competitor.publish(
          latest,
          ManifestChange.builder(
                  latest.writer(), CommitInfo.of(CommitKind.MUTATION, "rival-" + wins, "rival"))
              .pin(table, new TablePin("graphs/g1/" + table + ".lance", 1, 0))
              .build());
    }
    delegate.putIfAbsent(key, data);
  }

  @Override
  public String describe() {
    return "racing(" + delegate.describe() + ")";
  }
}
