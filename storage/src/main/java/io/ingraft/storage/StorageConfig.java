package io.ingraft.storage;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where graphs are stored and how to reach that place: a local directory, or an S3 bucket prefix
 * with its endpoint, region, addressing style and credentials. Built once from properties and
 * validated at start-up; an error names the offending key.
 *
 * <p>Property keys: {@code storage.root} (a path, {@code file:} URI or {@code s3://bucket/prefix}),
 * {@code storage.s3.endpoint}, {@code storage.s3.region}, {@code storage.s3.path-style}, {@code
 * storage.s3.access-key}, {@code storage.s3.secret-key}.
 */
public record StorageConfig(
    URI root,
    Optional<URI> s3Endpoint,
    String s3Region,
    boolean s3PathStyle,
    Optional<String> s3AccessKey,
    Optional<String> s3SecretKey) {

  public static final String ROOT = "storage.root";
  public static final String S3_ENDPOINT = "storage.s3.endpoint";
  public static final String S3_REGION = "storage.s3.region";
  public static final String S3_PATH_STYLE = "storage.s3.path-style";
  public static final String S3_ACCESS_KEY = "storage.s3.access-key";
  public static final String S3_SECRET_KEY = "storage.s3.secret-key";

  public StorageConfig {
    if (root == null) {
      throw new InvalidConfigException(ROOT, "null", "is required");
    }
    if (!isLocal(root) && !"s3".equals(root.getScheme())) {
      throw new InvalidConfigException(ROOT, root.toString(), "scheme must be file or s3");
    }
    if ("s3".equals(root.getScheme()) && (root.getHost() == null || root.getHost().isEmpty())) {
      throw new InvalidConfigException(
          ROOT, root.toString(), "must name a bucket: s3://bucket/prefix");
    }
    if (s3AccessKey.isPresent() != s3SecretKey.isPresent()) {
      throw new InvalidConfigException(S3_ACCESS_KEY, "", "access key and secret key go together");
    }
  }

  /** A local directory root. */
  public static StorageConfig local(Path dir) {
    return new StorageConfig(
        dir.toAbsolutePath().toUri(),
        Optional.empty(),
        "us-east-1",
        true,
        Optional.empty(),
        Optional.empty());
  }

  /** An S3 root reached through an explicit endpoint (s3proxy, MinIO, a VPC endpoint). */
  public static StorageConfig s3(
      String bucket,
      String prefix,
      URI endpoint,
      String region,
      String accessKey,
      String secretKey) {
    String p = prefix == null || prefix.isEmpty() ? "" : "/" + stripSlashes(prefix);
    return new StorageConfig(
        URI.create("s3://" + bucket + p),
        Optional.of(endpoint),
        region,
        true,
        Optional.of(accessKey),
        Optional.of(secretKey));
  }

  /** Builds and validates a config from properties (see the class doc for the keys). */
  public static StorageConfig fromProperties(Map<String, String> props) {
    String rootText = props.get(ROOT);
    if (rootText == null || rootText.isBlank()) {
      throw new InvalidConfigException(ROOT, String.valueOf(rootText), "is required");
    }
    URI root;
    try {
      root =
          rootText.contains("://") || rootText.startsWith("file:")
              ? URI.create(rootText)
              : Path.of(rootText).toAbsolutePath().toUri();
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(ROOT, rootText, "is not a path or URI: " + e.getMessage());
    }
    Optional<URI> endpoint =
        Optional.ofNullable(props.get(S3_ENDPOINT))
            .map(
                text -> {
                  try {
                    URI uri = URI.create(text);
                    if (uri.getScheme() == null || uri.getHost() == null) {
                      throw new IllegalArgumentException("needs scheme and host");
                    }
                    return uri;
                  } catch (IllegalArgumentException e) {
                    throw new InvalidConfigException(
                        S3_ENDPOINT, text, "is not an http(s) URI: " + e.getMessage());
                  }
                });
    String pathStyle = props.getOrDefault(S3_PATH_STYLE, "true");
    if (!pathStyle.equals("true") && !pathStyle.equals("false")) {
      throw new InvalidConfigException(S3_PATH_STYLE, pathStyle, "must be true or false");
    }
    return new StorageConfig(
        root,
        endpoint,
        props.getOrDefault(S3_REGION, "us-east-1"),
        Boolean.parseBoolean(pathStyle),
        Optional.ofNullable(props.get(S3_ACCESS_KEY)),
        Optional.ofNullable(props.get(S3_SECRET_KEY)));
  }

  /** The secret key never shows (logs, error messages). */
  @Override
  public String toString() {
    return "StorageConfig[root="
        + root
        + ", s3Endpoint="
        + s3Endpoint
        + ", s3Region="
        + s3Region
        + ", s3PathStyle="
        + s3PathStyle
        + ", s3AccessKey="
        + s3AccessKey
        + ", s3SecretKey="
        + s3SecretKey.map(secret -> "[hidden]")
        + "]";
  }

  public boolean isS3() {
    return "s3".equals(root.getScheme());
  }

  /** The local root directory; only for local configs. */
  public Path localRoot() {
    if (!isLocal(root)) {
      throw new IllegalStateException("not a local storage root: " + root);
    }
    return Path.of(root);
  }

  public String s3Bucket() {
    return root.getHost();
  }

  /** The key prefix inside the bucket, without leading or trailing slash (may be empty). */
  public String s3Prefix() {
    return root.getPath() == null ? "" : stripSlashes(root.getPath());
  }

  private static boolean isLocal(URI uri) {
    return "file".equals(uri.getScheme());
  }

  private static String stripSlashes(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == '/') {
      start++;
    }
    while (end > start && s.charAt(end - 1) == '/') {
      end--;
    }
    return s.substring(start, end);
  }
}
