package io.ingraft.app.cli;

import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.RetentionFloor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Proves what can be proven from the manifest log alone: versions are contiguous with the right
 * parents (from version 1, or from the retention floor {@code graph gc} recorded); times and epochs
 * never go back; per source partition the recorded next offset never goes back, so the offset
 * ranges applied by successive versions never overlap; and each commit's offset range lies inside
 * the range its version advanced.
 */
final class ManifestChainVerifier {
  private final ManifestLog log;

  ManifestChainVerifier(ManifestLog log) {
    this.log = log;
  }

  /** The result; {@code ok} when there are no problems. */
  record Report(
      String graph, int versions, long eventsApplied, boolean ok, List<String> problems) {}

  Report verify() {
    List<String> problems = new ArrayList<>();
    List<Long> versions = log.versions();
    // History starts at version 1, or where graph gc's retention floor says it was cut (a gc
    // interrupted while deleting may have left a few versions below the floor: still contiguous).
    long first = 1;
    if (!versions.isEmpty() && versions.get(0) > 1) {
      long floor = log.floor().map(RetentionFloor::oldestKept).orElse(1L);
      if (versions.get(0) <= floor) {
        first = versions.get(0);
      }
    }
    Manifest previous = null;
    long events = 0;
    for (int i = 0; i < versions.size(); i++) {
      long v = versions.get(i);
      if (v != first + i) {
        problems.add("version " + (first + i) + " is missing (found " + v + ")");
        break;
      }
      Manifest m = log.read(v);
      events += m.commit().eventCount();
      if (previous != null) {
        check(previous, m, problems);
      }
      previous = m;
    }
    return new Report(log.graph().value(), versions.size(), events, problems.isEmpty(), problems);
  }

  private static void check(Manifest previous, Manifest m, List<String> problems) {
    String at = "version " + m.version() + ": ";
    if (m.parent() != previous.version()) {
      problems.add(at + "parent " + m.parent() + " is not " + previous.version());
    }
    if (m.time().isBefore(previous.time())) {
      problems.add(at + "time " + m.time() + " is before its parent's " + previous.time());
    }
    if (m.epoch() < previous.epoch()) {
      problems.add(at + "epoch went back from " + previous.epoch() + " to " + m.epoch());
    }
    Set<String> advanced = new HashSet<>();
    for (Map.Entry<String, Long> source : m.sources().entrySet()) {
      long before = previous.nextOffset(source.getKey());
      if (source.getValue() < before) {
        problems.add(
            at
                + "source "
                + source.getKey()
                + " went back from "
                + before
                + " to "
                + source.getValue()
                + " (offset ranges overlap)");
      } else if (source.getValue() > before) {
        advanced.add(source.getKey());
      }
    }
    for (String source : previous.sources().keySet()) {
      if (!m.sources().containsKey(source)) {
        problems.add(at + "source " + source + " disappeared");
      }
    }
    var commit = m.commit();
    if (commit.firstOffset() != null
        && advanced.size() == 1
        && commit.kind() != CommitKind.RECOVERY) {
      String source = advanced.iterator().next();
      long from = previous.nextOffset(source);
      long to = m.nextOffset(source);
      if (commit.firstOffset() < from || commit.lastOffset() >= to) {
        problems.add(
            at
                + "commit offsets "
                + commit.firstOffset()
                + ".."
                + commit.lastOffset()
                + " are outside the range ["
                + from
                + ", "
                + to
                + ") its version advanced "
                + source);
      }
    }
  }
}
