package io.ingraft.app.topology;

import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The batching state of one graph, kept in the sealing step's store: the open batch (events, bytes,
 * when it opened by the wall clock) and the sequence number its seal will carry. A graph whose
 * batch is sealed keeps its entry, so its sequence numbers go on from where they were.
 */
record BatchState(int events, long bytes, long openedAtMs, long nextSequence) {
  static final BatchState NEW = new BatchState(0, 0, 0, 0);

  boolean isOpen() {
    return events > 0;
  }

  /** This state with one more event of {@code size} bytes, opened at {@code nowMs} if empty. */
  BatchState add(long size, long nowMs) {
    return new BatchState(events + 1, bytes + size, isOpen() ? openedAtMs : nowMs, nextSequence);
  }

  /** The state after this batch's seal: empty, next sequence number. */
  BatchState sealed() {
    return new BatchState(0, 0, 0, nextSequence + 1);
  }

  /** Fixed-width binary, with a version byte so that the layout can change later. */
  static final class StoreSerde
      implements Serde<BatchState>, Serializer<BatchState>, Deserializer<BatchState> {
    private static final byte VERSION = 1;
    private static final int SIZE = 1 + 4 + 8 + 8 + 8;

    @Override
    public byte[] serialize(String topic, BatchState state) {
      if (state == null) {
        return null;
      }
      return ByteBuffer.allocate(SIZE)
          .put(VERSION)
          .putInt(state.events)
          .putLong(state.bytes)
          .putLong(state.openedAtMs)
          .putLong(state.nextSequence)
          .array();
    }

    @Override
    public BatchState deserialize(String topic, byte[] data) {
      if (data == null) {
        return null;
      }
      if (data.length != SIZE || data[0] != VERSION) {
        throw new SerializationException(
            "not a batch state (version "
                + VERSION
                + ", "
                + SIZE
                + " bytes): "
                + data.length
                + " bytes");
      }
      ByteBuffer buffer = ByteBuffer.wrap(data, 1, SIZE - 1);
      return new BatchState(buffer.getInt(), buffer.getLong(), buffer.getLong(), buffer.getLong());
    }

    @Override
    public Serializer<BatchState> serializer() {
      return this;
    }

    @Override
    public Deserializer<BatchState> deserializer() {
      return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {}

    @Override
    public void close() {}
  }
}
