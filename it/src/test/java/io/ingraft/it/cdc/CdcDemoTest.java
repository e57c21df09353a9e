package io.ingraft.it.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.cli.IngraftCli;
import io.ingraft.storage.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingraft demo --cdc} as a user runs it (in a child JVM, since the demo quiets the logging
 * of its own JVM): PostgreSQL, Connect with Debezium, the pipeline; the snapshot and each of its
 * transactions become a graph version, a moved order's edge follows it, and everything it started
 * is stopped.
 */
class CdcDemoTest {
  @Test
  void theCdcDemoShowsEachTransactionAsAVersion(@TempDir Path dir) throws Exception {
    CdcAssumptions.assumePostgresInstalled();
    // JUnit's temporary directory is its owner's only; PostgreSQL runs as the postgres user.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path demo = dir.resolve("demo");
    ChildJvm.Result result =
        ChildJvm.run(
            IngraftCli.class,
            Map.of(),
            400,
            "demo",
            "--cdc",
            "--dir",
            demo.toString(),
            "--timeout",
            "300");
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output())
        .contains("Snapshot loaded: graph 'shop'")
        .containsPattern("(?s)(-> transaction \\d+ is graph version \\d+.*){4}")
        .contains("order 107 is placed by customer 6 (frank)")
        .contains("order 101 is placed by customer 2 (bob)")
        .contains("Stopped the pipeline, Connect, PostgreSQL and the broker.");
  }
}
