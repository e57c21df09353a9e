package io.ingraft.app.cli;

import io.ingraft.app.config.ConfigSources;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.storage.StorageConfig;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where the graphs are: the settings of {@link ConfigOptions} ({@code --config}, environment,
 * {@code --set}) with explicit {@code --storage-root} and S3 options on top. The S3 secret key is
 * not an option any more: {@code --s3-secret-key} still works but is deprecated with a warning,
 * since the command line is visible in {@code ps}; the key comes from {@code
 * INGRAFT_STORAGE_S3_SECRET_KEY}, a config provider, or AWS's own {@code AWS_ACCESS_KEY_ID} and
 * {@code AWS_SECRET_ACCESS_KEY} when no key is configured.
 */
final class StorageOptions {
  @Mixin ConfigOptions settings;

  @Option(
      names = "--storage-root",
      paramLabel = "DIR|s3://BUCKET/PREFIX",
      description = "Storage root (default: ./ingraft-data, or storage.root from --config).")
  String storageRoot;

  @Option(names = "--s3-endpoint", paramLabel = "URL", description = "S3 endpoint override.")
  String s3Endpoint;

  @Option(names = "--s3-region", paramLabel = "REGION", description = "S3 region.")
  String s3Region;

  @Option(names = "--s3-access-key", paramLabel = "KEY", description = "S3 access key id.")
  String s3AccessKey;

  @Option(
      names = "--s3-secret-key",
      paramLabel = "KEY",
      hidden = true,
      description = "Deprecated: use INGRAFT_STORAGE_S3_SECRET_KEY or a config provider.")
  String s3SecretKey;

  /** The storage options as settings. */
  Map<String, String> overrides() {
    Map<String, String> settings = new HashMap<>();
    put(settings, StorageConfig.ROOT, storageRoot);
    put(settings, StorageConfig.S3_ENDPOINT, s3Endpoint);
    put(settings, StorageConfig.S3_REGION, s3Region);
    put(settings, StorageConfig.S3_ACCESS_KEY, s3AccessKey);
    if (s3SecretKey != null) {
      Notices.warn(
          "--s3-secret-key is deprecated and will be removed: a secret on the command line is"
              + " visible to every user of the machine (ps). Set INGRAFT_STORAGE_S3_SECRET_KEY,"
              + " or storage.s3.secret-key=${file:...} with a config provider"
              + " (docs/operations.md, \"Secrets\")");
      settings.put(StorageConfig.S3_SECRET_KEY, s3SecretKey);
    }
    return settings;
  }

  /** The configuration: settings, storage options, then {@code more} (a command's own). */
  IngraftConfig toConfig(Map<String, String> more) {
    return sources(more).config();
  }

  /** The sources behind {@link #toConfig}, for commands that must know what was set. */
  ConfigSources sources(Map<String, String> more) {
    Map<String, String> all = overrides();
    all.putAll(more);
    return settings.sources(all);
  }

  private static void put(Map<String, String> settings, String key, String value) {
    if (value != null) {
      settings.put(key, value);
    }
  }
}
