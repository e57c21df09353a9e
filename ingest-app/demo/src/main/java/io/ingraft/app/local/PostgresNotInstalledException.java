package io.ingraft.app.local;

import io.ingraft.app.AppException;
import java.nio.file.Path;

/**
 * No PostgreSQL server binaries on this machine: {@code initdb} was looked for under {@link
 * #searched()} and not found. The message says how to install them.
 */
public final class PostgresNotInstalledException extends AppException {
  /** What to run on Debian or Ubuntu to get the binaries. */
  public static final String INSTALL_HINT = "apt-get install postgresql";

  private final Path searched;

  public PostgresNotInstalledException(Path searched) {
    super(
        "PostgreSQL is not installed: no "
            + searched
            + "/*/bin/initdb; install it with `"
            + INSTALL_HINT
            + "` (Debian, Ubuntu)");
    this.searched = searched;
  }

  /** The directory whose {@code <version>/bin} subdirectories were searched. */
  public Path searched() {
    return searched;
  }
}
