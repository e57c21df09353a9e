package io.ingraft.app.cli;

import java.util.concurrent.Callable;

/**
 * A subcommand that an optional part of the distribution adds to {@code ingraft}: the launcher puts
 * its jars on the classpath only for the commands that need them, and {@link IngraftCli} finds it
 * with {@link java.util.ServiceLoader}. The demo ({@code lib/demo/}) is one: it brings a Kafka
 * broker and Scala, which a production instance must not carry.
 */
public interface AddOnCommand extends Callable<Integer> {}
