package io.ingraft.app.writer;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.FailureKind;
import io.ingraft.storage.StorageIoException;
import io.ingraft.storage.table.UnreadableTableDataException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * What a failed apply means for its graph: an I/O fault is retried, data Lance cannot decode stops
 * the graph with its own code (it would fail the same way on every retry), wherever it sits in the
 * cause chain.
 */
class FailureClassifierTest {
  @Test
  void anIoFaultIsRetried() {
    FailureClassifier.Failure failure =
        FailureClassifier.classify(
            new StorageIoException("graphs/g/nodes/N.lance", "scan", new IOException("reset")));
    assertThat(failure.retryable()).isTrue();
  }

  @Test
  void dataLanceCannotDecodeStopsTheGraphWithItsCode() {
    UnreadableTableDataException unreadable =
        new UnreadableTableDataException(
            "graphs/g/nodes/N.lance", "compaction", new IOException("Error decoding batch"));
    FailureClassifier.Failure failure =
        FailureClassifier.classify(new IllegalStateException("apply failed", unreadable));
    assertThat(failure.kind()).isEqualTo(FailureKind.NEEDS_OPERATOR);
    assertThat(failure.code()).isEqualTo(FailureClassifier.UNREADABLE_TABLE);
    assertThat(failure.action()).contains("ingraft graph rebuild");
  }
}
