package io.ingraft.engine.load;

import io.ingraft.engine.EventRejectedException;
import io.ingraft.engine.RejectionCode;
import io.ingraft.storage.object.ObjectStore;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;

/**
 * The operator's choice of where load files may come from ({@link LoadRoot}s) and what one load may
 * cost ({@link LoadLimits}); with no roots, file loads are off. {@link #resolve} turns an event's
 * {@code uri} into an allowed {@link LoadSource} or refuses it with {@link
 * RejectionCode#LOAD_SOURCE_REFUSED}.
 *
 * <p>The refusal reveals nothing about the file system: a uri is first checked as text (scheme,
 * authority, query, fragment, control characters, relative paths, '.' and '..' segments, inside a
 * root), without touching any file; only then is its real path resolved, and a file that is
 * missing, unreadable, a link leading out of its root, or not a regular file (a FIFO, a device, a
 * directory) gets one and the same message.
 */
public final class LoadSources {
  /** File loads off: every uri is refused. */
  public static final LoadSources DISABLED =
      new LoadSources(List.of(), LoadLimits.DEFAULT, Map.of());

  /** Longest uri shown in a refusal. */
  static final int MAX_URI_SHOWN = 200;

  private static final String NOT_A_FILE = "is not a readable regular file inside a load root";

  private final List<LoadRoot> roots;
  private final LoadLimits limits;
  private final Map<String, ObjectStore> buckets;

  /** Local roots only. */
  public LoadSources(List<LoadRoot> roots, LoadLimits limits) {
    this(roots, limits, Map.of());
  }

  /**
   * {@code buckets} has the store of every bucket an S3 root names (the storage's S3 client
   * settings with that bucket as its root), by bucket name.
   */
  public LoadSources(List<LoadRoot> roots, LoadLimits limits, Map<String, ObjectStore> buckets) {
    this.roots = List.copyOf(roots);
    this.limits = limits;
    this.buckets = Map.copyOf(buckets);
    for (LoadRoot root : roots) {
      if (root instanceof LoadRoot.Bucket bucket && !buckets.containsKey(bucket.bucket())) {
        throw new IllegalArgumentException("no object store for bucket " + bucket.bucket());
      }
    }
  }

  public List<LoadRoot> roots() {
    return roots;
  }

  public LoadLimits limits() {
    return limits;
  }

  /**
   * The allowed source {@code uri} names for a load into {@code graph}.
   *
   * @throws EventRejectedException with {@link RejectionCode#LOAD_SOURCE_REFUSED} if it is not
   *     allowed, or {@link RejectionCode#LOAD_TOO_LARGE} if a local file is larger than {@link
   *     LoadLimits#maxBytes()}
   */
  public LoadSource resolve(String graph, String uri) {
    if (roots.isEmpty()) {
      throw refused(uri, "file loads are off on this pipeline (no ingraft.load.roots)");
    }
    if (uri == null || uri.isEmpty()) {
      throw refused("", "is empty");
    }
    if (uri.length() > 4096) {
      throw refused(uri, "is longer than 4096 characters");
    }
    checkCharacters(uri, uri, "contains a control character (NUL included)");
    if (uri.startsWith("s3://")) {
      return object(graph, uri);
    }
    String path = uri;
    if (uri.startsWith("file:")) {
      path = fileUriPath(uri);
    } else if (uri.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
      throw refused(uri, "names a scheme other than file: and s3://");
    }
    return localFile(graph, uri, path);
  }

