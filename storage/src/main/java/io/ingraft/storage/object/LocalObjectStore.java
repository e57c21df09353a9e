package io.ingraft.storage.object;

import io.ingraft.storage.StorageIoException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link ObjectStore} in a local directory: each key is a file under the root, each '/' a
 * directory. Writes go to a temporary file next to the target, are fsynced, and are then published
 * in one step: a rename for {@link #put}, a hard link for {@link #putIfAbsent} (link(2) fails when
 * the target exists, which makes it an atomic create-if-absent). A crash therefore leaves at most
 * an invisible {@code .ingraft-tmp-*} file behind, never a partial object. Because keys are paths,
 * a key cannot also be the "folder" of other keys here ({@code a} and {@code a/b}), unlike on S3.
 */
public final class LocalObjectStore implements ObjectStore {
  private static final Logger log = LoggerFactory.getLogger(LocalObjectStore.class);

  private final Path root;

  /** Opens the store at {@code root}, creating the directory if it is missing. */
  public LocalObjectStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new StorageIoException(this.root.toString(), "create store root", e);
    }
  }

  /** The absolute root directory. */
  public Path root() {
    return root;
  }

  @Override
  public byte[] read(String key) {
    return readIfExists(key).orElseThrow(() -> new ObjectNotFoundException(key));
  }

  @Override
  public Optional<byte[]> readIfExists(String key) {
    Path path = pathOf(key);
    try {
      return Optional.of(Files.readAllBytes(path));
    } catch (IOException e) {
      // A directory, a missing file or a file where a parent directory should be all mean that no
      // object has this key; only an existing regular file that cannot be read is a fault.
      if (e instanceof NoSuchFileException || !Files.isRegularFile(path)) {
        return Optional.empty();
      }
      throw new StorageIoException(path.toString(), "read", e);
    }
  }

  @Override
  public List<String> list(String prefix, String startAfter) {
    ObjectKeys.requireValidPrefix(prefix);
    // Walk only the deepest directory the prefix names; its last partial segment is a filter.
    Path start = root.resolve(prefix.substring(0, prefix.lastIndexOf('/') + 1));
    List<String> keys = new ArrayList<>();
    try {
      Files.walkFileTree(
          start,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              String name = file.getFileName().toString();
              if (attrs.isRegularFile() && !name.startsWith(ObjectKeys.TEMP_PREFIX)) {
                String key = keyOf(file);
                if (key.startsWith(prefix)
                    && (startAfter == null || key.compareTo(startAfter) > 0)) {
                  keys.add(key);
                }
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
              // Files and directories vanish under a concurrent delete or temp-file cleanup, and
              // the
              // start directory may not exist at all (or be a file's child): none holds a key to
              // list.
              if (e instanceof NoSuchFileException || !Files.exists(file)) {
                return FileVisitResult.CONTINUE;
              }
              throw e;
            }
          });
    } catch (IOException e) {
      throw new StorageIoException(start.toString(), "list", e);
    }
    keys.sort(null);
    return keys;
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    Path path = pathOf(key);
    try {
      BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
      if (!attrs.isRegularFile()) {
        return Optional.empty();
      }
      return Optional.of(new ObjectInfo(key, attrs.size(), attrs.lastModifiedTime().toInstant()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      if (!Files.isRegularFile(path)) {
        return Optional.empty();
      }
      throw new StorageIoException(path.toString(), "stat", e);
    }
  }

  @Override
  public List<String> childFolders(String prefix) {
    ObjectKeys.requireValidPrefix(prefix);
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      throw new InvalidObjectKeyException(prefix, "a folder prefix must end with '/'");
    }
    Path dir = root.resolve(prefix);
    List<String> names = new ArrayList<>();
    try (var entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
      for (Path entry : entries) {
        names.add(entry.getFileName().toString());
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      if (!Files.isDirectory(dir)) {
        return List.of();
      }
      throw new StorageIoException(dir.toString(), "list folders", e);
    }
    names.sort(null);
    return names;
  }

  @Override
  public void put(String key, byte[] data) {
    Path target = pathOf(key);
    Path dir = target.getParent();
    Path temp = null;
    try {
      ensureDirectory(dir);
      temp = writeTemp(dir, data);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      temp = null;
      syncDirectory(dir);
    } catch (IOException e) {
      throw new StorageIoException(target.toString(), "put", e);
    } finally {
      deleteTemp(temp);
    }
  }

  @Override
  public void putIfAbsent(String key, byte[] data) {
    Path target = pathOf(key);
    Path dir = target.getParent();
    Path temp = null;
    try {
      ensureDirectory(dir);
      temp = writeTemp(dir, data);
      try {
        Files.createLink(target, temp);
      } catch (FileAlreadyExistsException e) {
        if (Files.isDirectory(target)) {
          // Not an object but a "folder" of other keys: the create failed for another reason.
          throw new StorageIoException(target.toString(), "putIfAbsent over a directory", e);
        }
        throw new ObjectAlreadyExistsException(key);
      }
      syncDirectory(dir);
    } catch (IOException e) {
      throw new StorageIoException(target.toString(), "putIfAbsent", e);
    } finally {
      deleteTemp(temp);
    }
  }

  @Override
  public void delete(String key) {
    Path path = pathOf(key);
    try {
      if (Files.isDirectory(path)) {
        return; // a "folder" of other keys, not an object
      }
      Files.deleteIfExists(path);
    } catch (IOException e) {
      if (!Files.isRegularFile(path)) {
        return; // e.g. a parent "directory" is a file: there was no such object
      }
      throw new StorageIoException(path.toString(), "delete", e);
    }
  }

  @Override
  public String lanceUri(String key) {
    return pathOf(key).toString();
  }

  @Override
  public Map<String, String> lanceStorageOptions() {
    return Map.of();
  }

  @Override
  public boolean lanceWritesNeedReadBack() {
    return true;
  }

  @Override
  public String describe() {
    return "local directory " + root;
  }

  @Override
  public void close() {
    // Nothing to release: every operation opens and closes its own files.
  }

  private Path pathOf(String key) {
    return root.resolve(ObjectKeys.requireValid(key));
  }

  private String keyOf(Path file) {
    Path relative = root.relativize(file);
    StringBuilder key = new StringBuilder();
    for (Path name : relative) {
      if (key.length() > 0) {
        key.append('/');
      }
      key.append(name);
    }
    return key.toString();
  }

  /** Writes {@code data} to a new fsynced temp file in {@code dir}, ready to be published there. */
  private static Path writeTemp(Path dir, byte[] data) throws IOException {
    Path temp = dir.resolve(ObjectKeys.TEMP_PREFIX + UUID.randomUUID());
    try (FileChannel channel =
        FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(data);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      deleteTemp(temp);
      throw e;
    }
    return temp;
  }

  /**
   * Creates {@code dir} and its missing parents, fsyncing each parent whose entry list changed, so
   * a published object is not lost with its directory after a power failure.
   */
  private void ensureDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Path parent = dir.getParent();
    if (!dir.equals(root) && parent != null) {
      ensureDirectory(parent);
    }
    try {
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw e; // a file sits where the directory should be
      }
      return; // a concurrent writer created it
    }
    if (parent != null) {
      syncDirectory(parent);
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some platforms (Windows, some network file systems) cannot open or sync a directory; the
      // data itself was synced, only the durability of the new name is then best effort.
      log.debug("cannot fsync directory {}: {}", dir, e.toString());
    }
  }

  private static void deleteTemp(Path temp) {
    if (temp == null) {
      return;
    }
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // The write itself is complete or already failed; a leftover temp file is never listed.
      log.warn("cannot delete temporary file {}: {}", temp, e.toString());
    }
  }
}
