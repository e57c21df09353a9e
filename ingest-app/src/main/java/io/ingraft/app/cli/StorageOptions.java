package io.ingraft.app.cli;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.storage.StorageConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where the graphs are: {@code --config FILE} (the pipeline's properties file) and/or explicit
 * {@code --storage-root} and S3 options, which win over the file.
 */
final class StorageOptions {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Properties file (see docs/operations.md).")
  Path config;

  @Option(
      names = "--storage-root",
      paramLabel = "DIR|s3://BUCKET/PREFIX",
      description = "Storage root (default: ./ingraft-data, or storage.root from --config).")
  String storageRoot;

  @Option(names = "--s3-endpoint", paramLabel = "URL", description = "S3 endpoint override.")
  String s3Endpoint;

  @Option(names = "--s3-region", paramLabel = "REGION", description = "S3 region.")
  String s3Region;

  @Option(names = "--s3-access-key", paramLabel = "KEY", description = "S3 access key.")
  String s3AccessKey;

  @Option(names = "--s3-secret-key", paramLabel = "KEY", description = "S3 secret key.")
  String s3SecretKey;

  /** Settings from the file with the command-line options on top. */
  Map<String, String> overrides() {
    Map<String, String> settings = new HashMap<>();
    put(settings, StorageConfig.ROOT, storageRoot);
    put(settings, StorageConfig.S3_ENDPOINT, s3Endpoint);
    put(settings, StorageConfig.S3_REGION, s3Region);
    put(settings, StorageConfig.S3_ACCESS_KEY, s3AccessKey);
    put(settings, StorageConfig.S3_SECRET_KEY, s3SecretKey);
    return settings;
  }

  IngraftConfig toConfig(Map<String, String> more) {
    Map<String, String> settings = overrides();
    settings.putAll(more);
    return config == null ? IngraftConfig.fromMap(settings) : IngraftConfig.load(config, settings);
  }

  private static void put(Map<String, String> settings, String key, String value) {
    if (value != null) {
      settings.put(key, value);
    }
  }
}
