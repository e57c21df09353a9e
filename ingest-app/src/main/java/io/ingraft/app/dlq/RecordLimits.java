package io.ingraft.app.dlq;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The largest record the pipeline writes on any hop (stage 1's repartition topic, the graph log,
 * the dead-letter topic) and how a record is measured against it. Topic setup gives those topics
 * this {@code max.message.bytes} and the pipeline's producers this {@code max.request.size}; stage
 * 1 checks every record before it forwards it, so a record that would not fit is dead-lettered
 * ({@link #RECORD_TOO_LARGE}) instead of failing a send and stopping a client.
 */
public final class RecordLimits {
  /**
   * {@code max.message.bytes} of the pipeline's topics and {@code max.request.size} of its
   * producers.
   */
  public static final int MAX_RECORD_BYTES = 4 << 20;

  /**
   * Room kept below {@link #MAX_RECORD_BYTES} for what a hop adds to a record: the batch and record
   * framing, the logged event's source position, a dead letter's reason headers.
   */
  public static final int HEADROOM_BYTES = 64 << 10;

  /** The most a record's key, value and headers may hold to be forwarded by stage 1. */
  public static final int MAX_FORWARDED_BYTES = MAX_RECORD_BYTES - HEADROOM_BYTES;

  /** The dead-letter code of a record too large for a hop (its value is left out). */
  public static final String RECORD_TOO_LARGE = "RECORD_TOO_LARGE";

  private RecordLimits() {}

  /** Bytes of a record's key, value and headers (keys and values of each header). */
  public static long sizeOf(byte[] key, byte[] value, Headers headers) {
    long size = (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
    if (headers != null) {
      for (Header header : headers) {
        size +=
            header.key().getBytes(StandardCharsets.UTF_8).length
                + (header.value() == null ? 0 : header.value().length);
      }
    }
    return size;
  }

  /** Whether a record of {@code size} bytes (see {@link #sizeOf}) may be forwarded. */
  public static boolean fits(long size) {
    return size <= MAX_FORWARDED_BYTES;
  }

  /** The reason message of a {@link #RECORD_TOO_LARGE} dead letter. */
  public static String tooLarge(long size, String where) {
    return "the record has "
        + size
        + " bytes (key, value and headers), more than the "
        + MAX_FORWARDED_BYTES
        + " the pipeline forwards; its key, value and headers are left out"
        + " of this dead letter, the original stays at "
        + where;
  }

  /**
   * The dead letter of a record ({@code key}, {@code value}) read at {@code topic}-{@code
   * partition}@{@code offset}, with {@link DeadLetterHeaders}; when it would not fit the
   * dead-letter topic, a {@link #RECORD_TOO_LARGE} letter without key and value whose message keeps
   * the original code and reason and names where the original stays.
   */
  public static ProducerRecord<byte[], byte[]> deadLetter(
      String dlqTopic,
      byte[] key,
      byte[] value,
      String stage,
      String code,
      String reason,
      String topic,
      int partition,
      long offset,
      String graph,
      String eventId) {
    Headers headers =
        DeadLetterHeaders.of(stage, code, reason, topic, partition, offset, graph, eventId);
    long size = sizeOf(key, value, headers);
    if (fits(size)) {
      return new ProducerRecord<>(dlqTopic, null, key, value, headers);
    }
    Headers tooLarge =
        DeadLetterHeaders.of(
            stage,
            RECORD_TOO_LARGE,
            code + ": " + reason + "; " + tooLarge(size, topic + "-" + partition + "@" + offset),
            topic,
            partition,
            offset,
            graph,
            eventId);
    return new ProducerRecord<>(dlqTopic, null, (byte[]) null, new byte[0], tooLarge);
  }
}
