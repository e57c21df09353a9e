package io.ingraft.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The directory of one running pipeline's Kafka Streams state: the first free slot {@code
 * <ingraft.state-dir>/<application id>/instance-<n>}, held by a file lock on {@code
 * instance-<n>.lock} while the pipeline runs. Several instances with the same configuration on one
 * host each get their own (Streams refuses to share one: "Unable to initialize state"), and a
 * restarted instance takes the lowest free slot, usually the one it had, so it finds its state (a
 * clean stop leaves checkpoints) instead of restoring it from the changelog topics. The operating
 * system drops the lock of a process that dies, even killed.
 */
public final class StateSlot implements AutoCloseable {
  /** More instances of one application than this on one host is a configuration mistake. */
  static final int MAX_SLOTS = 256;

  // File locks belong to the process, not to the channel: closing a second channel to a file
  // this JVM has locked releases the lock on Linux. So a slot this JVM holds (two pipelines in
  // one test JVM) is never opened again; the set is as wide as the locks it guards.
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path directory;
  private final Path lockFile;
  private final FileChannel channel;

  private StateSlot(Path directory, Path lockFile, FileChannel channel) {
    this.directory = directory;
    this.lockFile = lockFile;
    this.channel = channel;
  }

  /** Claims the first free slot under {@code base} for {@code applicationId}. */
  public static StateSlot claim(Path base, String applicationId) {
    Path parent = base.toAbsolutePath().normalize().resolve(applicationId);
    try {
      Files.createDirectories(parent);
      for (int n = 0; n < MAX_SLOTS; n++) {
        Path lockFile = parent.resolve("instance-" + n + ".lock");
        if (!HELD.add(lockFile)) {
          continue;
        }
        StateSlot slot = tryLock(parent.resolve("instance-" + n), lockFile);
        if (slot != null) {
          return slot;
        }
        HELD.remove(lockFile);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use the Streams state directory " + parent, e);
    }
    throw new StateSlotsExhaustedException(parent, MAX_SLOTS);
  }

  private static StateSlot tryLock(Path directory, Path lockFile) throws IOException {
    FileChannel channel =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      return null;
    }
    Files.createDirectories(directory);
    return new StateSlot(directory, lockFile, channel);
  }

  /** The directory to give Kafka Streams as {@code state.dir}. */
  public Path directory() {
    return directory;
  }

  /** Releases the slot (the directory and its state stay for the next instance). */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      HELD.remove(lockFile);
    }
  }
}
