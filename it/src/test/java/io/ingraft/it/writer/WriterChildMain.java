package io.ingraft.it.writer;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.writer.GraphWriter;
import io.ingraft.engine.GraphEngine;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.table.TableStore;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * A graph writer in a child JVM, for crash tests: {@code key=value} arguments are the writer's
 * settings (as in a properties file). It runs until it is killed, or until its standard input ends
 * (the test JVM closed it, or died), when it closes the writer and exits.
 */
public final class WriterChildMain {
  private WriterChildMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> settings = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      settings.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    IngraftConfig config = IngraftConfig.fromMap(settings);
    LocalObjectStore store = new LocalObjectStore(config.storage().localRoot());
    TableStore tables = new TableStore(store);
    GraphEngine engine = new GraphEngine(store, tables, config.writer().id(), Clock.systemUTC());
    try (GraphWriter writer = new GraphWriter(config, engine, Clock.systemUTC())) {
      writer.start();
      System.out.println("writer started");
      while (System.in.read() != -1) {
        // Nothing to read: the end of input is the signal.
      }
    } finally {
      tables.close();
      store.close();
    }
  }
}
