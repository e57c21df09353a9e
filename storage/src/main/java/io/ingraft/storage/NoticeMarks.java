package io.ingraft.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.storage.json.StrictJsonMapper;
import io.ingraft.storage.object.ObjectNotFoundException;
import io.ingraft.storage.object.ObjectStore;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The {@link NoticeMark}s of each graph, one file per owner epoch under {@code
 * graphs/<id>/_writer/notice-marks/}: the mark that counts is the one of the highest epoch. Writes
 * are not fenced like manifest publishes, so keying them by epoch is what keeps a late write of a
 * former owner from replacing the current owner's mark. Older epochs' files are removed after each
 * write (best effort: a leftover is ignored).
 */
public final class NoticeMarks {
  private final ObjectStore store;
  private final ObjectMapper json = StrictJsonMapper.create();

  public NoticeMarks(ObjectStore store) {
    this.store = store;
  }

  private static String folder(GraphId graph) {
    return new GraphLayout(graph).root() + "_writer/notice-marks/";
  }

  private static String key(GraphId graph, long epoch) {
    return folder(graph) + String.format("%020d.json", epoch);
  }

  /** Records the mark under its epoch (replacing that epoch's older mark). */
  public void write(GraphId graph, NoticeMark mark) {
    String key = key(graph, mark.epoch());
    try {
      store.put(key, json.writeValueAsBytes(mark));
    } catch (IOException e) {
      throw new StorageIoException(key, "write the notice mark", e);
    }
    try {
      for (String older : store.list(folder(graph))) {
        if (older.compareTo(key) < 0) {
          store.delete(older);
        }
      }
    } catch (RuntimeException e) {
      // Leftovers of older epochs are ignored by read().
    }
  }

  /**
   * The mark of the highest epoch, if any.
   *
   * @throws StorageIoException if it does not parse
   */
  public Optional<NoticeMark> read(GraphId graph) {
    List<String> keys = store.list(folder(graph));
    if (keys.isEmpty()) {
      return Optional.empty();
    }
    String newest = keys.stream().max(String::compareTo).orElseThrow();
    try {
      return Optional.of(json.readValue(store.read(newest), NoticeMark.class));
    } catch (ObjectNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StorageIoException(newest, "read the notice mark", e);
    }
  }
}
