package io.ingraft.storage.object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.StorageIoException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The object store contract on a local directory, plus what only a file system can show. */
class LocalObjectStoreTest extends ObjectStoreContractTest {
  @TempDir Path dir;

  private Path root;

  @Override
  protected ObjectStore newStore() {
    root = dir.resolve("nested/store-root");
    return new LocalObjectStore(root);
  }

  @Test
  void rootIsCreatedWhenMissing() {
    assertThat(root).isDirectory();
    assertThat(((LocalObjectStore) store).root()).isEqualTo(root.toAbsolutePath());
  }

  @Test
  void leftoverTempFilesAreNeverListed() throws IOException {
    store.put("a/k", bytes("k"));
    Files.write(root.resolve(".ingraft-tmp-crashed"), bytes("partial"));
    Files.write(root.resolve("a/.ingraft-tmp-crashed"), bytes("partial"));

    assertThat(store.list("")).containsExactly("a/k");
    assertThat(store.list("a/")).containsExactly("a/k");
    assertThat(store.list(".ingraft")).isEmpty();
    assertThat(store.list("a/.ingraft")).isEmpty();
  }

  @Test
  void writesLeaveNoTempFilesBehind() throws IOException {
    store.put("d/put", bytes("1"));
    store.put("d/put", bytes("2"));
    store.putIfAbsent("d/pia", bytes("3"));
    assertThatThrownBy(() -> store.putIfAbsent("d/pia", bytes("4")))
        .isInstanceOf(ObjectAlreadyExistsException.class);

    assertThat(filesUnder(root)).containsExactly("d/pia", "d/put");
    // The published file is the temp file's inode; with the temp name gone it has one link.
    assertThat(Files.getAttribute(root.resolve("d/pia"), "unix:nlink")).isEqualTo(1);
  }

  @Test
  void putIfAbsentOverAFolderIsAFaultNotALostRace() {
    // Local-only: on S3 "a" and "a/b" can coexist, here "a" is a directory.
    store.put("a/b", bytes("x"));

    assertThatThrownBy(() -> store.putIfAbsent("a", bytes("y")))
        .isInstanceOf(StorageIoException.class);
    assertThatThrownBy(() -> store.put("a/b/c", bytes("y"))).isInstanceOf(StorageIoException.class);
  }

  @Test
  void lanceUriIsTheAbsolutePathAndNeedsNoOptions() {
    assertThat(store.lanceUri("graphs/g1/nodes/Person.lance"))
        .isEqualTo(root.toAbsolutePath().resolve("graphs/g1/nodes/Person.lance").toString());
    assertThat(Path.of(store.lanceUri("x.lance"))).isAbsolute();
    assertThat(store.lanceStorageOptions()).isEmpty();
  }

  @Test
  void openWithLocalConfigGivesALocalStore() {
    try (ObjectStore opened = ObjectStore.open(StorageConfig.local(dir.resolve("opened")))) {
      assertThat(opened).isInstanceOf(LocalObjectStore.class);
      opened.put("k", bytes("v"));
      assertThat(dir.resolve("opened/k")).hasContent("v");
    }
  }

  private static List<String> filesUnder(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .map(file -> root.relativize(file).toString())
          .sorted()
          .collect(Collectors.toList());
    }
  }
}
