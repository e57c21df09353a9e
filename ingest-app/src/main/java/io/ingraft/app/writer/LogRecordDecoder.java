package io.ingraft.app.writer;

import io.ingraft.engine.event.GraphEvent;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.Seal;
import io.ingraft.storage.GraphId;

/**
 * Decodes a graph-log record value whole: a seal, an engine event, or the reason it is a bad record
 * ({@link GraphWriter#BAD_LOG_RECORD}). The poll thread uses it for the records whose head it
 * cannot read cheaply (seals, JSON, bad records), the workers for every buffered event at apply
 * time, so a bad record gets the same reason wherever it is found. Thread-safe.
 */
final class LogRecordDecoder {
  /** What a record value decodes to. */
  sealed interface Decoded permits Sealed, Event, Bad {}

  /** A seal closing a batch. */
  record Sealed(Seal seal) implements Decoded {}

  /** A logged event, mapped for the engine. */
  record Event(GraphEvent event) implements Decoded {}

  /** A record that does not decode or map: its dead letter says {@code reason}. */
  record Bad(String reason) implements Decoded {}

  private final GraphLogCodec codec = new GraphLogCodec();
  private final EventMapper mapper;

  LogRecordDecoder(String graphLogTopic) {
    this.mapper = new EventMapper(graphLogTopic);
  }

  /** Decodes the value of the record at {@code offset} of graph-log partition {@code partition}. */
  Decoded decode(byte[] value, int partition, long offset) {
    GraphLogRecord decoded;
    try {
      if (value == null) {
        throw new IllegalArgumentException("record has no value");
      }
      decoded = codec.decode(value);
    } catch (RuntimeException e) {
      return new Bad(e.getMessage());
    }
    if (decoded.getEntry() instanceof Seal seal) {
      return new Sealed(seal);
    }
    try {
      GraphEvent event = mapper.map((LoggedEvent) decoded.getEntry(), partition, offset);
      GraphId.of(event.graph());
      return new Event(event);
    } catch (RuntimeException e) {
      return new Bad("cannot map the event: " + e.getMessage());
    }
  }
}
