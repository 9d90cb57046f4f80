package org.longattn.kernels.linear;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.longattn.kernels.InputRangeException;
import org.longattn.kernels.span.TokenBlock;
import org.longattn.kernels.state.TreeFold;
import org.longattn.kernels.state.TreeScan;

/**
 * Linear-family attention of a document cut into spans (aligned runs of 2^k blocks), in three steps
 * whose association order depends on block ids only (DESIGN §3), so the outputs are bitwise the
 * same however spans are spread over tasks:
 *
 * <ol>
 *   <li>{@link #spanTotal}: per span and head, the {@link TreeFold} of its block states;
 *   <li>{@link #spanInputs}: per document, from its span totals in span order — causal: the
 *       exclusive {@link TreeScan} (span s gets prefix(s·spanBlocks)); non-causal: the TreeFold of
 *       all totals (the document's total, equal to the TreeFold of all its blocks);
 *   <li>{@link #outputs}: per span, from its input — causal: the span's own exclusive TreeScan from
 *       the carry-in, then each block's causal outputs; non-causal: every block against the total.
 * </ol>
 *
 * States travel as bytes: heads × {@link LinearFamily#byteSize()} (little-endian), so the traffic
 * is O(spans × heads × state) and nothing grows with tokens × d² in one place.
 */
public final class LinearSpanAttention<S> {
  private final LinearFamily<S> family;
  private final int heads;
  private final int outWidth;

  /**
   * @param outWidth values per output row (heads × dv)
   */
  public LinearSpanAttention(LinearFamily<S> family, int heads, int outWidth) {
    this.family = family;
    this.heads = heads;
    this.outWidth = outWidth;
  }

  public LinearFamily<S> family() {
    return family;
  }

  /** Step 1: per-head TreeFold of the states of blocks lo .. hi−1 (hi > lo), as bytes. */
  public byte[] spanTotal(IntFunction<TokenBlock> blocks, int lo, int hi) {
    List<S> totals = new ArrayList<>(heads);
    for (int h = 0; h < heads; h++) {
      totals.add(TreeFold.fold(blockStates(blocks, lo, hi, h), family::combine));
    }
    return toBytes(totals);
  }

