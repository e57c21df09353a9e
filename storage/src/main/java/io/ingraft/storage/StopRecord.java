package io.ingraft.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * Why a writer stopped writing a graph and what an operator should do: a failure that retrying
 * cannot fix (a stopped recovery sweep, an unreadable file, a broken limit, a bug). Stored at
 * {@code graphs/<id>/_writer/stopped.json} while the graph is stopped, shown by {@code ingraft
 * graph status} and {@code graph verify}, and removed by {@code graph recover} (or by the next
 * takeover of the graph).
 *
 * @param code the reason, one of a documented set (operations.md, "Stopped graphs")
 * @param message what failed, from the exception
 * @param action what the operator should do
 * @param since when the graph stopped
 * @param writer the writer that stopped it
 */
public record StopRecord(String code, String message, String action, Instant since, String writer) {
  public StopRecord {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(since, "since");
    message = message == null ? "" : message;
    action = action == null ? "" : action;
    writer = writer == null ? "" : writer;
  }
}
