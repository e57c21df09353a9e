package io.ingraft.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.storage.json.StrictJsonMapper;
import io.ingraft.storage.object.ObjectNotFoundException;
import io.ingraft.storage.object.ObjectStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link NoticeMark}s of each graph, one file per mark under {@code
 * graphs/<id>/_writer/notice-marks/}, named by its epoch and version and never overwritten. A mark
 * counts once the group's committed offset has reached its position, and then it counts for good;
 * so no write may replace one: a newer mark is not in force until its own commit, and a late write
 * of a former owner must not hide the current owner's. Readers take every mark ({@link #readAll});
 * a new owner prunes those a newer mark in force covers ({@link #pruneBelow}).
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

  private static String key(GraphId graph, NoticeMark mark) {
    return folder(graph) + String.format("%020d-%020d.json", mark.epoch(), mark.version());
  }

  /** Records the mark in a file of its own. */
  public void write(GraphId graph, NoticeMark mark) {
    String key = key(graph, mark);
    try {
      store.put(key, json.writeValueAsBytes(mark));
    } catch (IOException e) {
      throw new StorageIoException(key, "write the notice mark", e);
    }
  }

  /**
   * Every mark of the graph.
   *
   * @throws StorageIoException if one does not parse
   */
  public List<NoticeMark> readAll(GraphId graph) {
    List<NoticeMark> marks = new ArrayList<>();
    for (String key : store.list(folder(graph))) {
      try {
        marks.add(json.readValue(store.read(key), NoticeMark.class));
      } catch (ObjectNotFoundException e) {
        // Pruned meanwhile: a newer mark in force covers it.
      } catch (IOException e) {
        throw new StorageIoException(key, "read the notice mark", e);
      }
    }
    return marks;
  }

  /**
   * Removes the marks of versions below {@code inForce}'s, a mark already in force (the committed
   * offset has reached it): it covers everything they cover. Best effort.
   */
  public void pruneBelow(GraphId graph, NoticeMark inForce) {
    try {
      for (NoticeMark mark : readAll(graph)) {
        if (mark.version() < inForce.version()) {
          store.delete(key(graph, mark));
        }
      }
    } catch (RuntimeException e) {
      // A leftover only costs a read at the next takeover.
    }
  }
}
