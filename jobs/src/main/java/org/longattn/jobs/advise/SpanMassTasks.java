package org.longattn.jobs.advise;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.longattn.jobs.attend.DocPlan;
import org.longattn.jobs.attend.Routing;
import org.longattn.jobs.attend.SpanAssembler;
import org.longattn.jobs.attend.SpanKey;
import org.longattn.kernels.pattern.AttentionPattern;
import org.longattn.kernels.pattern.PatternSpec;
import org.longattn.kernels.span.HeadShape;
import org.longattn.kernels.span.TokenBlock;
import scala.Tuple2;

/**
 * Reduce side of advise's routing shuffle: rebuilds each key span of a partition from its routed
 * records ({@link SpanAssembler}, which checks positions) and computes its {@link ExactMass} state
 * against the unit's broadcast samples. What a span computes does not depend on the partition it
 * landed in or on the order its records arrived in.
 */
final class SpanMassTasks
    implements FlatMapFunction<Iterator<Tuple2<SpanKey, byte[]>>, Tuple2<SpanKey, double[]>> {
  private static final long serialVersionUID = 1L;

  private final Broadcast<Map<String, DocPlan>> plans;
  private final Broadcast<Map<String, SampledUnit>> units;
  private final List<PatternSpec> specs;
  private final HeadShape shape;
  private final boolean causal;
  private final Routing routing;

  SpanMassTasks(
      Broadcast<Map<String, DocPlan>> plans,
      Broadcast<Map<String, SampledUnit>> units,
      List<PatternSpec> specs,
      HeadShape shape,
      boolean causal,
      Routing routing) {
    this.plans = plans;
    this.units = units;
    this.specs = specs;
    this.shape = shape;
    this.causal = causal;
    this.routing = routing;
  }

  @Override
  public Iterator<Tuple2<SpanKey, double[]>> call(Iterator<Tuple2<SpanKey, byte[]>> records) {
    Map<SpanKey, SpanAssembler> spans = new TreeMap<>();
    while (records.hasNext()) {
      Tuple2<SpanKey, byte[]> r = records.next();
      spans
          .computeIfAbsent(
              r._1(),
              k -> new SpanAssembler(plans.value().get(k.docId()), routing.blockSize(), shape))
          .add(r._2());
    }
    AttentionPattern[] patterns = new AttentionPattern[specs.size()];
    for (int c = 0; c < patterns.length; c++) {
      patterns[c] = specs.get(c).build(); // patterns are rebuilt per task, not shipped
    }
    List<Tuple2<SpanKey, double[]>> out = new ArrayList<>();
    for (Map.Entry<SpanKey, SpanAssembler> e : spans.entrySet()) {
      SpanKey key = e.getKey();
      SampledUnit u = units.value().get(key.docId());
      int first = key.span() * routing.spanBlocks();
      int end = Math.min(routing.numBlocks(u.n), first + routing.spanBlocks());
      SpanAssembler asm = e.getValue();
      out.add(
          new Tuple2<>(
              key,
              ExactMass.span(
                  u,
                  patterns,
                  shape,
                  causal,
                  id -> {
                    TokenBlock b = asm.block(id);
                    if (b == null) {
                      throw new org.longattn.datasets.InputException(
                          "doc '"
                              + u.docId
                              + "' pos "
                              + id * routing.blockSize()
                              + " column 'pos': position missing (positions must be 0.."
                              + (u.n - 1)
                              + " exactly once)");
                    }
                    return b;
                  },
                  first,
                  end)));
    }
    return out.iterator();
  }
}
