package io.ingraft.it.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * The current version of an Iceberg table kept by a Hadoop catalog, read from its files the way a
 * reader finds it: {@code metadata/version-hint.text} names version K, {@code vK.metadata.json} (or
 * {@code vK.gz.metadata.json}) holds the snapshots. The peer benchmark polls it to see when the
 * sink's rows became visible, without Iceberg on this JVM's classpath.
 *
 * @param version K, the metadata file's number
 * @param totalRecords the current snapshot's {@code total-records} (0 without a snapshot)
 * @param visibleAtMs the metadata file's mtime: when this version was written (the Hadoop catalog
 *     writes it, then renames it into place, so it is visible from about then)
 * @param snapshotAtMs the current snapshot's own {@code timestamp-ms}, a little earlier
 * @param snapshotTimes every snapshot's {@code timestamp-ms}, ascending
 */
record IcebergTableVersion(
    int version, long totalRecords, long visibleAtMs, long snapshotAtMs, List<Long> snapshotTimes) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The table's current version, or empty while the table does not exist yet or its hint names a
   * file that is still being renamed into place (the next poll sees it).
   */
  static Optional<IcebergTableVersion> read(Path tableDir) throws IOException {
    Path metadata = tableDir.resolve("metadata");
    int version;
    try {
      version = Integer.parseInt(Files.readString(metadata.resolve("version-hint.text")).strip());
    } catch (NoSuchFileException | NumberFormatException e) {
      return Optional.empty();
    }
    for (String name :
        List.of("v" + version + ".metadata.json", "v" + version + ".gz.metadata.json")) {
      Path file = metadata.resolve(name);
      JsonNode root;
      long mtime;
      try {
        mtime = Files.getLastModifiedTime(file).toMillis();
        try (InputStream in =
            name.endsWith(".gz.metadata.json")
                ? new GZIPInputStream(Files.newInputStream(file))
                : Files.newInputStream(file)) {
          root = JSON.readTree(in);
        }
      } catch (NoSuchFileException e) {
        continue;
      }
      long current = root.path("current-snapshot-id").asLong(-1);
      long total = 0;
      long at = 0;
      List<Long> times = new ArrayList<>();
      for (JsonNode snapshot : root.path("snapshots")) {
        times.add(snapshot.path("timestamp-ms").asLong());
        if (snapshot.path("snapshot-id").asLong() == current) {
          total = snapshot.path("summary").path("total-records").asLong(0);
          at = snapshot.path("timestamp-ms").asLong();
        }
      }
      times.sort(null);
      return Optional.of(new IcebergTableVersion(version, total, mtime, at, List.copyOf(times)));
    }
    return Optional.empty();
  }

  /** Snapshots committed at or after {@code fromMs}. */
  long snapshotsSince(long fromMs) {
    return snapshotTimes.stream().filter(t -> t >= fromMs).count();
  }
}
