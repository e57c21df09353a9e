package io.ingraft.app.topology;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Temporary directories under {@code target/} rather than {@code java.io.tmpdir}: Kafka Streams
 * warns about every state directory inside the OS temp directory, which would drown the console.
 */
final class BuildDirectoryTempDirs implements TempDirFactory {
  @Override
  public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context)
      throws IOException {
    Path parent = Files.createDirectories(Path.of("target", "topology-tests"));
    return Files.createTempDirectory(parent.toAbsolutePath(), "t-");
  }
}
