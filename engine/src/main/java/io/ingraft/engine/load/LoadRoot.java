package io.ingraft.engine.load;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A place load files may come from, named by the operator ({@code ingraft.load.roots}): a local
 * directory or an {@code s3://bucket/prefix}. A root may contain the segment {@code {graph}},
 * replaced by the loading event's graph id, so that each graph (tenant) reads only its own folder.
 * A file is inside a root when its path (or key) lies strictly below the root's.
 */
public sealed interface LoadRoot permits LoadRoot.Directory, LoadRoot.Bucket {
  /** The segment replaced by the graph id. */
  String GRAPH = "{graph}";

  /** Local folders that are never a load root, nor contain one: the kernel's and devices'. */
  List<Path> FORBIDDEN = List.of(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"));

  /** The root as configured. */
  String describe();

  /**
   * Parses one configured root.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code text}
   */
  static LoadRoot parse(String text) {
    String root = text.trim();
    if (root.startsWith("s3://")) {
      URI uri;
      try {
        // Braces are not URI characters: the placeholder is percent-encoded while the URI is
        // parsed, and getPath() decodes it again.
        uri = new URI(root.replace(GRAPH, "%7Bgraph%7D"));
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("not a valid s3:// URI");
      }
      if (uri.getHost() == null
          || uri.getRawUserInfo() != null
          || uri.getPort() != -1
          || uri.getRawQuery() != null
          || uri.getRawFragment() != null) {
        throw new IllegalArgumentException(
            "must be s3://bucket/prefix, without user, port," + " query or fragment");
      }
      String prefix = stripSlashes(uri.getPath() == null ? "" : uri.getPath());
      checkSegments(prefix, root);
      return new Bucket(uri.getHost(), prefix);
    }
    if (root.startsWith("file:")) {
      try {
        URI uri = new URI(root);
        if (uri.isOpaque() || uri.getRawAuthority() != null || uri.getRawQuery() != null) {
          throw new IllegalArgumentException("a file: root must be file:///absolute/path");
        }
        root = uri.getPath();
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("not a valid file: URI");
      }
    }
    if (!root.startsWith("/")) {
      throw new IllegalArgumentException("a local load root must be an absolute path");
    }
    String relative = stripSlashes(root);
    if (relative.isEmpty()) {
      throw new IllegalArgumentException("the file system root cannot be a load root");
    }
    checkSegments(relative, root);
    Path dir;
    try {
      dir = Path.of("/" + relative);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("not a valid path");
    }
    for (Path forbidden : FORBIDDEN) {
      if (dir.startsWith(forbidden)) {
        throw new IllegalArgumentException(forbidden + " cannot hold load files");
      }
    }
    return new Directory("/" + relative);
  }

  /** A local directory; {@code template} is absolute and normalised. */
  record Directory(String template) implements LoadRoot {
    public Directory {
      Objects.requireNonNull(template, "template");
    }

    /** The directory for {@code graph}. */
    public Path forGraph(String graph) {
      return Path.of(template.replace(GRAPH, graph));
    }

    @Override
    public String describe() {
      return template;
    }
  }

  /** Keys under {@code prefixTemplate} (no leading or trailing slash) of one S3 bucket. */
  record Bucket(String bucket, String prefixTemplate) implements LoadRoot {
    public Bucket {
      Objects.requireNonNull(bucket, "bucket");
      Objects.requireNonNull(prefixTemplate, "prefixTemplate");
    }

    /** The key prefix for {@code graph}, ending in '/' unless it is the whole bucket. */
    public String prefixFor(String graph) {
      String prefix = prefixTemplate.replace(GRAPH, graph);
      return prefix.isEmpty() ? "" : prefix + "/";
    }

    @Override
    public String describe() {
      return "s3://" + bucket + "/" + prefixTemplate;
    }
  }

  private static void checkSegments(String relative, String root) {
    if (relative.isEmpty()) {
      return;
    }
    for (String segment : relative.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException("must not contain empty, '.' or '..' segments");
      }
      if (segment.contains("{") && !segment.equals(GRAPH)) {
        throw new IllegalArgumentException(GRAPH + " must be a whole segment");
      }
      for (int i = 0; i < segment.length(); i++) {
        if (Character.isISOControl(segment.charAt(i)) || segment.charAt(i) == '\\') {
          throw new IllegalArgumentException("must not contain control characters or '\\'");
        }
      }
    }
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
