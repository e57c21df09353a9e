package io.ingraft.storage.object;

import io.ingraft.storage.InvalidConfigException;
import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.StorageIoException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An {@link ObjectStore} under a prefix of an S3 bucket (AWS or any server that honours {@code
 * If-None-Match: *} atomically, such as s3proxy). {@link #putIfAbsent} is a conditional PUT: 412
 * means another writer's object is there. Conditional PUTs go through a client without SDK retries:
 * a retried PUT whose first attempt had in fact succeeded would come back as 412 and turn the
 * winner into a loser, so a transport error surfaces as an outcome-unknown {@link
 * StorageIoException} instead. Only 409, which AWS sends for a race that applied nothing, is
 * retried here.
 */
public final class S3ObjectStore implements ObjectStore {
  /** Attempts of one conditional PUT that keeps getting 409 ConditionalRequestConflict. */
  static final int CONFLICT_ATTEMPTS = 4;

  private static final long CONFLICT_BACKOFF_MILLIS = 10;
  private static final int DEFAULT_LIST_PAGE_SIZE = 1000;

  private final S3Client s3;
  private final S3Client conditionalS3;
  private final String bucket;
  private final String prefix;
  private final int listPageSize;
  private final Map<String, String> lanceOptions;

  /** Connects to the bucket and prefix that {@code config} names (an {@code s3://} root). */
  public S3ObjectStore(StorageConfig config) {
    this(
        config,
        buildClient(config, null),
        buildClient(config, AwsRetryStrategy.doNotRetry()),
        DEFAULT_LIST_PAGE_SIZE);
  }

  /** For tests: explicit clients (e.g. fault-injecting wrappers) and list page size. */
  S3ObjectStore(StorageConfig config, S3Client s3, S3Client conditionalS3, int listPageSize) {
    requireS3(config);
    this.s3 = s3;
    this.conditionalS3 = conditionalS3;
    this.bucket = config.s3Bucket();
    this.prefix = config.s3Prefix();
    this.listPageSize = listPageSize;
    this.lanceOptions = lanceOptionsOf(config);
  }

  @Override
  public byte[] read(String key) {
    return readIfExists(key).orElseThrow(() -> new ObjectNotFoundException(key));
  }

  @Override
  public Optional<byte[]> readIfExists(String key) {
    String fullKey = fullKey(key);
    GetObjectRequest request = GetObjectRequest.builder().bucket(bucket).key(fullKey).build();
    try {
      return Optional.of(s3.getObjectAsBytes(request).asByteArray());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw fault(fullKey, "read", e);
    } catch (SdkException e) {
      throw fault(fullKey, "read", e);
    }
  }

  /** Streams the object: a reader that stops early aborts the download instead of finishing it. */
  @Override
  public java.io.InputStream openRead(String key) {
    String fullKey = fullKey(key);
    GetObjectRequest request = GetObjectRequest.builder().bucket(bucket).key(fullKey).build();
    try {
      return s3.getObject(request);
    } catch (NoSuchKeyException e) {
      throw new ObjectNotFoundException(key);
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        throw new ObjectNotFoundException(key);
      }
      throw fault(fullKey, "read", e);
    } catch (SdkException e) {
      throw fault(fullKey, "read", e);
    }
  }

  @Override
  public List<String> list(String listPrefix, String startAfter) {
    ObjectKeys.requireValidPrefix(listPrefix);
    ListObjectsV2Request.Builder request =
        ListObjectsV2Request.builder()
            .bucket(bucket)
            .prefix(fullKeyUnchecked(listPrefix))
            .maxKeys(listPageSize);
    if (startAfter != null) {
      request.startAfter(fullKeyUnchecked(startAfter));
    }
    int strip = prefix.isEmpty() ? 0 : prefix.length() + 1;
    List<String> keys = new ArrayList<>();
    try {
      for (S3Object object : s3.listObjectsV2Paginator(request.build()).contents()) {
        keys.add(object.key().substring(strip));
      }
    } catch (SdkException e) {
      throw fault(fullKeyUnchecked(listPrefix), "list", e);
    }
    return keys;
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    String fullKey = fullKey(key);
    try {
      var head = s3.headObject(HeadObjectRequest.builder().bucket(bucket).key(fullKey).build());
      return Optional.of(new ObjectInfo(key, head.contentLength(), head.lastModified()));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw fault(fullKey, "stat", e);
    } catch (SdkException e) {
      throw fault(fullKey, "stat", e);
    }
  }

  @Override
  public List<String> childFolders(String listPrefix) {
    ObjectKeys.requireValidPrefix(listPrefix);
    if (!listPrefix.isEmpty() && !listPrefix.endsWith("/")) {
      throw new InvalidObjectKeyException(listPrefix, "a folder prefix must end with '/'");
    }
    String full = fullKeyUnchecked(listPrefix);
    ListObjectsV2Request request =
        ListObjectsV2Request.builder()
            .bucket(bucket)
            .prefix(full)
            .delimiter("/")
            .maxKeys(listPageSize)
            .build();
    List<String> names = new ArrayList<>();
    try {
      for (var common : s3.listObjectsV2Paginator(request).commonPrefixes()) {
        String folder = common.prefix().substring(full.length());
        names.add(folder.endsWith("/") ? folder.substring(0, folder.length() - 1) : folder);
      }
    } catch (SdkException e) {
      throw fault(full, "list folders", e);
    }
    names.sort(null);
    return names;
  }

  @Override
  public void put(String key, byte[] data) {
    String fullKey = fullKey(key);
    PutObjectRequest request = PutObjectRequest.builder().bucket(bucket).key(fullKey).build();
    try {
      s3.putObject(request, RequestBody.fromBytes(data));
    } catch (SdkException e) {
      throw fault(fullKey, "put", e);
    }
  }

  @Override
  public void putIfAbsent(String key, byte[] data) {
    String fullKey = fullKey(key);
    PutObjectRequest request =
        PutObjectRequest.builder().bucket(bucket).key(fullKey).ifNoneMatch("*").build();
    for (int attempt = 1; ; attempt++) {
      try {
        conditionalS3.putObject(request, RequestBody.fromBytes(data));
        return;
      } catch (S3Exception e) {
        if (e.statusCode() == 412) {
          throw new ObjectAlreadyExistsException(key);
        }
        if (e.statusCode() != 409) {
          throw fault(fullKey, "putIfAbsent", e);
        }
        // 409: a concurrent write to this key was in progress and ours was not applied.
        if (attempt == CONFLICT_ATTEMPTS) {
          if (exists(fullKey)) {
            throw new ObjectAlreadyExistsException(key);
          }
          throw fault(fullKey, "putIfAbsent (" + attempt + " conflicts)", e);
        }
        backOff(fullKey, attempt, e);
      } catch (SdkException e) {
        throw fault(fullKey, "putIfAbsent", e);
      }
    }
  }

  @Override
  public void delete(String key) {
    String fullKey = fullKey(key);
    DeleteObjectRequest request = DeleteObjectRequest.builder().bucket(bucket).key(fullKey).build();
    try {
      s3.deleteObject(request);
    } catch (SdkException e) {
      throw fault(fullKey, "delete", e);
    }
  }

  @Override
  public String lanceUri(String key) {
    return "s3://" + bucket + "/" + fullKey(key);
  }

  @Override
  public Map<String, String> lanceStorageOptions() {
    return lanceOptions;
  }

  @Override
  public String describe() {
    return "s3://" + bucket + "/" + prefix;
  }

  @Override
  public void close() {
    try {
      s3.close();
    } finally {
      if (conditionalS3 != s3) {
        conditionalS3.close();
      }
    }
  }

  private String fullKey(String key) {
    return fullKeyUnchecked(ObjectKeys.requireValid(key));
  }

  private String fullKeyUnchecked(String key) {
    return prefix.isEmpty() ? key : prefix + "/" + key;
  }

  private boolean exists(String fullKey) {
    HeadObjectRequest request = HeadObjectRequest.builder().bucket(bucket).key(fullKey).build();
    try {
      s3.headObject(request);
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw fault(fullKey, "putIfAbsent (existence check)", e);
    } catch (SdkException e) {
      throw fault(fullKey, "putIfAbsent (existence check)", e);
    }
  }

  /** Waits 10, 20, 40 ms plus jitter, so racing writers do not retry in lockstep. */
  private void backOff(String fullKey, int attempt, S3Exception conflict) {
    long base = CONFLICT_BACKOFF_MILLIS << (attempt - 1);
    try {
      Thread.sleep(base + ThreadLocalRandom.current().nextLong(base));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw fault(fullKey, "putIfAbsent (interrupted after a conflict)", conflict);
    }
  }

  private StorageIoException fault(String fullKey, String operation, Throwable cause) {
    return new StorageIoException("s3://" + bucket + "/" + fullKey, operation, cause);
  }

  private static void requireS3(StorageConfig config) {
    if (!config.isS3()) {
      throw new InvalidConfigException(
          StorageConfig.ROOT, config.root().toString(), "is not an s3:// root");
    }
  }

  /** A client for {@code config}; {@code retryStrategy} null keeps the SDK's default retries. */
  static S3Client buildClient(StorageConfig config, RetryStrategy retryStrategy) {
    requireS3(config);
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .region(Region.of(config.s3Region()))
            .forcePathStyle(config.s3PathStyle())
            // Bodies are byte arrays: send them whole, payload-signed and with a CRC32 header, not
            // aws-chunked with a trailer. Against s3proxy the chunked form leaves the
            // URL-connection
            // client with dead keep-alive connections (about one PUT in five failed without
            // retries).
            .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
            .credentialsProvider(credentialsOf(config));
    config.s3Endpoint().ifPresent(builder::endpointOverride);
    if (retryStrategy != null) {
      builder.overrideConfiguration(o -> o.retryStrategy(retryStrategy));
    }
    return builder.build();
  }

  private static AwsCredentialsProvider credentialsOf(StorageConfig config) {
    if (config.s3AccessKey().isPresent() && config.s3SecretKey().isPresent()) {
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(config.s3AccessKey().get(), config.s3SecretKey().get()));
    }
    return DefaultCredentialsProvider.builder().build();
  }

  private static Map<String, String> lanceOptionsOf(StorageConfig config) {
    Map<String, String> options = new LinkedHashMap<>();
    config.s3AccessKey().ifPresent(v -> options.put("aws_access_key_id", v));
    config.s3SecretKey().ifPresent(v -> options.put("aws_secret_access_key", v));
    options.put("aws_region", config.s3Region());
    config
        .s3Endpoint()
        .ifPresent(
            endpoint -> {
              options.put("aws_endpoint", endpoint.toString());
              if ("http".equalsIgnoreCase(endpoint.getScheme())) {
                options.put("allow_http", "true");
              }
            });
    options.put("aws_virtual_hosted_style_request", String.valueOf(!config.s3PathStyle()));
    return Map.copyOf(options);
  }
}
