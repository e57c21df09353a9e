package io.ingraft.app.dlq;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers every record on the dead-letter topic carries, next to the original key and value
 * bytes: a stable reason code (a decode error code or an engine rejection code), a human message,
 * where the record came from, its graph (when known) and which stage rejected it.
 */
public final class DeadLetterHeaders {
  public static final String CODE = "ingraft.reason.code";
  public static final String MESSAGE = "ingraft.reason.message";
  public static final String SOURCE_TOPIC = "ingraft.source.topic";
  public static final String SOURCE_PARTITION = "ingraft.source.partition";
  public static final String SOURCE_OFFSET = "ingraft.source.offset";
  public static final String GRAPH = "ingraft.graph";
  public static final String EVENT_ID = "ingraft.event.id";

  /** {@code topology} (stage 1: decoding, shape) or {@code writer} (stage 2: the engine). */
  public static final String STAGE = "ingraft.stage";

  /** Longest message kept in a header: a huge payload never ends up in one. */
  public static final int MAX_MESSAGE_CHARS = 1000;

  private DeadLetterHeaders() {}

  /** The headers of one dead letter. {@code graph} and {@code eventId} may be null. */
  public static Headers of(
      String stage,
      String code,
      String message,
      String sourceTopic,
      int sourcePartition,
      long sourceOffset,
      String graph,
      String eventId) {
    RecordHeaders headers = new RecordHeaders();
    add(headers, STAGE, stage);
    add(headers, CODE, code);
    add(
        headers,
        MESSAGE,
        message == null
            ? ""
            : message.length() > MAX_MESSAGE_CHARS
                ? message.substring(0, MAX_MESSAGE_CHARS) + "…"
                : message);
    add(headers, SOURCE_TOPIC, sourceTopic);
    add(headers, SOURCE_PARTITION, Integer.toString(sourcePartition));
    add(headers, SOURCE_OFFSET, Long.toString(sourceOffset));
    if (graph != null) {
      add(headers, GRAPH, graph);
    }
    if (eventId != null) {
      add(headers, EVENT_ID, eventId);
    }
    return headers;
  }

  /** A header's value as text, or null. */
  public static String text(Headers headers, String key) {
    var header = headers.lastHeader(key);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static void add(Headers headers, String key, String value) {
    headers.add(key, value.getBytes(StandardCharsets.UTF_8));
  }
}
