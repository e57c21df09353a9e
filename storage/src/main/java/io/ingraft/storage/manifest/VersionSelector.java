package io.ingraft.storage.manifest;

import java.time.Instant;
import java.util.Objects;

/**
 * Which manifest version of a graph a reader wants: the latest, an exact version, the graph as of a
 * time, as of an offset of the canonical graph log, or as of a CDC source position. {@link
 * ManifestLog#resolve} turns a selector into a manifest, or a typed error when no version matches.
 */
public sealed interface VersionSelector {

  /**
   * The words a message uses for this selector, e.g. {@code "at or before 2026-12-02T10:00:00Z"}.
   */
  String describe();

  /** The newest published version. */
  record Latest() implements VersionSelector {
    @Override
    public String describe() {
      return "latest";
    }
  }

  /** Exactly this manifest version. */
  record Exact(long version) implements VersionSelector {
    public Exact {
      if (version < 1) {
        throw new IllegalArgumentException("a manifest version is >= 1: " + version);
      }
    }

    @Override
    public String describe() {
      return "version " + version;
    }
  }

  /** The newest version published at or before {@code time}. */
  record AtOrBefore(Instant time) implements VersionSelector {
    public AtOrBefore {
      Objects.requireNonNull(time, "time");
    }

    @Override
    public String describe() {
      return "published at or before " + time;
    }
  }

  /**
   * The first version in which the event at {@code offset} of the graph log's {@code partition} is
   * applied (its recorded next offset for that partition is above {@code offset}). A batch is
   * published whole, so that version also holds the rest of the event's batch. {@code topic} may be
   * null: the partition is then looked up among the sources the graph records, and must name one.
   */
  record CoveringOffset(String topic, int partition, long offset) implements VersionSelector {
    public CoveringOffset {
      if (topic != null && topic.isBlank()) {
        throw new IllegalArgumentException("topic must not be blank");
      }
      if (partition < 0) {
        throw new IllegalArgumentException("partition must be >= 0: " + partition);
      }
      if (offset < 0) {
        throw new IllegalArgumentException("offset must be >= 0: " + offset);
      }
    }

    /**
     * Parses {@code [TOPIC:]PARTITION:OFFSET}, e.g. {@code 3:1234} or {@code
     * ingraft.graph-log:3:1234} (a topic name may not contain ':').
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static CoveringOffset parse(String text) {
      String[] parts = Objects.requireNonNull(text, "text").trim().split(":", -1);
      if (parts.length < 2 || parts.length > 3) {
        throw new IllegalArgumentException(
            "expected [TOPIC:]PARTITION:OFFSET, e.g. 0:1234, got '" + text + "'");
      }
      String topic = parts.length == 3 ? parts[0] : null;
      try {
        int partition = Integer.parseInt(parts[parts.length - 2].trim());
        long offset = Long.parseLong(parts[parts.length - 1].trim());
        return new CoveringOffset(topic, partition, offset);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "expected [TOPIC:]PARTITION:OFFSET with numbers, e.g. 0:1234, got '" + text + "'", e);
      }
    }

    @Override
    public String describe() {
      return "covering offset "
          + offset
          + " of "
          + (topic == null ? "partition " + partition : topic + ":" + partition);
    }
  }

  /** The newest version that reflects a CDC source at or before {@code lsn}. */
  record AtOrBeforeCdc(long lsn) implements VersionSelector {
    @Override
    public String describe() {
      // Also in PostgreSQL's X/Y notation, which is what users of a PostgreSQL feed type.
      return "at or before CDC position "
          + lsn
          + " ("
          + Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT)
          + "/"
          + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase(java.util.Locale.ROOT)
          + ")";
    }
  }
}
