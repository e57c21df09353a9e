package io.ingraft.recovery;

import io.ingraft.storage.TableKey;
import io.ingraft.storage.table.StagedWrite;
import java.util.Objects;

/** A staged write for one table of a graph, under the table's manifest key. */
public record TableWrite(String key, StagedWrite staged) {
  public TableWrite {
    TableKey.of(key);
    Objects.requireNonNull(staged, "staged");
  }
}
