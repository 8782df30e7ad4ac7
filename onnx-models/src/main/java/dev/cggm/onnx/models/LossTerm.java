package dev.cggm.onnx.models;

/**
 * A loss term of a training graph. Gradients are those of Σ w·term, each weight {@code w} a
 * scalar graph input ({@link ModelIO#lossWeight}) a method may set per step; {@code defaultWeight}
 * is what the trainer feeds otherwise.
 *
 * @param name          the term's output name ({@code loss}, {@code cls_loss/text}, …)
 * @param defaultWeight the weight when no method sets one
 */
public record LossTerm(String name, double defaultWeight) {
}
