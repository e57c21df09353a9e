package io.ingraft.engine.write;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ingraft.engine.EventRejectedException;
import io.ingraft.engine.RejectionCode;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.load.LoadLimits;
import io.ingraft.engine.load.LoadSource;
import io.ingraft.engine.load.LoadSources;
import io.ingraft.storage.object.ObjectNotFoundException;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns a load that names a file ({@code uri}) into an inline load, so staging sees one shape. The
 * file is JSON lines in the engine's export format: {@code {"kind":"node","type":T,"key":k,
 * "props":{..}}} and {@code {"kind":"edge","type":E,"id"?:s,"from":k,"to":k,"props":{..}}}, so an
 * export of one graph loads into another; a {@code .parquet} file holds the same rows as columns.
 *
 * <p>Only what {@link LoadSources} allows is read, and within its {@link LoadLimits}: the read runs
 * on a reader thread of its own, the caller waits at most the timeout (a read that blocks, such as
 * a FIFO swapped in after the checks, costs a reader thread, never a writer worker), at most {@code
 * maxBytes} bytes are read and at most {@code maxRows} rows kept. Errors name the uri and a line
 * number, never the file's content.
 */
public final class LoadFiles {
  /**
   * A node line's top-level {@code key}; staging puts it under the type's key property. It cannot
   * collide with a property: property names start with a letter.
   */
  public static final String KEY_MARKER = "$key";

  /** Deepest JSON nesting of one line (a property value is at most a list of scalars). */
  static final int MAX_NESTING = 16;

