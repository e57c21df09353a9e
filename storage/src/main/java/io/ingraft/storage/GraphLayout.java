package io.ingraft.storage;

/**
 * Where each part of one graph lives under the storage root (docs/storage.md, "Layout of one
 * graph"). Every object key the project writes for a graph is computed here, so the layout is
 * written down exactly once.
 */
public record GraphLayout(GraphId graph) {
  /** Number of digits of a manifest file name: zero padding makes name order version order. */
  public static final int MANIFEST_VERSION_DIGITS = 20;

  public String root() {
    return "graphs/" + graph.value() + "/";
  }

  public String manifestDir() {
    return root() + "_manifest/";
  }

  public String manifestKey(long version) {
    if (version < 0) {
      throw new IllegalArgumentException("manifest version must be >= 0: " + version);
    }
    return manifestDir() + String.format("%0" + MANIFEST_VERSION_DIGITS + "d", version) + ".json";
  }

  /** The version encoded in a manifest key, or -1 when the key is not a manifest file. */
  public long versionOf(String manifestKey) {
    if (!manifestKey.startsWith(manifestDir()) || !manifestKey.endsWith(".json")) {
      return -1;
    }
    String digits = manifestKey.substring(manifestDir().length(), manifestKey.length() - 5);
    if (digits.length() != MANIFEST_VERSION_DIGITS
        || !digits.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Long.parseLong(digits);
  }

  /** Where {@code graph gc} records the oldest manifest version it kept. */
  public String retentionFloorKey() {
    return root() + "_manifest_floor.json";
  }

  public String schemaKey(String sha256) {
    return root() + "_schemas/" + sha256 + ".pg";
  }

  public String recoveryDir() {
    return root() + "_recovery/";
  }

  /** Path of a table's Lance dataset, relative to the storage root. */
  public String tablePath(TableKey table) {
    return root() + table.value() + ".lance";
  }
}
