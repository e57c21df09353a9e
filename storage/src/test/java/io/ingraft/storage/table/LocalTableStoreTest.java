package io.ingraft.storage.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.object.ObjectStore;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The table store contract on a local directory (a fresh temp dir per test). */
class LocalTableStoreTest extends TableStoreContractTest {
  @TempDir Path dir;

  @Override
  protected ObjectStore newStore() {
    return ObjectStore.open(StorageConfig.local(dir.resolve("root")));
  }

  @Test
  void tablesLiveUnderTheStoreRoot() {
    tables.create(PERSON, PERSON_SCHEMA, "id");

    assertThat(dir.resolve("root").resolve(PERSON).resolve("_versions")).isDirectory();
  }

  @Test
  void lanceFailuresAreClassifiedByTheAdapter() {
    assertThat(
            LanceErrors.classify(
                new RuntimeException(
                    "Retryable commit conflict for version "
                        + "3: This Delete transaction was preempted by concurrent transaction Delete at version 3."
                        + " Please retry.")))
        .isEqualTo(LanceErrors.Kind.CONFLICT);
    assertThat(
            LanceErrors.classify(
                new RuntimeException(
                    "Incompatible transaction: This Append "
                        + "transaction is incompatible with concurrent transaction Overwrite at version 3.")))
        .isEqualTo(LanceErrors.Kind.CONFLICT);
    assertThat(
            LanceErrors.classify(
                new RuntimeException("Too many concurrent writers. Attempted 0 retries.")))
        .isEqualTo(LanceErrors.Kind.CONFLICT);
    assertThat(
            LanceErrors.classify(
                new IllegalArgumentException(
                    "Dataset at path /x/_versions/9.manifest was not found")))
        .isEqualTo(LanceErrors.Kind.NOT_FOUND);
    assertThat(LanceErrors.classify(new IllegalArgumentException("Dataset already exists")))
        .isEqualTo(LanceErrors.Kind.ALREADY_EXISTS);
    assertThat(LanceErrors.classify(new IllegalArgumentException("Dataset is closed")))
        .isEqualTo(LanceErrors.Kind.CLOSED);
    assertThat(LanceErrors.classify(new IOException("LanceError(IO): Generic S3 error")))
        .isEqualTo(LanceErrors.Kind.IO);
    assertThat(LanceErrors.onCommit(PERSON, new IOException("disk full")))
        .isInstanceOf(io.ingraft.storage.StorageIoException.class);
    assertThat(
            LanceErrors.onRead(
                PERSON, "open", new IllegalArgumentException("Dataset at path x was not found")))
        .isInstanceOf(TableNotFoundException.class);
  }
}
