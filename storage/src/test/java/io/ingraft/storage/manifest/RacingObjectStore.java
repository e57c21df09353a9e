package io.ingraft.storage.manifest;

import io.ingraft.storage.object.ObjectStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real object store with a competitor in front of it: just before each manifest put-if-absent,
 * the competitor publishes its own version (on a table nobody else touches), so the caller always
 * loses the race it is about to run.
 */
final class RacingObjectStore implements ObjectStore {
  private final ObjectStore delegate;
  private final ManifestLog competitor;
  private int wins;

  RacingObjectStore(ObjectStore delegate, ManifestLog competitor) {
    this.delegate = delegate;
    this.competitor = competitor;
  }

  @Override
  public void putIfAbsent(String key, byte[] data) {
    if (key.contains("/_manifest/")) {
      Manifest latest = competitor.require();
      String table = "nodes/Rival" + (++wins);
      competitor.publish(latest, ManifestChange.builder(latest.writer(),
          CommitInfo.of(CommitKind.MUTATION, "rival-" + wins, "rival"))
          .pin(table, new TablePin("graphs/g1/" + table + ".lance", 1, 0)).build());
    }
    delegate.putIfAbsent(key, data);
  }

  @Override
  public byte[] read(String key) {
    return delegate.read(key);
  }

  @Override
  public Optional<byte[]> readIfExists(String key) {
    return delegate.readIfExists(key);
  }

  @Override
  public List<String> list(String prefix, String startAfter) {
    return delegate.list(prefix, startAfter);
  }

  @Override
  public void put(String key, byte[] data) {
    delegate.put(key, data);
  }

  @Override
  public void delete(String key) {
    delegate.delete(key);
  }

  @Override
  public String lanceUri(String key) {
    return delegate.lanceUri(key);
  }

  @Override
  public Map<String, String> lanceStorageOptions() {
    return delegate.lanceStorageOptions();
  }

  @Override
  public String describe() {
    return "racing(" + delegate.describe() + ")";
  }

  @Override
  public void close() {
    delegate.close();
  }
}
