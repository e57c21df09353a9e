package io.ingraft.it.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a Hadoop-catalog table's current version from its metadata files, as the peer benchmark
 * does (the files here are written by hand in the layout Iceberg 1.10 writes; the benchmark itself
 * needs {@code mvn -Ppeer} and is not a test).
 */
class IcebergTableVersionTest {
  @TempDir Path table;

  private static final String TWO_SNAPSHOTS =
      """
      {"format-version":2,"current-snapshot-id":22,
       "snapshots":[
         {"snapshot-id":11,"timestamp-ms":1000,"summary":{"operation":"append","total-records":"500"}},
         {"snapshot-id":22,"timestamp-ms":2000,"summary":{"operation":"append","total-records":"1200"}}
       ]}
      """;

  @Test
  void noTableYet() throws IOException {
    assertThat(IcebergTableVersion.read(table)).isEmpty();
  }

  @Test
  void readsTheVersionTheHintNames() throws IOException {
    Path metadata = Files.createDirectories(table.resolve("metadata"));
    Files.writeString(metadata.resolve("v1.metadata.json"), "{\"current-snapshot-id\":-1}");
    Path v2 = Files.writeString(metadata.resolve("v2.metadata.json"), TWO_SNAPSHOTS);
    Files.setLastModifiedTime(v2, FileTime.fromMillis(2_040));
    Files.writeString(metadata.resolve("version-hint.text"), "2");

    IcebergTableVersion version = IcebergTableVersion.read(table).orElseThrow();

    assertThat(version.version()).isEqualTo(2);
    assertThat(version.totalRecords()).isEqualTo(1200);
    assertThat(version.snapshotAtMs()).isEqualTo(2000);
    assertThat(version.visibleAtMs()).isEqualTo(2040);
    assertThat(version.snapshotTimes()).containsExactly(1000L, 2000L);
    assertThat(version.snapshotsSince(1500)).isEqualTo(1);
  }

  @Test
  void readsGzippedMetadataAndATableWithoutSnapshots() throws IOException {
    Path metadata = Files.createDirectories(table.resolve("metadata"));
    try (OutputStream out =
        new GZIPOutputStream(Files.newOutputStream(metadata.resolve("v3.gz.metadata.json")))) {
      out.write(TWO_SNAPSHOTS.getBytes(StandardCharsets.UTF_8));
    }
    Files.writeString(metadata.resolve("version-hint.text"), "3\n");
    assertThat(IcebergTableVersion.read(table).orElseThrow().totalRecords()).isEqualTo(1200);

    Files.writeString(metadata.resolve("v4.metadata.json"), "{\"current-snapshot-id\":-1}");
    Files.writeString(metadata.resolve("version-hint.text"), "4");
    IcebergTableVersion empty = IcebergTableVersion.read(table).orElseThrow();
    assertThat(empty.totalRecords()).isZero();
    assertThat(empty.snapshotTimes()).isEqualTo(List.of());
  }

  @Test
  void aHintAheadOfItsFileIsNotAVersionYet() throws IOException {
    Path metadata = Files.createDirectories(table.resolve("metadata"));
    Files.writeString(metadata.resolve("version-hint.text"), "7");
    assertThat(IcebergTableVersion.read(table)).isEmpty();
  }
}
