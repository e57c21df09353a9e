package io.ingraft.app.rebuild;

import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the version of a graph that stands at a given log position: the newest manifest version
 * whose recorded source offsets ({@link Manifest#sources()}) equal the position. Versions that add
 * no events (epoch claims, roll-backs and roll-forwards of the recovery sweep, compactions) keep
 * their parent's offsets and content, so any of them would do; the newest is taken. Empty when the
 * graph never stood exactly there (its writer applied the batches around the position together).
 */
public final class VersionAtPosition {
  private final ManifestLog log;

  public VersionAtPosition(ManifestLog log) {
    this.log = log;
  }

  /** The newest version whose source offsets are exactly {@code sources}. */
  public Optional<Manifest> find(Map<String, Long> sources) {
    List<Long> versions = log.versions();
    for (int i = versions.size() - 1; i >= 0; i--) {
      Manifest m = log.read(versions.get(i));
      if (m.sources().equals(sources)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }
}
