package io.ingraft.it.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A poor man's wall-clock profiler for the pipeline benchmark: every few milliseconds it takes the
 * stacks of the threads whose name matches, and puts each thread's sample in the bucket of the
 * innermost frame that matches a rule (so "Lance commit" wins over "guarded commit", which calls
 * it). Time waiting counts too, which is the point: it shows where a stage's wall time goes, not
 * only its CPU. Sampling itself costs about 1-2% of a core.
 */
final class StackSampler implements AutoCloseable {
  /** A bucket and the frames that belong to it: "Class#method" prefixes or "Class" prefixes. */
  record Rule(String bucket, String... frames) {
    boolean matches(StackTraceElement frame) {
      String name = frame.getClassName();
      for (String f : frames) {
        int hash = f.indexOf('#');
        if (hash < 0
            ? name.startsWith(f)
            : name.equals(f.substring(0, hash))
                && frame.getMethodName().startsWith(f.substring(hash + 1))) {
          return true;
        }
      }
      return false;
    }
  }

  private final String label;
  private final List<Rule> rules;
  private final Map<String, Long> counts = new TreeMap<>();
  private final Thread thread;
  private volatile boolean stopped;
  private long samples;

  StackSampler(String label, Predicate<String> threads, List<Rule> rules, long intervalMillis) {
    this.label = label;
    this.rules = rules;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    thread =
        new Thread(
            () -> {
              long[] ids = new long[0];
              long refreshed = 0;
              while (!stopped) {
                if (System.nanoTime() - refreshed > 1_000_000_000L) {
                  // Only the matching threads' stacks are taken: cheaper than a full thread dump.
                  List<Long> selected = new ArrayList<>();
                  long[] all = mx.getAllThreadIds();
                  ThreadInfo[] named = mx.getThreadInfo(all, 0);
                  for (int i = 0; i < all.length; i++) {
                    if (named[i] != null && threads.test(named[i].getThreadName())) {
                      selected.add(all[i]);
                    }
                  }
                  ids = selected.stream().mapToLong(Long::longValue).toArray();
                  refreshed = System.nanoTime();
                }
                if (ids.length > 0) {
                  ThreadInfo[] infos = mx.getThreadInfo(ids, 128);
                  synchronized (counts) {
                    for (ThreadInfo info : infos) {
                      if (info != null) {
                        counts.merge(classify(info), 1L, Long::sum);
                        samples++;
                      }
                    }
                  }
                }
                try {
                  Thread.sleep(intervalMillis);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "bench-stack-sampler-" + label);
    thread.setDaemon(true);
    thread.start();
  }

  /** The first rule (in priority order) that any frame of the stack matches. */
  private String classify(ThreadInfo info) {
    StackTraceElement[] stack = info.getStackTrace();
    for (Rule rule : rules) {
      for (StackTraceElement frame : stack) {
        if (rule.matches(frame)) {
          return rule.bucket();
        }
      }
    }
    return stack.length == 0
        ? "(no stack)"
        : "other: " + stack[0].getClassName() + "." + stack[0].getMethodName();
  }

  /** Shares of the samples per bucket, largest first, as one line. */
  String report() {
    Map<String, Long> copy;
    long total;
    synchronized (counts) {
      copy = new LinkedHashMap<>(counts);
      total = samples;
    }
    if (total == 0) {
      return label + ": no samples";
    }
    List<String> parts = new ArrayList<>();
    long shown = 0;
    for (Map.Entry<String, Long> e :
        copy.entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .toList()) {
      double share = 100.0 * e.getValue() / total;
      if (share >= 1.5 || parts.size() < 3) {
        parts.add(String.format("%s %.0f%%", e.getKey(), share));
        shown += e.getValue();
      }
    }
    if (shown < total) {
      parts.add(String.format("rest %.0f%%", 100.0 * (total - shown) / total));
    }
    return String.format("%s (%,d thread samples): %s", label, total, String.join(", ", parts));
  }

  /** The share (0 to 1) of the samples in {@code bucket}. */
  double share(String bucket) {
    synchronized (counts) {
      return samples == 0 ? 0 : counts.getOrDefault(bucket, 0L) / (double) samples;
    }
  }

  @Override
  public void close() {
    stopped = true;
    thread.interrupt();
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
