package io.ingraft.storage.table;

import io.ingraft.storage.object.ObjectInfo;
import io.ingraft.storage.object.ObjectNotFoundException;
import io.ingraft.storage.object.ObjectStore;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.SeekableReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.util.ByteArrayReadableSeekableByteChannel;
import org.lance.FragmentMetadata;
import org.lance.fragment.DataFile;
import org.lance.fragment.DeletionFile;
import org.lance.fragment.DeletionFileType;
import org.roaringbitmap.RoaringBitmap;

/**
 * Reads back the files Lance has just written for a staged write, before the write can be
 * committed: each new data file must be on disk with the size Lance recorded for it, and each new
 * deletion file must be whole: an Arrow IPC file with one record block inside it, or a roaring
 * bitmap that decodes to the deleted-row count Lance recorded. On a full local volume Lance has
 * returned from writing a deletion file that came out too short to read, and a table version
 * committed with it could not be read again (docs/storage.md, "Every file a write stages on local
 * disk is read back before the commit"); found here, the stage fails with a retryable {@link
 * IncompleteFileException} instead, and the write stages again with new files.
 *
 * <p>Runs only where {@link ObjectStore#lanceWritesNeedReadBack} says a write can come out short
 * (local disk); an object store keeps an object whole or not at all, and a read back there would
 * add a round trip per file. The cost on local disk: one {@code stat} per data file (4-11 µs) and
 * one read of each deletion file (bytes to kilobytes, 20-80 µs).
 */
final class WrittenFileCheck {

  private static final String DATA_DIR = "/data/";
  private static final String DELETIONS_DIR = "/_deletions/";

  private final ObjectStore store;
  private final BufferAllocator allocator;
  private final boolean enabled;

  /**
   * Called with each file's key just before it is read back; tests set it to damage the file the
   * way a full volume does. A no-op otherwise.
   */
  volatile Consumer<String> beforeReadBack = key -> {};

  WrittenFileCheck(ObjectStore store, BufferAllocator allocator) {
    this.store = store;
    this.allocator = allocator;
    this.enabled = store.lanceWritesNeedReadBack();
  }

  /** Checks the data files of {@code fragments}, just written for {@code table}. */
  void dataFiles(String table, List<FragmentMetadata> fragments) {
    if (!enabled) {
      return;
    }
    for (FragmentMetadata fragment : fragments) {
      for (DataFile file : fragment.getFiles()) {
        if (file.getBaseId().isPresent()) {
          continue; // a file of another base path: not written under this table
        }
        String key = table + DATA_DIR + file.getPath();
        beforeReadBack.accept(key);
        Long written = file.getFileSizeBytes();
        long expected = written == null ? -1 : written;
        Optional<ObjectInfo> info = store.stat(key);
        if (info.isEmpty()) {
          throw new IncompleteFileException(table, key, -1, expected, "data file missing");
        }
        long onDisk = info.get().size();
        if (expected >= 0 ? onDisk != expected : onDisk == 0) {
          throw new IncompleteFileException(
              table, key, onDisk, expected, "data file not the size Lance wrote");
        }
      }
    }
  }

  /**
   * Checks the deletion file of {@code fragment}, just written for {@code table}, if it has one.
   */
  void deletionFile(String table, FragmentMetadata fragment) {
    DeletionFile deletion = fragment.getDeletionFile();
    if (!enabled || deletion == null || deletion.getBaseId().isPresent()) {
      return;
    }
    boolean bitmap = deletion.getFileType() == DeletionFileType.BITMAP;
    // Lance's name for it: _deletions/{fragment id}-{read version}-{id}.{arrow|bin}, the id an
    // unsigned 64-bit number that Java holds as a long.
    String key =
        table
            + DELETIONS_DIR
            + fragment.getId()
            + "-"
            + deletion.getReadVersion()
            + "-"
            + Long.toUnsignedString(deletion.getId())
            + (bitmap ? ".bin" : ".arrow");
    beforeReadBack.accept(key);
    byte[] bytes;
    try {
      bytes = store.read(key);
    } catch (ObjectNotFoundException e) {
      throw new IncompleteFileException(table, key, -1, -1, "deletion file missing");
    }
    Long recorded = deletion.getNumDeletedRows();
    String problem = bitmap ? bitmapProblem(bytes, recorded) : arrowProblem(bytes);
    if (problem != null) {
      throw new IncompleteFileException(table, key, bytes.length, -1, problem);
    }
  }

  /** Why {@code bytes} is not a whole Arrow IPC file with one record block, or null if it is. */
  private String arrowProblem(byte[] bytes) {
    try (BufferAllocator child = allocator.newChildAllocator("read back", 0, Long.MAX_VALUE);
        ArrowFileReader reader =
            new ArrowFileReader(
                new SeekableReadChannel(new ByteArrayReadableSeekableByteChannel(bytes)), child)) {
      List<ArrowBlock> blocks = reader.getRecordBlocks();
      if (blocks.size() != 1) {
        return "Arrow deletion file with " + blocks.size() + " record blocks, Lance reads one";
      }
      ArrowBlock block = blocks.get(0);
      if (block.getOffset() + block.getMetadataLength() + block.getBodyLength() > bytes.length) {
        return "Arrow deletion file whose record block ends past the file";
      }
      return null;
    } catch (Exception e) {
      // Arrow reports a short file as InvalidArrowFileException or as an I/O error of the channel.
      return "Arrow deletion file that does not read back: " + e;
    }
  }

  /** Why {@code bytes} is not a whole roaring bitmap of {@code recorded} rows, or null if it is. */
  private static String bitmapProblem(byte[] bytes, Long recorded) {
    RoaringBitmap bitmap = new RoaringBitmap();
    try {
      bitmap.deserialize(ByteBuffer.wrap(bytes));
    } catch (Exception e) {
      // Truncated input surfaces as an I/O, buffer or index error, depending on where it ends.
      return "bitmap deletion file that does not read back: " + e;
    }
    if (recorded != null && bitmap.getLongCardinality() != recorded) {
      return "bitmap deletion file of "
          + bitmap.getLongCardinality()
          + " rows where Lance recorded "
          + recorded;
    }
    return null;
  }
}
