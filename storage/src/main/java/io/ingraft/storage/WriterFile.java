package io.ingraft.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.storage.json.StrictJsonMapper;
import io.ingraft.storage.object.ObjectNotFoundException;
import io.ingraft.storage.object.ObjectStore;
import java.io.IOException;
import java.util.Optional;

/**
 * One JSON file in a graph's {@code _writer/} folder, next to its manifests: something the graph's
 * writer records about its own state outside the manifest chain (why the graph is stopped, that it
 * is stuck retrying, which of its versions' commit notices go out with which offset commit). Each
 * file holds one value of type {@code T}, replaced whole by every write.
 *
 * @param <T> the record the file holds
 */
public final class WriterFile<T> {
  private final ObjectStore store;
  private final String name;
  private final Class<T> type;
  private final ObjectMapper json = StrictJsonMapper.create();

  /**
   * @param name the file's name in the graph's {@code _writer/} folder
   */
  public WriterFile(ObjectStore store, String name, Class<T> type) {
    this.store = store;
    this.name = name;
    this.type = type;
  }

  /** The file's object key for {@code graph}. */
  public String key(GraphId graph) {
    return new GraphLayout(graph).root() + "_writer/" + name;
  }

  /** Writes the graph's file (replacing an older one). */
  public void write(GraphId graph, T value) {
    try {
      store.put(key(graph), json.writeValueAsBytes(value));
    } catch (IOException e) {
      throw new StorageIoException(key(graph), "write " + name, e);
    }
  }

  /**
   * The graph's file, if it has one.
   *
   * @throws StorageIoException if it exists but does not parse
   */
  public Optional<T> read(GraphId graph) {
    byte[] bytes;
    try {
      bytes = store.read(key(graph));
    } catch (ObjectNotFoundException e) {
      return Optional.empty();
    }
    try {
      return Optional.of(json.readValue(bytes, type));
    } catch (IOException e) {
      throw new StorageIoException(key(graph), "read " + name, e);
    }
  }

  /** Removes the graph's file (nothing happens if there is none). */
  public void clear(GraphId graph) {
    store.delete(key(graph));
  }
}
