package io.ingraft.app.cli;

import io.ingraft.engine.GraphEngine;
import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.lang.management.ManagementFactory;
import java.time.Clock;

/** The storage a CLI command works on: object store, table store and an engine, closed together. */
final class StorageSession implements AutoCloseable {
  final ObjectStore store;
  final TableStore tables;
  final GraphEngine engine;

  StorageSession(StorageConfig config) {
    this.store = ObjectStore.open(config);
    this.tables = new TableStore(store);
    this.engine =
        new GraphEngine(
            store,
            tables,
            "cli-" + ManagementFactory.getRuntimeMXBean().getName().replace('@', '-'),
            Clock.systemUTC());
  }

  @Override
  public void close() {
    tables.close();
    store.close();
  }
}