  /**
   * Step 2: from one document's span totals in span order, the input of each span's {@link
   * #outputs}.
   */
  public List<byte[]> spanInputs(List<byte[]> spanTotals) {
    List<List<S>> perHead = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      perHead.add(new ArrayList<>());
    }
    for (byte[] t : spanTotals) {
      List<S> states = fromBytes(t);
      for (int h = 0; h < heads; h++) {
        perHead.get(h).add(states.get(h));
      }
    }
    List<byte[]> inputs = new ArrayList<>(spanTotals.size());
    if (family.causal()) {
      List<List<S>> prefixes = new ArrayList<>();
      for (int h = 0; h < heads; h++) {
        prefixes.add(TreeScan.exclusive(perHead.get(h), family.identity(h), family::combine));
      }
      for (int s = 0; s < spanTotals.size(); s++) {
        List<S> carry = new ArrayList<>(heads);
        for (int h = 0; h < heads; h++) {
          carry.add(prefixes.get(h).get(s));
        }
        inputs.add(toBytes(carry));
      }
    } else {
      List<S> total = new ArrayList<>(heads);
      for (int h = 0; h < heads; h++) {
        total.add(TreeFold.fold(perHead.get(h), family::combine));
      }
      byte[] bytes = toBytes(total);
      for (int s = 0; s < spanTotals.size(); s++) {
        inputs.add(bytes);
      }
    }
    return inputs;
  }

  /**
   * Step 2 in rounds (so no task holds a whole document's totals): the per-head {@link TreeFold} of
   * an aligned run of sibling items (a power-of-two group of consecutive items, e.g. 16 span
   * totals), in index order — the total of the run, one level up.
   */
  public byte[] foldRun(List<byte[]> items) {
    List<List<S>> perHead = perHead(items);
    List<S> folded = new ArrayList<>(heads);
    for (int h = 0; h < heads; h++) {
      folded.add(TreeFold.fold(perHead.get(h), family::combine));
    }
    return toBytes(folded);
  }

  /**
   * Step 2 in rounds, downwards: the exclusive prefixes of an aligned run of sibling items that
   * starts at item {@code first} of its level, given {@code carryIn} = the prefix of item {@code
   * first} (from the level above; ignored when first = 0, where the run starts the document). The
   * same rule as {@link TreeScan}, so prefixes computed level by level are bitwise those of one
   * scan over all blocks.
   */
  public List<byte[]> scanRun(List<byte[]> items, long first, byte[] carryIn) {
    List<List<S>> perHead = perHead(items);
    List<List<S>> prefixes = new ArrayList<>(heads);
    List<S> carry = first == 0 ? null : fromBytes(carryIn);
    for (int h = 0; h < heads; h++) {
      prefixes.add(
          first == 0
              ? TreeScan.exclusive(perHead.get(h), family.identity(h), family::combine)
              : TreeScan.exclusive(perHead.get(h), first, carry.get(h), family::combine));
    }
    List<byte[]> out = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      List<S> at = new ArrayList<>(heads);
      for (int h = 0; h < heads; h++) {
        at.add(prefixes.get(h).get(i));
      }
      out.add(toBytes(at));
    }
    return out;
  }

  private List<List<S>> perHead(List<byte[]> items) {
    List<List<S>> perHead = new ArrayList<>();
    for (int h = 0; h < heads; h++) {
      perHead.add(new ArrayList<>(items.size()));
    }
    for (byte[] t : items) {
      List<S> states = fromBytes(t);
      for (int h = 0; h < heads; h++) {
        perHead.get(h).add(states.get(h));
      }
    }
    return perHead;
  }

  /**
   * Step 3: outputs of the tokens of blocks lo .. hi−1 (row i = position lo·blockSize + i, {@code
   * outWidth} values each), given the span's input from {@link #spanInputs} (ignored, and may be
   * empty, for a causal span with lo = 0).
   */
  public float[] outputs(IntFunction<TokenBlock> blocks, int lo, int hi, byte[] input) {
    // a causal span that starts the document reads the identity: its input is not needed
    List<S> in = family.causal() && lo == 0 ? null : fromBytes(input);
    TokenBlock first = blocks.apply(lo);
    TokenBlock last = blocks.apply(hi - 1);
    int rows = last.firstPos() + last.n() - first.firstPos();
    float[] out = new float[rows * outWidth];
    for (int h = 0; h < heads; h++) {
      List<S> states;
      if (family.causal()) {
        List<S> items = blockStates(blocks, lo, hi, h);
        states =
            lo == 0
                ? TreeScan.exclusive(items, family.identity(h), family::combine)
                : TreeScan.exclusive(items, lo, in.get(h), family::combine);
      } else {
        states = null;
      }
      for (int b = lo; b < hi; b++) {
        TokenBlock blk = blocks.apply(b);
        S state = states == null ? in.get(h) : states.get(b - lo);
        family.output(state, blk, h, out, blk.firstPos() - first.firstPos());
      }
    }
    checkFinite(out, first.firstPos());
    return out;
  }

  /**
   * Refuses outputs that overflowed (a state sum or a feature beyond the float range: q, k or v too
   * large for this family) instead of writing ∞ or NaN.
   */
  private void checkFinite(float[] out, int firstPos) {
    for (int i = 0; i < out.length; i++) {
      if (!Float.isFinite(out[i])) {
        throw new InputRangeException(
            firstPos + i / outWidth,
            "the attention state overflowed the float range (q, k or v too large; scale them"
                + " down)");
      }
    }
  }

  /**
   * A whole document held in memory (benchmarks and tests): the three steps over spans of {@code
   * spanBlocks} blocks (a power of two), steps 1 and 3 spread over {@code workers} tasks of {@code
   * pool} that take spans from a shared counter. Returns the outputs of all tokens, row-major. The
   * result is the same bits for any {@code workers}.
   */
  public float[] document(TokenBlock[] blocks, int spanBlocks, ExecutorService pool, int workers)
      throws InterruptedException, ExecutionException {
    TokenBlock last = blocks[blocks.length - 1];
    float[] out = new float[(last.firstPos() + last.n()) * outWidth];
    document(
        b -> blocks[b],
        blocks.length,
        spanBlocks,
        pool,
        workers,
        (firstPos, o) -> System.arraycopy(o, 0, out, firstPos * outWidth, o.length));
    return out;
  }

  /** Receives the outputs of one span: rows from token {@code firstPos} on, row-major. */
  @FunctionalInterface
  public interface SpanSink {
    void accept(int firstPos, float[] out);
  }

  /**
   * {@link #document(TokenBlock[], int, ExecutorService, int)} streamed: blocks come from {@code
   * blockAt} (called again for each step, so they need not be held), each span's outputs go to
   * {@code sink} (from the worker threads) — memory is bounded by the spans in flight and the
   * per-span totals, not by the document.
   */
  public void document(
      IntFunction<TokenBlock> blockAt,
      int nb,
      int spanBlocks,
      ExecutorService pool,
      int workers,
      SpanSink sink)
      throws InterruptedException, ExecutionException {
    int spans = (nb + spanBlocks - 1) / spanBlocks;
    byte[][] totals = new byte[spans][];
    forEachSpan(
        pool,
        workers,
        spans,
        s -> totals[s] = spanTotal(blockAt, s * spanBlocks, Math.min(nb, (s + 1) * spanBlocks)));
    List<byte[]> inputs = spanInputs(java.util.Arrays.asList(totals));
    forEachSpan(
        pool,
        workers,
        spans,
        s -> {
          int lo = s * spanBlocks;
          float[] o = outputs(blockAt, lo, Math.min(nb, lo + spanBlocks), inputs.get(s));
          sink.accept(blockAt.apply(lo).firstPos(), o);
        });
  }

  private static void forEachSpan(
      ExecutorService pool, int workers, int spans, java.util.function.IntConsumer task)
      throws InterruptedException, ExecutionException {
    AtomicInteger next = new AtomicInteger();
    List<Future<?>> running = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      running.add(
          pool.submit(
              () -> {
                for (int s = next.getAndIncrement(); s < spans; s = next.getAndIncrement()) {
                  task.accept(s);
                }
              }));
    }
    for (Future<?> f : running) {
      f.get();
    }
  }

  private List<S> blockStates(IntFunction<TokenBlock> blocks, int lo, int hi, int head) {
    List<S> states = new ArrayList<>(hi - lo);
    for (int b = lo; b < hi; b++) {
      states.add(family.blockState(blocks.apply(b), head));
    }
    return states;
  }

  private byte[] toBytes(List<S> states) {
    ByteBuffer buf = ByteBuffer.allocate(heads * family.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (S s : states) {
      family.write(s, buf);
    }
    return buf.array();
  }

  private List<S> fromBytes(byte[] bytes) {
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    List<S> states = new ArrayList<>(heads);
    for (int h = 0; h < heads; h++) {
      states.add(family.read(buf));
    }
    return states;
  }
}
