package io.ingraft.storage.object;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Child process of {@link PutIfAbsentCrashTest}: put-if-absent of large objects {@code blob-0000},
 * {@code blob-0001}, ... into a local store, forever, announcing each on stdout before it starts,
 * so the parent can kill it in the middle of one. It resumes after the keys already present.
 * Arguments: store root, object size in bytes.
 */
public final class PutIfAbsentWriterMain {
  private PutIfAbsentWriterMain() {}

  public static void main(String[] args) {
    Path root = Path.of(args[0]);
    int size = Integer.parseInt(args[1]);
    try (ObjectStore store = new LocalObjectStore(root)) {
      for (int i = store.list("blob-").size(); ; i++) {
        String key = keyOf(i);
        byte[] content = contentOf(key, size);
        System.out.println("writing " + key);
        System.out.flush();
        store.putIfAbsent(key, content);
      }
    }
  }

  static String keyOf(int index) {
    return String.format("blob-%04d", index);
  }

  /** The content the writer puts under {@code key}: pseudo-random, derived from the key alone. */
  static byte[] contentOf(String key, int size) {
    byte[] content = new byte[size];
    new SplittableRandom(key.hashCode()).nextBytes(content);
    return content;
  }
}
