package org.longattn.datasets.model;

import java.util.List;
import java.util.Map;

/**
 * One ONNX {@code NodeProto}: its op type, name, the names of its inputs and outputs, and its float
 * and tensor attributes (e.g. a {@code Constant}'s {@code value}, a {@code LayerNormalization}'s
 * {@code epsilon}); other attributes are skipped.
 */
public record OnnxNode(
    String name,
    String opType,
    List<String> inputs,
    List<String> outputs,
    Map<String, Float> floatAttributes,
    Map<String, OnnxTensor> tensorAttributes) {}
