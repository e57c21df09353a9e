package io.ingraft.engine.load;

import io.ingraft.storage.object.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A load file that {@link LoadSources} allowed: a regular local file (its real path, inside a root)
 * or an object of a configured bucket. {@link #uri()} is the event's own text, the only name of the
 * file that errors may show.
 */
public sealed interface LoadSource permits LoadSource.LocalFile, LoadSource.StoredObject {
  /** The {@code uri} as the event gave it. */
  String uri();

  /** Whether the file is Parquet (by its name), otherwise JSON lines. */
  default boolean isParquet() {
    return uri().endsWith(".parquet");
  }

  /** Opens the file for reading; the caller closes the stream. */
  InputStream open() throws IOException;

  /** A regular file; {@code real} is its resolved real path. */
  record LocalFile(String uri, Path real) implements LoadSource {
    @Override
    public InputStream open() throws IOException {
      // The path is real already: refusing links here closes most of the window in which its
      // last component could be swapped for a link between the checks and the open.
      return Files.newInputStream(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }
  }

  /** An object of a configured bucket, read through the project's S3 client. */
  record StoredObject(String uri, ObjectStore store, String key) implements LoadSource {
    @Override
    public InputStream open() {
      return store.openRead(key);
    }
  }
}
