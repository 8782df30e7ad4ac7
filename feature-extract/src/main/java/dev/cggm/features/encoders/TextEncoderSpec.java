package dev.cggm.features.encoders;

/**
 * A text encoder to load: a BERT-family ONNX model with the HuggingFace export interface
 * ({@code input_ids}, {@code attention_mask}[, {@code token_type_ids}] → {@code last_hidden_state})
 * and the {@code tokenizer.json} it was trained with.
 *
 * @param name      short name recorded in the manifest (a registry name or the model file name)
 * @param model     the ONNX model
 * @param tokenizer the HuggingFace tokenizer.json
 */
public record TextEncoderSpec(String name, ModelSource model, ModelSource tokenizer) {
}
