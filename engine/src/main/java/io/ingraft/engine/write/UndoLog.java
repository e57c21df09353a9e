package io.ingraft.engine.write;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;

/**
 * Makes one event atomic inside a batch: every change to the pending state goes through here and
 * records its inverse, so a rejected event is undone exactly, without copying the batch state.
 */
final class UndoLog {
  private final Deque<Runnable> inverses = new ArrayDeque<>();

  <K, V> void put(Map<K, V> map, K key, V value) {
    boolean had = map.containsKey(key);
    V previous = map.put(key, value);
    inverses.push(
        () -> {
          if (had) {
            map.put(key, previous);
          } else {
            map.remove(key);
          }
        });
  }

  <K, V> void remove(Map<K, V> map, K key) {
    if (map.containsKey(key)) {
      V previous = map.remove(key);
      inverses.push(() -> map.put(key, previous));
    }
  }

  <T> void add(Set<T> set, T value) {
    if (set.add(value)) {
      inverses.push(() -> set.remove(value));
    }
  }

  <T> void remove(Set<T> set, T value) {
    if (set.remove(value)) {
      inverses.push(() -> set.add(value));
    }
  }

  /** The current event succeeded: its changes stay. */
  void commit() {
    inverses.clear();
  }

  /** The current event failed: undo its changes, newest first. */
  void rollback() {
    while (!inverses.isEmpty()) {
      inverses.pop().run();
    }
  }
}
