package dev.cggm.onnx.torch;

/** A file that is not a PyTorch checkpoint this reader understands; the message names the file and the problem. */
public final class TorchCheckpointException extends RuntimeException {
    public TorchCheckpointException(String message) {
        super(message);
    }

    public TorchCheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