  private String fileUriPath(String uri) {
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      throw refused(uri, "is not a valid URI");
    }
    if (parsed.isOpaque()) {
      throw refused(uri, "is a relative file: URI; write file:///absolute/path");
    }
    if (parsed.getRawAuthority() != null) {
      throw refused(uri, "names a host; only file:///absolute/path is read");
    }
    if (parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
      throw refused(uri, "has a query or fragment");
    }
    String path = parsed.getPath();
    checkCharacters(uri, path, "contains an encoded control character (NUL included)");
    return path;
  }

  private LoadSource localFile(String graph, String uri, String text) {
    if (!text.startsWith("/")) {
      throw refused(uri, "is a relative path; load paths are absolute");
    }
    checkSegments(uri, text.substring(1));
    Path path;
    try {
      path = Path.of(text);
    } catch (InvalidPathException e) {
      throw refused(uri, "is not a valid path");
    }
    for (LoadRoot root : roots) {
      if (root instanceof LoadRoot.Directory dir) {
        Path base = dir.forGraph(graph);
        if (path.startsWith(base) && !path.equals(base)) {
          return checkedFile(uri, path, base);
        }
      }
    }
    throw refused(uri, "is outside the configured load roots");
  }

  /** The file system is touched only here, for a path inside a root; one message for all. */
  private LoadSource checkedFile(String uri, Path path, Path base) {
    BasicFileAttributes attributes;
    Path real;
    try {
      Path realBase = base.toRealPath();
      real = path.toRealPath();
      if (!real.startsWith(realBase)) {
        throw notAFile(uri);
      }
      attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | SecurityException e) {
      throw notAFile(uri);
    }
    if (!attributes.isRegularFile() || !Files.isReadable(real)) {
      throw notAFile(uri);
    }
    if (attributes.size() > limits.maxBytes()) {
      throw new EventRejectedException(
          RejectionCode.LOAD_TOO_LARGE,
          "load file "
              + shown(uri)
              + " has "
              + attributes.size()
              + " bytes, more than the limit of "
              + limits.maxBytes()
              + " (ingraft.load.max-bytes)");
    }
    return new LoadSource.LocalFile(uri, real);
  }

  private LoadSource object(String graph, String uri) {
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      throw refused(uri, "is not a valid URI");
    }
    if (parsed.getHost() == null
        || parsed.getRawUserInfo() != null
        || parsed.getPort() != -1
        || parsed.getRawQuery() != null
        || parsed.getRawFragment() != null) {
      throw refused(uri, "must be s3://bucket/key, without user, port, query or fragment");
    }
    String path = parsed.getPath() == null ? "" : parsed.getPath();
    checkCharacters(uri, path, "contains an encoded control character (NUL included)");
    if (!path.startsWith("/") || path.length() < 2) {
      throw refused(uri, "names no key");
    }
    String key = path.substring(1);
    checkSegments(uri, key);
    for (LoadRoot root : roots) {
      if (root instanceof LoadRoot.Bucket bucket
          && bucket.bucket().equals(parsed.getHost())
          && key.startsWith(bucket.prefixFor(graph))) {
        return new LoadSource.StoredObject(uri, buckets.get(bucket.bucket()), key);
      }
    }
    throw refused(uri, "is outside the configured load roots");
  }

  private static void checkSegments(String uri, String relative) {
    for (String segment : relative.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw refused(uri, "has an empty, '.' or '..' path segment");
      }
      if (segment.indexOf('\\') >= 0) {
        throw refused(uri, "contains a backslash");
      }
    }
  }

  private static void checkCharacters(String uri, String text, String problem) {
    for (int i = 0; i < text.length(); i++) {
      if (Character.isISOControl(text.charAt(i))) {
        throw refused(uri, problem);
      }
    }
  }

  /**
   * The one refusal for a uri that passed the text checks but names nothing readable: missing,
   * unreadable, a link out of its root, not a regular file (or, on S3, no such object).
   */
  public static EventRejectedException notAFile(String uri) {
    return refused(uri, NOT_A_FILE);
  }

  private static EventRejectedException refused(String uri, String problem) {
    return new EventRejectedException(
        RejectionCode.LOAD_SOURCE_REFUSED, "load source " + shown(uri) + " refused: " + problem);
  }

  /** The uri as shown in messages: quoted, control characters escaped, at most 200 chars. */
  static String shown(String uri) {
    if (uri == null) {
      return "\"\"";
    }
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < uri.length() && i < MAX_URI_SHOWN; i++) {
      char c = uri.charAt(i);
      if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (uri.length() > MAX_URI_SHOWN) {
      out.append('…');
    }
    return out.append('"').toString();
  }
}
