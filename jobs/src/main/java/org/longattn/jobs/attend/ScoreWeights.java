package org.longattn.jobs.attend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.longattn.datasets.InputException;
import org.longattn.kernels.io.Npy;
import org.longattn.kernels.score.ScoreFunction;
import org.longattn.kernels.span.HeadShape;

/**
 * The run's score function, built on the driver once the head shape is known: weights read from the
 * {@code --score-weights} .npy file (a local path; small: heads·d·d floats) or drawn from the
 * pattern's seed. It then travels to the executors inside the span tasks.
 */
final class ScoreWeights {
  private ScoreWeights() {}

  /**
   * @throws InputException when the file is missing, not a float32 .npy, or of the wrong shape
   */
  static ScoreFunction load(AttendParams p, HeadShape shape) {
    Npy.Array file = null;
    if (p.scoreWeights() != null) {
      try {
        file = Npy.parse(Files.readAllBytes(Path.of(p.scoreWeights())));
      } catch (NoSuchFileException e) {
        throw new InputException("--score-weights: file '" + p.scoreWeights() + "' does not exist");
      } catch (IOException | IllegalArgumentException e) {
        throw new InputException("--score-weights '" + p.scoreWeights() + "': " + e.getMessage());
      }
    }
    try {
      return ScoreFunction.of(p.score(), shape.heads(), shape.d(), file, p.pattern().seed());
    } catch (IllegalArgumentException e) {
      throw new InputException(e.getMessage());
    }
  }
}
