package io.ingraft.storage.object;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@link ObjectStore} contract, run unchanged against every implementation: what the manifest
 * log and the recovery sidecars rely on, above all that put-if-absent has exactly one winner.
 */
abstract class ObjectStoreContractTest {
  private static final int RACE_WRITERS = 16;
  private static final int RACE_ROUNDS = 20;

  protected ObjectStore store;

  /** A new, empty store for one test. */
  protected abstract ObjectStore newStore() throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void putThenReadRoundTrips() {
    byte[] data = randomBytes(1, 100_000);
    store.put("graphs/g1/blob.bin", data);

    assertThat(store.read("graphs/g1/blob.bin")).isEqualTo(data);
    assertThat(store.readIfExists("graphs/g1/blob.bin"))
        .hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(data));
  }

  @Test
  void emptyObjectRoundTrips() {
    store.put("empty", new byte[0]);
    store.putIfAbsent("also-empty", new byte[0]);

    assertThat(store.read("empty")).isEmpty();
    assertThat(store.read("also-empty")).isEmpty();
    assertThat(store.list("")).containsExactly("also-empty", "empty");
  }

  @Test
  void putOverwritesWholeObject() {
    store.put("k", randomBytes(2, 50_000));
    store.put("k", bytes("short"));

    assertThat(store.read("k")).isEqualTo(bytes("short"));
    assertThat(store.list("")).containsExactly("k");
  }

  @Test
  void readIfExistsOfMissingKeyIsEmpty() {
    assertThat(store.readIfExists("missing")).isEmpty();
    assertThat(store.readIfExists("no/such/dir/missing")).isEmpty();
  }

  @Test
  void readOfMissingKeyThrowsNotFoundWithKey() {
    assertThatThrownBy(() -> store.read("graphs/g1/missing.json"))
        .isInstanceOfSatisfying(
            ObjectNotFoundException.class,
            e -> assertThat(e.key()).isEqualTo("graphs/g1/missing.json"));
  }

  @Test
  void aFolderOfOtherKeysIsNotAnObject() {
    store.put("folder/child", bytes("x"));

    assertThat(store.readIfExists("folder")).isEmpty();
    assertThatThrownBy(() -> store.read("folder")).isInstanceOf(ObjectNotFoundException.class);
    store.delete("folder");
    assertThat(store.read("folder/child")).isEqualTo(bytes("x"));
  }

  @Test
  void putIfAbsentCreatesOnceAndKeepsTheOriginal() {
    store.putIfAbsent("manifest/0001.json", bytes("first"));

    assertThatThrownBy(() -> store.putIfAbsent("manifest/0001.json", bytes("second")))
        .isInstanceOfSatisfying(
            ObjectAlreadyExistsException.class,
            e -> assertThat(e.key()).isEqualTo("manifest/0001.json"));
    assertThat(store.read("manifest/0001.json")).isEqualTo(bytes("first"));
    assertThat(store.list("manifest/")).containsExactly("manifest/0001.json");
  }

  @Test
  void putIfAbsentFailsOverAPlainPutAndSucceedsAfterDelete() {
    store.put("k", bytes("put"));
    assertThatThrownBy(() -> store.putIfAbsent("k", bytes("pia")))
        .isInstanceOf(ObjectAlreadyExistsException.class);

    store.delete("k");
    store.putIfAbsent("k", bytes("pia"));
    assertThat(store.read("k")).isEqualTo(bytes("pia"));
  }

  @Test
  void listIsSortedByWholeKeyAndRecursive() {
    // Inserted out of order; '-' < '.' < '/' < letters, so a tree walk order would be wrong.
    List<String> keys = List.of("b", "a/c", "a/b/z", "a-b", "ab", "a/b/a", "a.txt", "a/b/m/deep");
    for (String key : keys) {
      store.put(key, bytes(key));
    }

    assertThat(store.list(""))
        .containsExactly("a-b", "a.txt", "a/b/a", "a/b/m/deep", "a/b/z", "a/c", "ab", "b");
    assertThat(store.list("", null)).isEqualTo(store.list(""));
  }

  @Test
  void listFiltersByPrefix() {
    for (String key : List.of("a/b/a", "a/b/z", "a/bc", "a/c", "ab", "b/x")) {
      store.put(key, bytes(key));
    }

    assertThat(store.list("a/")).containsExactly("a/b/a", "a/b/z", "a/bc", "a/c");
    assertThat(store.list("a/b/")).containsExactly("a/b/a", "a/b/z");
    assertThat(store.list("a/b")).containsExactly("a/b/a", "a/b/z", "a/bc");
    assertThat(store.list("a")).containsExactly("a/b/a", "a/b/z", "a/bc", "a/c", "ab");
    assertThat(store.list("a/b/z")).containsExactly("a/b/z");
    assertThat(store.list("c")).isEmpty();
    assertThat(store.list("no/such/dir/")).isEmpty();
    assertThat(store.list("a/b/z/")).isEmpty(); // an object is not a folder
  }

  @Test
  void listStartsStrictlyAfterTheGivenKey() {
    for (String key : List.of("m/0001", "m/0002", "m/0003", "m/sub/0004", "n")) {
      store.put(key, bytes(key));
    }

    assertThat(store.list("m/", "m/0001")).containsExactly("m/0002", "m/0003", "m/sub/0004");
    assertThat(store.list("m/", "m/00025")).containsExactly("m/0003", "m/sub/0004");
    assertThat(store.list("m/", "a")).containsExactly("m/0001", "m/0002", "m/0003", "m/sub/0004");
    assertThat(store.list("m/", "m/sub/0004")).isEmpty();
    assertThat(store.list("", "m/0003")).containsExactly("m/sub/0004", "n");
    assertThat(store.list("", "z")).isEmpty();
  }

  @Test
  void statGivesSizeAndTimeAndNothingForFoldersOrMissingKeys() {
    java.time.Instant before = java.time.Instant.now().minusSeconds(60);
    store.put("s/sub/k", bytes("hello"));

    ObjectInfo info = store.stat("s/sub/k").orElseThrow();
    assertThat(info.key()).isEqualTo("s/sub/k");
    assertThat(info.size()).isEqualTo(5);
    assertThat(info.lastModified()).isAfter(before);
    assertThat(store.stat("s/sub")).as("a folder").isEmpty();
    assertThat(store.stat("s/missing")).isEmpty();
  }

  @Test
  void childFoldersAreTheFirstLevelOnly() {
    store.put("graphs/b/_manifest/1.json", bytes("x"));
    store.put("graphs/a/nodes/N.lance/data/f", bytes("x"));
    store.put("graphs/a/_manifest/1.json", bytes("x"));
    store.put("graphs/top-level-object", bytes("x"));
    store.put("other/c/k", bytes("x"));

    assertThat(store.childFolders("graphs/")).containsExactly("a", "b");
    assertThat(store.childFolders("")).containsExactly("graphs", "other");
    assertThat(store.childFolders("nothing/")).isEmpty();
    assertThatThrownBy(() -> store.childFolders("graphs"))
        .isInstanceOf(InvalidObjectKeyException.class);
  }

  @Test
  void deleteIsIdempotent() {
    store.delete("never/existed");
    store.put("d/k", bytes("x"));

    store.delete("d/k");
    store.delete("d/k");

    assertThat(store.readIfExists("d/k")).isEmpty();
    assertThat(store.list("")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "/abs",
        "a/",
        "a//b",
        "a/../b",
        "..",
        ".",
        "./a",
        "a/.",
        "a\\b",
        "a/\u0000b",
        "line\nbreak",
        ".ingraft-tmp-x",
        "a/.ingraft-tmp-1/b"
      })
  void invalidKeysAreRejectedBeforeAnyIo(String key) {
    List<Consumer<String>> operations =
        List.of(
            store::read,
            store::readIfExists,
            k -> store.put(k, bytes("x")),
            k -> store.putIfAbsent(k, bytes("x")),
            store::delete,
            store::lanceUri);
    for (Consumer<String> operation : operations) {
      assertThatThrownBy(() -> operation.accept(key))
          .isInstanceOfSatisfying(
              InvalidObjectKeyException.class, e -> assertThat(e.key()).isEqualTo(key));
    }
    assertThat(store.list("")).isEmpty();
  }

  @Test
  void nullKeyIsRejected() {
    assertThatThrownBy(() -> store.put(null, bytes("x")))
        .isInstanceOf(InvalidObjectKeyException.class);
    assertThatThrownBy(() -> store.list(null)).isInstanceOf(InvalidObjectKeyException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/a", "a//", "../", "a/../b/", "./", "a\\b", ".ingraft-tmp-1/"})
  void invalidListPrefixesAreRejected(String prefix) {
    assertThatThrownBy(() -> store.list(prefix))
        .isInstanceOfSatisfying(
            InvalidObjectKeyException.class, e -> assertThat(e.key()).isEqualTo(prefix));
  }

  @Test
  void lanceUriIsStableAndEndsWithTheKey() {
    assertThat(store.lanceUri("graphs/g1/nodes/Person.lance"))
        .endsWith("/graphs/g1/nodes/Person.lance")
        .isEqualTo(store.lanceUri("graphs/g1/nodes/Person.lance"));
    assertThat(store.describe()).isNotBlank();
  }

  /**
   * THE race: many writers put-if-absent one fresh key at the same instant. Exactly one must win,
   * and the stored bytes must be the winner's, whole. A lister runs alongside and must never see
   * anything but finished keys.
   */
  @Test
  void putIfAbsentRaceHasExactlyOneWinnerPerRound() throws Exception {
    ExecutorService writers = Executors.newFixedThreadPool(RACE_WRITERS);
    AtomicBoolean racing = new AtomicBoolean(true);
    Set<String> listed = ConcurrentHashMap.newKeySet();
    ExecutorService listerThread = Executors.newSingleThreadExecutor();
    Future<Integer> lister =
        listerThread.submit(
            () -> {
              int lists = 0;
              while (racing.get()) {
                listed.addAll(store.list("race/"));
                lists++;
              }
              return lists;
            });
    try {
      for (int round = 0; round < RACE_ROUNDS; round++) {
        String key = String.format("race/round-%03d", round);
        CyclicBarrier barrier = new CyclicBarrier(RACE_WRITERS);
        List<byte[]> contents = new ArrayList<>();
        List<Callable<Boolean>> tasks = new ArrayList<>();
        for (int writer = 0; writer < RACE_WRITERS; writer++) {
          byte[] content = contentOf(round, writer);
          contents.add(content);
          tasks.add(
              () -> {
                barrier.await(30, TimeUnit.SECONDS);
                try {
                  store.putIfAbsent(key, content);
                  return true;
                } catch (ObjectAlreadyExistsException e) {
                  assertThat(e.key()).isEqualTo(key);
                  return false;
                }
              });
        }
        List<Future<Boolean>> outcomes = writers.invokeAll(tasks, 120, TimeUnit.SECONDS);

        List<Integer> winners = new ArrayList<>();
        for (int writer = 0; writer < RACE_WRITERS; writer++) {
          if (outcomes.get(writer).get()) {
            winners.add(writer);
          }
        }
        assertThat(winners).as("winners of round %d", round).hasSize(1);
        assertThat(store.read(key))
            .as("content of round %d", round)
            .isEqualTo(contents.get(winners.get(0)));
      }
    } finally {
      racing.set(false);
      writers.shutdownNow();
      listerThread.shutdown();
    }
    assertThat(lister.get(60, TimeUnit.SECONDS)).isPositive();
    assertThat(listed).allMatch(key -> key.matches("race/round-\\d+") || isServerInFlightName(key));
    List<String> expected = new ArrayList<>();
    for (int round = 0; round < RACE_ROUNDS; round++) {
      expected.add(String.format("race/round-%03d", round));
    }
    assertThat(store.list("race/")).isEqualTo(expected);
  }

  /**
   * Whether a key seen by a list running alongside writes may be the test server's own in-flight
   * name rather than an object; only a store whose test server leaks such names says yes.
   */
  protected boolean isServerInFlightName(String key) {
    return false;
  }

  protected static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }

  protected static byte[] randomBytes(long seed, int size) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  /** Distinct content per writer, of varied size so a torn or mixed write would show. */
  private static byte[] contentOf(int round, int writer) {
    byte[] header = bytes("round " + round + " writer " + writer + "\n");
    byte[] body = randomBytes(round * 1000L + writer, 8_192 + writer * 1_024);
    byte[] content = new byte[header.length + body.length];
    System.arraycopy(header, 0, content, 0, header.length);
    System.arraycopy(body, 0, content, header.length, body.length);
    return content;
  }
}
