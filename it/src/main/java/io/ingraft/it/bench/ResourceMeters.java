package io.ingraft.it.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * What the pipeline benchmark measures besides Kafka and storage: the peak heap of this JVM, and
 * where CPU time went (this JVM's threads grouped by name, the broker child, the whole machine),
 * read from the JMX beans and {@code /proc}. Linux only for the CPU part; elsewhere it reports
 * nothing rather than failing.
 */
final class ResourceMeters {
  private ResourceMeters() {}

  /**
   * The peak heap use since the last {@link #reset}: the larger of the heap in use just before each
   * GC (from GC notifications: the true peaks) and a 20 ms sample of the heap in use.
   */
  static final class HeapPeak implements AutoCloseable {
    private final Set<String> heapPools;
    private final AtomicLong peak = new AtomicLong();
    private final Thread sampler;
    private volatile boolean stopped;

    HeapPeak() {
      heapPools =
          ManagementFactory.getMemoryPoolMXBeans().stream()
              .filter(p -> p.getType() == MemoryType.HEAP)
              .map(MemoryPoolMXBean::getName)
              .collect(Collectors.toSet());
      for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (gc instanceof NotificationEmitter emitter) {
          emitter.addNotificationListener(
              (notification, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                    notification.getType())) {
                  return;
                }
                var info =
                    GarbageCollectionNotificationInfo.from(
                        (CompositeData) notification.getUserData());
                long before = 0;
                for (Map.Entry<String, MemoryUsage> pool :
                    info.getGcInfo().getMemoryUsageBeforeGc().entrySet()) {
                  if (heapPools.contains(pool.getKey())) {
                    before += pool.getValue().getUsed();
                  }
                }
                observe(before);
              },
              null,
              null);
        }
      }
      sampler =
          new Thread(
              () -> {
                var memory = ManagementFactory.getMemoryMXBean();
                while (!stopped) {
                  observe(memory.getHeapMemoryUsage().getUsed());
                  try {
                    Thread.sleep(20);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "bench-heap-sampler");
      sampler.setDaemon(true);
      sampler.start();
    }

    private void observe(long used) {
      peak.accumulateAndGet(used, Math::max);
    }

    void reset() {
      peak.set(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }

    long peakBytes() {
      return peak.get();
    }

    @Override
    public void close() {
      stopped = true;
      sampler.interrupt();
    }
  }

  /** CPU seconds of this JVM's live threads, grouped by {@code group(threadName)}. */
  static Map<String, Double> threadCpu(Function<String, String> group) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Double> out = new HashMap<>();
    long[] ids = threads.getAllThreadIds();
    ThreadInfo[] infos = threads.getThreadInfo(ids);
    for (int i = 0; i < ids.length; i++) {
      long nanos = threads.getThreadCpuTime(ids[i]);
      if (infos[i] == null || nanos < 0) {
        continue;
      }
      out.merge(group.apply(infos[i].getThreadName()), nanos / 1e9, Double::sum);
    }
    return out;
  }

  /** One reading of the machine's and two processes' CPU counters, to subtract from a later one. */
  record CpuReading(
      long nanos,
      long machineBusyTicks,
      long machineTotalTicks,
      long selfTicks,
      long brokerTicks,
      Map<String, Double> threads,
      Map<Long, Task> tasks) {

    static CpuReading now(long brokerPid, Function<String, String> group) {
      long[] machine = machineTicks();
      return new CpuReading(
          System.nanoTime(),
          machine[0],
          machine[1],
          processTicks(ProcessHandle.current().pid()),
          processTicks(brokerPid),
          threadCpu(group),
          readTasks());
    }

    /** Busy cores over the interval: machine, this JVM, the broker, everything else. */
    CpuUse since(CpuReading start) {
      double seconds = (nanos - start.nanos) / 1e9;
      int cores = Runtime.getRuntime().availableProcessors();
      long total = machineTotalTicks - start.machineTotalTicks;
      double machine =
          total <= 0
              ? Double.NaN
              : cores * (double) (machineBusyTicks - start.machineBusyTicks) / total;
      double self = (selfTicks - start.selfTicks) / TICKS_PER_SECOND / seconds;
      double broker = (brokerTicks - start.brokerTicks) / TICKS_PER_SECOND / seconds;
      Map<String, Double> threadSeconds = new LinkedHashMap<>();
      threads.entrySet().stream()
          .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
          .forEach(
              e -> {
                double before = start.threads.getOrDefault(e.getKey(), 0.0);
                threadSeconds.put(e.getKey(), Math.max(0, e.getValue() - before));
              });
      Map<String, Double> taskSeconds = new HashMap<>();
      tasks.forEach(
          (tid, task) -> {
            Task before = start.tasks.get(tid);
            long ticks = task.ticks - (before == null ? 0 : before.ticks);
            taskSeconds.merge(task.group(), ticks / TICKS_PER_SECOND, Double::sum);
          });
      Map<String, Double> sortedTasks = new LinkedHashMap<>();
      taskSeconds.entrySet().stream()
          .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
          .forEach(e -> sortedTasks.put(e.getKey(), e.getValue()));
      return new CpuUse(seconds, machine, self, broker, threadSeconds, sortedTasks);
    }
  }

  /** One OS thread of this process: its name (comm, 15 characters at most) and CPU ticks. */
  record Task(String comm, long ticks) {
    /** The name without its number: "GC Thread#0" and "GC Thread#1" are one group. */
    String group() {
      return comm.replaceAll("#[0-9]+", "#N").replaceAll("-[0-9]+$", "-N");
    }
  }

  /** This process's OS threads from /proc/self/task, or none. */
  private static Map<Long, Task> readTasks() {
    Map<Long, Task> out = new HashMap<>();
    try (var dirs = Files.list(Path.of("/proc/self/task"))) {
      dirs.forEach(
          dir -> {
            try {
              String comm = Files.readString(dir.resolve("comm")).trim();
              String stat = Files.readString(dir.resolve("stat"));
              String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
              out.put(
                  Long.parseLong(dir.getFileName().toString()),
                  new Task(comm, Long.parseLong(f[11]) + Long.parseLong(f[12])));
            } catch (IOException | RuntimeException e) {
              // The thread ended meanwhile.
            }
          });
    } catch (IOException | RuntimeException e) {
      return out;
    }
    return out;
  }

  /**
   * Average busy cores over an interval, and CPU seconds per thread group of this JVM. {@code
   * selfCores} includes GC, JIT and native (Lance) threads, which {@code threadSeconds} does not
   * show.
   */
  record CpuUse(
      double seconds,
      double machineCores,
      double selfCores,
      double brokerCores,
      Map<String, Double> threadSeconds,
      Map<String, Double> taskSeconds) {

    double otherCores() {
      return machineCores - selfCores - brokerCores;
    }

    String summary() {
      return String.format(
          "busy cores: machine %.2f of %d = this JVM %.2f + broker %.2f"
              + " + other processes %.2f",
          machineCores,
          Runtime.getRuntime().availableProcessors(),
          selfCores,
          brokerCores,
          Math.max(0, otherCores()));
    }

    /** The thread groups' CPU seconds, largest first, with the JVM rest (GC, JIT, native). */
    String threadBreakdown() {
      List<String> parts = new ArrayList<>();
      double javaThreads = 0;
      for (Map.Entry<String, Double> e : threadSeconds.entrySet()) {
        javaThreads += e.getValue();
        if (e.getValue() >= 0.05) {
          parts.add(String.format("%s %.1f", e.getKey(), e.getValue()));
        }
      }
      double rest = selfCores * seconds - javaThreads;
      parts.add(String.format("GC/JIT/native (Lance) threads %.1f", Math.max(0, rest)));
      return String.format("CPU seconds in this JVM over %.1f s: ", seconds)
          + String.join(", ", parts);
    }

    /** CPU microseconds per event of this JVM and the broker (other processes excluded). */
    double microsPerEvent(long events) {
      return (selfCores + brokerCores) * seconds * 1e6 / Math.max(1, events);
    }

    /**
     * CPU microseconds per event, by component: the broker, stage 1 and stage 2 (their Java
     * threads), Lance's native threads, the JIT, GC and VM threads, the benchmark itself, and other
     * processes on the machine.
     */
    String perEvent(long events) {
      double perEvent = 1e6 / Math.max(1, events);
      double stage1 = 0;
      double stage2 = 0;
      double bench = 0;
      for (Map.Entry<String, Double> e : threadSeconds.entrySet()) {
        if (e.getKey().startsWith("stage 1")) {
          stage1 += e.getValue();
        } else if (e.getKey().startsWith("stage 2")) {
          stage2 += e.getValue();
        } else if (e.getKey().startsWith("bench")) {
          bench += e.getValue();
        }
      }
      double lance = 0;
      double jit = 0;
      double gc = 0;
      for (Map.Entry<String, Double> e : taskSeconds.entrySet()) {
        String n = e.getKey();
        if (n.startsWith("tokio") || n.startsWith("lance")) {
          lance += e.getValue();
        } else if (n.contains("CompilerThre")) {
          jit += e.getValue();
        } else if (n.startsWith("GC ") || n.startsWith("G1 ") || n.equals("VM Thread")) {
          gc += e.getValue();
        }
      }
      double jvm = selfCores * seconds;
      double rest = Math.max(0, jvm - stage1 - stage2 - bench - lance - jit - gc);
      double broker = brokerCores * seconds;
      double other = Math.max(0, otherCores()) * seconds;
      return String.format(
          "CPU per event: %.0f us = broker %.0f + stage 1 %.0f + stage 2 %.0f"
              + " + Lance native %.0f + JIT %.0f + GC/VM %.0f + rest of JVM %.0f + bench producer"
              + " and meters %.0f; other processes %.0f us more",
          (jvm + broker) * perEvent,
          broker * perEvent,
          stage1 * perEvent,
          stage2 * perEvent,
          lance * perEvent,
          jit * perEvent,
          gc * perEvent,
          rest * perEvent,
          bench * perEvent,
          other * perEvent);
    }

    /** The OS threads' CPU seconds by name (Java names cut to 15 characters), largest first. */
    String osThreadBreakdown() {
      List<String> parts = new ArrayList<>();
      for (Map.Entry<String, Double> e : taskSeconds.entrySet()) {
        if (e.getValue() >= 0.1 && parts.size() < 10) {
          parts.add(String.format("'%s' %.1f", e.getKey(), e.getValue()));
        }
      }
      return "by OS thread name: " + String.join(", ", parts);
    }
  }

  static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

  /** {busy, total} jiffies of all CPUs from /proc/stat, or zeros. */
  static long[] machineTicks() {
    try {
      String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = line.trim().split("\\s+");
      long total = 0;
      long idle = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        long v = Long.parseLong(f[i]);
        total += v;
        if (i == 4 || i == 5) {
          idle += v; // idle, iowait
        }
      }
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  /** utime + stime of a process (and its waited-for children: none here), or 0. */
  static long processTicks(long pid) {
    if (pid <= 0) {
      return 0;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // The command name may contain spaces; fields resume after its closing parenthesis.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** The 1, 5 and 15 minute load averages, as {@code uptime} prints them. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + ", " + f[1] + ", " + f[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }
}
