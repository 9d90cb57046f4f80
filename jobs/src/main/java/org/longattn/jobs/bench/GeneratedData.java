package org.longattn.jobs.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Removal of what a benchmark generated (folders of Parquet files), best effort, never throws. */
public final class GeneratedData {
  private GeneratedData() {}

  /** Deletes each path recursively (missing ones are fine); reports what it could not delete. */
  public static synchronized void delete(List<Path> paths) {
    for (Path root : paths) {
      if (!Files.exists(root)) {
        continue;
      }
      try (Stream<Path> walk = Files.walk(root)) {
        walk.sorted(Comparator.reverseOrder()).forEach(GeneratedData::deleteOne);
      } catch (IOException | UncheckedIOException e) {
        System.err.println("[bench] could not remove " + root + ": " + e.getMessage());
      }
    }
  }

  private static void deleteOne(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
