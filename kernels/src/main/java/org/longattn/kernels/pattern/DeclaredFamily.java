package org.longattn.kernels.pattern;

import java.util.List;

/** A {@link Family} whose name, shape, parameters and softmax flag are given to its constructor. */
public abstract class DeclaredFamily implements Family {
  private final String name;
  private final Shape shape;
  private final boolean softmax;
  private final List<Param> params;

  protected DeclaredFamily(String name, Shape shape, boolean softmax, Param... params) {
    this.name = name;
    this.shape = shape;
    this.softmax = softmax;
    this.params = List.of(params);
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Shape shape() {
    return shape;
  }

  @Override
  public final boolean softmax() {
    return softmax;
  }

  @Override
  public final List<Param> params() {
    return params;
  }

  @Override
  public String toString() {
    return name;
  }
}
