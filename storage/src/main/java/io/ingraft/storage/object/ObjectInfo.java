package io.ingraft.storage.object;

import java.time.Instant;
import java.util.Objects;

/**
 * What a store knows about one object without reading it: its size and when it was last written
 * (the file's modification time on local disk, {@code LastModified} on S3). Housekeeping uses both:
 * the size to report what a deletion frees, the time to leave young files alone.
 *
 * @param key the object's key, relative to the store's root
 * @param size bytes
 * @param lastModified when the object was last written, by the store's clock
 */
public record ObjectInfo(String key, long size, Instant lastModified) {
  public ObjectInfo {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(lastModified, "lastModified");
  }
}
