package org.longattn.kernels.span;

import org.longattn.kernels.state.SoftmaxState;

/**
 * What one span computes: final rows for its non-global positions and, per head, the partial state
 * of the document's global rows over the span's own keys.
 *
 * <p>Row r is position firstPos + r; {@code out[r·H·dv ..]} head-major; stats arrays hold {@code
 * [r·H + h]} (null without stats). Rows of global positions are left zero here and filled after the
 * global partials of all spans are merged ({@link SpanAttention#finishGlobalRows}).
 *
 * @param globalPartials per head, the state of all global rows (in {@link Globals#pos()} order)
 *     over the keys of this span; empty when the document has no global token
 */
public record SpanResult(
    int firstPos,
    int rows,
    float[] out,
    float[] entropy,
    float[] meanDistance,
    float[] maxWeight,
    float[] globalMass,
    SoftmaxState[] globalPartials) {}
