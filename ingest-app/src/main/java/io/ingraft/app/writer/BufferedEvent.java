package io.ingraft.app.writer;

import io.ingraft.engine.event.GraphEvent;

/**
 * One logged event the writer holds until its batch is published: its graph-log offset, the
 * record's original key and value bytes (a rejected event is dead-lettered with exactly those), and
 * the engine event mapped from it.
 */
record BufferedEvent(long offset, byte[] key, byte[] value, GraphEvent event) {}