  private static final ObjectMapper JSON =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
                  .build())
          .build();

  private final LoadSources sources;
  private final ExecutorService readers;

  public LoadFiles(LoadSources sources) {
    this.sources = sources;
    AtomicInteger threads = new AtomicInteger();
    // A cached pool of daemon threads: a read stuck in the kernel holds its own thread only.
    this.readers =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            runnable -> {
              Thread thread =
                  new Thread(runnable, "ingraft-load-reader-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  /** The rows of a load file, by type. */
  private record Rows(
      Map<String, List<Map<String, Object>>> nodes, Map<String, List<Map<String, Object>>> edges) {
    Rows() {
      this(new LinkedHashMap<>(), new LinkedHashMap<>());
    }
  }

  /**
   * The event itself, or, for a file load, the same event with the file's rows inline.
   *
   * @throws EventRejectedException with {@link RejectionCode#LOAD_SOURCE_REFUSED}, {@link
   *     RejectionCode#LOAD_TOO_LARGE}, {@link RejectionCode#LOAD_TIMEOUT} or {@link
   *     RejectionCode#BAD_LOAD}
   */
  public GraphEvent inline(GraphEvent event) {
    if (!(event.body() instanceof EventBody.Load load) || load.uri() == null) {
      return event;
    }
    LoadSource source = sources.resolve(event.graph(), load.uri());
    LoadLimits limits = sources.limits();
    long deadline = System.nanoTime() + limits.timeout().toNanos();
    Future<Rows> read = readers.submit(() -> read(source, limits, deadline));
    Rows rows;
    try {
      rows = read.get(limits.timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      read.cancel(true);
      throw timedOut(source, limits);
    } catch (InterruptedException e) {
      read.cancel(true);
      Thread.currentThread().interrupt();
      throw new EventRejectedException(
          RejectionCode.LOAD_TIMEOUT,
          "interrupted while reading " + "load file " + quoted(source.uri()));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof EventRejectedException rejected) {
        throw rejected;
      }
      if (e.getCause() instanceof ObjectNotFoundException) {
        throw LoadSources.notAFile(source.uri());
      }
      // Never the cause's message: it may quote the file.
      throw new EventRejectedException(
          RejectionCode.BAD_LOAD,
          "cannot read load file "
              + quoted(source.uri())
              + " ("
              + e.getCause().getClass().getSimpleName()
              + ")");
    }
    return new GraphEvent(
        event.graph(),
        event.eventId(),
        event.source(),
        event.timestamp(),
        new EventBody.Load(load.mode(), rows.nodes(), rows.edges(), null));
  }

  private static Rows read(LoadSource source, LoadLimits limits, long deadline) throws IOException {
    Rows rows = new Rows();
    if (source.isParquet()) {
      readParquet(source, limits, deadline, rows);
      return rows;
    }
    var decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    int number = 0;
    try (InputStream in = new Bounded(source.open(), source.uri(), limits.maxBytes());
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, decoder))) {
      String line;
      while ((line = readLine(reader, source, number + 1)) != null) {
        number++;
        checkProgress(source, limits, deadline, number);
        if (!line.isBlank()) {
          readLine(source.uri(), number, line, rows);
        }
      }
    }
    return rows;
  }

  private static String readLine(BufferedReader reader, LoadSource source, int number)
      throws IOException {
    try {
      return reader.readLine();
    } catch (CharacterCodingException e) {
      throw bad(source.uri(), number, "not UTF-8");
    }
  }

  /** Parquet is read natively from a local file: an object is copied (bounded) to one first. */
  private static void readParquet(LoadSource source, LoadLimits limits, long deadline, Rows rows)
      throws IOException {
    Path file;
    Path copy = null;
    if (source instanceof LoadSource.LocalFile local) {
      file = local.real();
    } else {
      copy = Files.createTempFile("ingraft-load-", ".parquet");
      try (InputStream in = new Bounded(source.open(), source.uri(), limits.maxBytes())) {
        Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(copy);
        throw e;
      }
      file = copy;
    }
    try {
      ParquetLoadFile.read(
          file,
          source.uri(),
          (number, line) -> {
            checkProgress(source, limits, deadline, number);
            readLine(source.uri(), number, line, rows);
          });
    } finally {
      if (copy != null) {
        Files.deleteIfExists(copy);
      }
    }
  }

  private static void checkProgress(
      LoadSource source, LoadLimits limits, long deadline, long rowNumber) {
    if (rowNumber > limits.maxRows()) {
      throw new EventRejectedException(
          RejectionCode.LOAD_TOO_LARGE,
          "load file "
              + quoted(source.uri())
              + " has more than "
              + limits.maxRows()
              + " rows (ingraft.load.max-rows)");
    }
    if (System.nanoTime() - deadline > 0 || Thread.currentThread().isInterrupted()) {
      throw timedOut(source, limits);
    }
  }

  private static EventRejectedException timedOut(LoadSource source, LoadLimits limits) {
    return new EventRejectedException(
        RejectionCode.LOAD_TIMEOUT,
        "load file "
            + quoted(source.uri())
            + " was not read within "
            + limits.timeout().toMillis()
            + " ms (ingraft.load.timeout-ms)");
  }

  private static void readLine(String uri, int number, String line, Rows rows) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      // Jackson's message quotes the offending token: the file's content stays out of it.
      throw bad(
          uri,
          number,
          "not JSON"
              + (e.getLocation() == null ? "" : " (column " + e.getLocation().getColumnNr() + ")"));
    }
    readLine(uri, number, node, rows);
  }

  @SuppressWarnings("unchecked")
  private static void readLine(String uri, int number, JsonNode node, Rows rows) {
    if (node == null || !node.isObject()) {
      throw bad(uri, number, "not a JSON object");
    }
    String kind = node.path("kind").asText("");
    String type = node.path("type").asText("");
    if (type.isEmpty()) {
      throw bad(uri, number, "missing \"type\"");
    }
    Map<String, Object> row = new HashMap<>();
    JsonNode props = node.get("props");
    if (props != null && !props.isNull()) {
      if (!props.isObject()) {
        throw bad(uri, number, "\"props\" is not an object");
      }
      row.putAll(JSON.convertValue(props, Map.class));
    }
    switch (kind) {
      case "node" -> {
        if (node.has("key")) {
          row.put(KEY_MARKER, JSON.convertValue(node.get("key"), Object.class));
        }
        rows.nodes().computeIfAbsent(type, k -> new ArrayList<>()).add(row);
      }
      case "edge" -> {
        for (String field : List.of("id", "from", "to")) {
          if (node.has(field)) {
            row.put(field, JSON.convertValue(node.get(field), Object.class));
          }
        }
        rows.edges().computeIfAbsent(type, k -> new ArrayList<>()).add(row);
      }
      default -> throw bad(uri, number, "\"kind\" must be node or edge");
    }
  }

  static EventRejectedException bad(String uri, long line, String problem) {
    return new EventRejectedException(
        RejectionCode.BAD_LOAD,
        "load file " + quoted(uri) + (line > 0 ? " line " + line : "") + ": " + problem);
  }

  private static String quoted(String uri) {
    String shown = uri.length() > 200 ? uri.substring(0, 200) + "…" : uri;
    return "\"" + shown + "\"";
  }

  /** A stream that refuses to go past {@code max} bytes: the file is too large, not cut. */
  private static final class Bounded extends FilterInputStream {
    private final String uri;
    private final long max;
    private long read;

    Bounded(InputStream in, String uri, long max) {
      super(in);
      this.uri = uri;
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) {
      read += n;
      if (read > max) {
        throw new EventRejectedException(
            RejectionCode.LOAD_TOO_LARGE,
            "load file "
                + quoted(uri)
                + " has more than "
                + max
                + " bytes (ingraft.load.max-bytes)");
      }
    }
  }
}
