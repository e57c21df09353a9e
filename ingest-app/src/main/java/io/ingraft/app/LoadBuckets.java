package io.ingraft.app;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.engine.load.LoadRoot;
import io.ingraft.engine.load.LoadSources;
import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.object.S3ObjectStore;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * The object stores of the S3 buckets that load roots name, opened with the storage's own S3 client
 * settings (endpoint, region, addressing, credentials) and closed together, and the {@link
 * LoadSources} the engine reads load files through.
 */
public final class LoadBuckets implements AutoCloseable {
  private final Map<String, ObjectStore> stores = new HashMap<>();
  private final LoadSources sources;

  public LoadBuckets(IngraftConfig config) {
    StorageConfig storage = config.storage();
    for (LoadRoot root : config.loads().roots()) {
      if (root instanceof LoadRoot.Bucket bucket) {
        stores.computeIfAbsent(
            bucket.bucket(),
            name ->
                new S3ObjectStore(
                    new StorageConfig(
                        URI.create("s3://" + name),
                        storage.s3Endpoint(),
                        storage.s3Region(),
                        storage.s3PathStyle(),
                        storage.s3AccessKey(),
                        storage.s3SecretKey())));
      }
    }
    this.sources = new LoadSources(config.loads().roots(), config.loads().limits(), stores);
  }

  public LoadSources sources() {
    return sources;
  }

  @Override
  public void close() {
    stores.values().forEach(ObjectStore::close);
  }
}
