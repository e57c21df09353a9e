package io.ingraft.storage.object;

import io.ingraft.storage.StorageConfig;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Flat, key-addressed blob storage under one root: a local directory or an S3 bucket prefix. Keys
 * are relative, '/'-separated paths such as {@code graphs/g1/_manifest/000...042.json}.
 *
 * <p>The one operation everything else stands on is {@link #putIfAbsent}: it is atomic, so an
 * object either does not exist or exists whole, and of many concurrent callers exactly one wins.
 * The manifest log's compare-and-swap and the recovery sidecars are built on it.
 *
 * <p>Errors: a missing object is {@link ObjectNotFoundException}, a lost put-if-absent is {@link
 * ObjectAlreadyExistsException}, any other fault is a {@link
 * io.ingraft.storage.StorageIoException}.
 */
public interface ObjectStore extends AutoCloseable {

  /** Opens the store that {@code config} names: a local directory or an S3 bucket prefix. */
  static ObjectStore open(StorageConfig config) {
    return config.isS3() ? new S3ObjectStore(config) : new LocalObjectStore(config.localRoot());
  }

  /** Reads a whole object. */
  byte[] read(String key) throws ObjectNotFoundException;

  /** Reads a whole object, or returns empty if there is none. */
  Optional<byte[]> readIfExists(String key);

  /**
   * Opens an object for a streaming read; the caller closes the stream, and may close it before the
   * end (a reader that stops at a size limit never downloads the rest). The default reads the whole
   * object; stores that can stream override it.
   */
  default InputStream openRead(String key) throws ObjectNotFoundException {
    return new ByteArrayInputStream(read(key));
  }

  /**
   * Keys that start with {@code prefix}, in ascending lexicographic (byte) order, strictly after
   * {@code startAfter} when it is not null. Listing is recursive: keys in nested "folders" under
   * the prefix are included. In-flight temporary files are never listed.
   */
  List<String> list(String prefix, String startAfter);

  /** Keys that start with {@code prefix}, sorted. */
  default List<String> list(String prefix) {
    return list(prefix, null);
  }

  /**
   * Size and last-modified time of one object, or empty when there is none (a "folder" of other
   * keys is not an object).
   */
  Optional<ObjectInfo> stat(String key);

  /**
   * The names of the immediate "folders" under {@code prefix} (which ends with '/'): for {@code
   * graphs/} the graph ids. Sorted; cheaper than a recursive {@link #list} because nothing below
   * the first level is visited.
   */
  List<String> childFolders(String prefix);

  /** Writes an object, replacing any previous content. Readers see the old or the new whole. */
  void put(String key, byte[] data);

  /**
   * Creates an object only if no object has that key. Atomic: of several concurrent callers for one
   * key, exactly one succeeds; the others get {@link ObjectAlreadyExistsException}. A crash at any
   * point never leaves a partial object under {@code key}.
   */
  void putIfAbsent(String key, byte[] data) throws ObjectAlreadyExistsException;

  /** Deletes an object. Deleting a missing object is not an error. */
  void delete(String key);

  /** The URI Lance should use for the dataset stored under {@code key}. */
  String lanceUri(String key);

  /** The Lance storage options for datasets in this store (empty for local disk). */
  Map<String, String> lanceStorageOptions();

  /**
   * Whether a file Lance writes here can come out short without Lance reporting an error, so that
   * the files of a staged write must be read back before it is committed. True for local disk: on a
   * full volume Lance has returned from writing a deletion file that was too short to read
   * (docs/storage.md). False for object stores, which store an object whole or not at all.
   */
  default boolean lanceWritesNeedReadBack() {
    return false;
  }

  /** A human-readable description of the root, for logs and errors. */
  String describe();

  @Override
  void close();
}
