package io.ingraft.it.cdc;

import io.ingraft.app.local.DebeziumWorkerClasspath;
import io.ingraft.app.local.LocalPostgres;
import io.ingraft.app.local.PostgresNotInstalledException;
import org.junit.jupiter.api.Assumptions;

/** What the CDC suites need from the machine; each missing piece skips with what to do. */
final class CdcAssumptions {
  private CdcAssumptions() {}

  /** PostgreSQL's server binaries ({@code .ci/run} installs them). */
  static void assumePostgresInstalled() {
    Assumptions.assumeTrue(
        LocalPostgres.isInstalled(),
        () ->
            "skipped: no "
                + LocalPostgres.DEBIAN_ROOT
                + "/*/bin/initdb; install PostgreSQL with `"
                + PostgresNotInstalledException.INSTALL_HINT
                + "` (.ci/run does)");
    Assumptions.assumeTrue(
        DebeziumWorkerClasspath.locate().isPresent(),
        () ->
            "skipped: no"
                + " Debezium worker classpath; build it with `mvn -B -q -f it/debezium-worker/pom.xml"
                + " generate-resources` (a reactor build of `it` with -am does)");
  }
}
