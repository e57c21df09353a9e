package io.ingraft.it.bench;

import io.ingraft.it.bench.ResourceMeters.CpuUse;

/**
 * The pipeline benchmark's last table: Ingraft's preload run next to the {@link IcebergSinkPeer}
 * measured on the same broker in the same run, and Ingraft's rate against the composed ceiling of
 * the machine, with the targets of both.
 *
 * <p>CPU per event has the same scope on both sides: the process doing the work (the pipeline's
 * JVM, or the Connect worker's) plus the broker, each over its own measured window, divided by the
 * same N. The pipeline's JVM also runs the benchmark's meters and commit-notice reader (a few
 * percent); the peer's poller of the table's metadata runs in the benchmark JVM and is not counted.
 *
 * <p>The composed ceiling is one over the sum of the per-event costs of the parts the design cannot
 * avoid, each measured alone in the same run: the Lance staged write of the same rows, one Kafka
 * Streams exactly-once hop that only copies the source records, and a raw consume of them. The same
 * parts are also summed by their CPU per event: a floor under any pipeline of this design, set
 * against the peer's whole CPU per event and, through the machine's cores, against twice its rate.
 */
final class PeerComparison {
  private PeerComparison() {}

  /**
   * @param events N, the preload run's events (and the peer's rows)
   * @param ingraftRate the preload run's achieved events/s
   * @param ingraftCpu the preload run's CPU (this JVM and the broker)
   * @param lance the Lance staged-write ceiling (one row per event)
   * @param consume the raw consume of the source records
   * @param eosHop the Kafka Streams exactly-once copy of the source records
   * @param peer the peer's run, or null when it did not run
   */
  static void print(
      long events,
      double ingraftRate,
      CpuUse ingraftCpu,
      PipelineBenchmark.Part lance,
      PipelineBenchmark.Part consume,
      PipelineBenchmark.Part eosHop,
      IcebergSinkPeer.Result peer) {
    double ingraftJvm = ingraftCpu.selfCores() * ingraftCpu.seconds() * 1e6 / events;
    double ingraftBroker = ingraftCpu.brokerCores() * ingraftCpu.seconds() * 1e6 / events;
    double ingraftPerEvent = ingraftJvm + ingraftBroker;
    System.out.println();
    if (peer != null) {
      System.out.printf(
          "Ingraft and its closest peer, same run, same broker, %,d events after the same warm-up"
              + " (peer: Apache Iceberg Kafka Connect sink, JSON rows of the Person properties)%n",
          events);
      System.out.printf(
          "  %-28s %13s %13s %13s %13s %14s%n",
          "", "events/s", "CPU us/event", "= process", "+ broker", "others' cores");
      System.out.printf(
          "  %-28s %,13.0f %13.1f %13.1f %13.1f %14.2f%n",
          "Ingraft preload",
          ingraftRate,
          ingraftPerEvent,
          ingraftJvm,
          ingraftBroker,
          Math.max(0, ingraftCpu.otherCores()));
      System.out.printf(
          "  %-28s %,13.0f %13.1f %13.1f %13.1f %14.2f%n",
          "Iceberg sink (Connect JVM)",
          peer.eventsPerSecond(),
          peer.microsPerEvent(),
          peer.connectMicrosPerEvent(),
          peer.brokerMicrosPerEvent(),
          peer.otherCores());
      System.out.printf(
          "  %-28s %13.2f %13.2f   (peer commits in its window %d, exactly-once spot check %s)%n",
          "Ingraft / peer",
          ingraftRate / peer.eventsPerSecond(),
          ingraftPerEvent / peer.microsPerEvent(),
          peer.commits(),
          peer.exactlyOnce() ? "passed" : "FAILED");
    }
    double lanceUs = 1e6 / lance.perSecond();
    double eosUs = 1e6 / eosHop.perSecond();
    double consumeUs = 1e6 / consume.perSecond();
    double composed = 1e6 / (lanceUs + eosUs + consumeUs);
    System.out.printf(
        "Composed ceiling: 1 / (Lance staged write %.2f us + one EOS hop %.2f us + raw consume %.2f"
            + " us per event) = %,.0f events/s; Ingraft preload / composed = %.2f%n",
        lanceUs, eosUs, consumeUs, composed, ingraftRate / composed);
    // The same parts by their CPU: any pipeline of this design pays at least their sum per event,
    // and the machine's cores bound its rate by it, whatever the parts' overlap.
    double partsCpu = lance.cpuMicros() + eosHop.cpuMicros() + consume.cpuMicros();
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf(
        "The same parts by CPU (this JVM + broker): Lance staged write %.2f us + one EOS hop %.2f us"
            + " + raw consume %.2f us = %.2f us per event; on %d cores at most %,.0f events/s%n",
        lance.cpuMicros(),
        eosHop.cpuMicros(),
        consume.cpuMicros(),
        partsCpu,
        cores,
        cores * 1e6 / partsCpu);
    if (peer != null) {
      System.out.printf(
          "  against the peer's whole run: parts alone %.2f us = %.2fx the peer's %.2f us per"
              + " event; 2x the peer's rate (%,.0f events/s) = %.2fx the parts' CPU bound%n",
          partsCpu,
          partsCpu / peer.microsPerEvent(),
          peer.microsPerEvent(),
          2 * peer.eventsPerSecond(),
          2 * peer.eventsPerSecond() / (cores * 1e6 / partsCpu));
    }
    System.out.println("Targets against the peer and the composed ceiling (as measured):");
    if (peer != null) {
      target(
          String.format(
              "Ingraft >= 2x peer events/s: %.2fx (%,.0f vs %,.0f)",
              ingraftRate / peer.eventsPerSecond(), ingraftRate, peer.eventsPerSecond()),
          ingraftRate >= 2 * peer.eventsPerSecond());
      target(
          String.format(
              "Ingraft CPU/event <= peer: %.1f us vs %.1f us (process + broker)",
              ingraftPerEvent, peer.microsPerEvent()),
          ingraftPerEvent <= peer.microsPerEvent());
    } else {
      System.out.printf(
          "  %-80s %s%n", "Ingraft >= 2x peer events/s, CPU/event <= peer", "not measured");
    }
    target(
        String.format("Ingraft >= 0.6 x composed ceiling: %.2f", ingraftRate / composed),
        ingraftRate >= 0.6 * composed);
  }

  private static void target(String what, boolean met) {
    System.out.printf("  %-80s %s%n", what, met ? "MET" : "NOT MET");
  }
}
